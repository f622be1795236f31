"""Put messages stored before the File Exporter existed into its `byExportSlot` index.

Those items lack `exportSlot` (the index's partition key), so no export finds them. A parallel scan reads only
message items without it (keys and body), and each gets both index attributes exactly as the gateway writes them
today, derived from its body (`createdAt`, the sort key, was already there; it is set to the same value).
Every update is conditional (the item still exists and still lacks the slot), so the backfill can run while the
service takes calls, be interrupted, and be run again: a second run finds nothing left to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from connect_transcribe.adapters.aws_errors import error_code
from connect_transcribe.adapters.dynamodb_export import CREATED_AT_ATTRIBUTE, EXPORT_SLOT_ATTRIBUTE, index_attributes

DEFAULT_SEGMENTS = 4


@dataclass
class BackfillSummary:
    updated: int = 0  # items that now carry the index attributes
    raced: int = 0  # gone, or given the attributes by someone else, between the scan and the update
    corrupt: int = 0  # body is not an utterance message: left as it is (an export of its hour would fail)

    def add(self, other: BackfillSummary) -> None:
        self.updated += other.updated
        self.raced += other.raced
        self.corrupt += other.corrupt

    def to_json(self) -> str:
        return json.dumps({"updated": self.updated, "raced": self.raced, "corrupt": self.corrupt})


class ExportIndexBackfill:
    """`client`: a low-level DynamoDB client. `page_items` limits scan pages (tests use it to force paging)."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        segments: int = DEFAULT_SEGMENTS,
        page_items: int | None = None,
        on_corrupt: Callable[[dict[str, Any], str], None] | None = None,
    ) -> None:
        if segments < 1:
            raise ValueError("segments must be at least 1")
        self._client = client
        self._table = table_name
        self._segments = segments
        self._page_items = page_items
        self._on_corrupt = on_corrupt or (lambda key, reason: None)

    def run(self) -> BackfillSummary:
        total = BackfillSummary()
        with ThreadPoolExecutor(max_workers=self._segments, thread_name_prefix="backfill") as pool:
            for part in pool.map(self._segment, range(self._segments)):
                total.add(part)
        return total

    def _segment(self, segment: int) -> BackfillSummary:
        summary = BackfillSummary()
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Segment": segment,
            "TotalSegments": self._segments,
            "FilterExpression": "#entity = :message AND attribute_not_exists(#slot)",
            "ProjectionExpression": "pk, sk, #body",
            "ExpressionAttributeNames": {"#entity": "entity", "#slot": EXPORT_SLOT_ATTRIBUTE, "#body": "body"},
            "ExpressionAttributeValues": {":message": {"S": "message"}},
        }
        if self._page_items:
            kwargs["Limit"] = self._page_items
        while True:
            page = self._client.scan(**kwargs)
            for item in page.get("Items", ()):
                self._backfill(item, summary)
            if "LastEvaluatedKey" not in page:
                return summary
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _backfill(self, item: dict[str, Any], summary: BackfillSummary) -> None:
        key = {"pk": item["pk"], "sk": item["sk"]}
        try:
            message = json.loads(item["body"]["S"])
            attributes = index_attributes(int(message["published_at_ms"]), str(message["utterance_id"]))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            summary.corrupt += 1
            self._on_corrupt(key, type(exc).__name__)  # the reason names the error, never the body
            return
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET #slot = :slot, #at = :at",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#slot)",
                ExpressionAttributeNames={"#slot": EXPORT_SLOT_ATTRIBUTE, "#at": CREATED_AT_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":slot": {"S": attributes[EXPORT_SLOT_ATTRIBUTE]},
                    ":at": {"N": str(attributes[CREATED_AT_ATTRIBUTE])},
                },
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            summary.raced += 1
            return
        summary.updated += 1
