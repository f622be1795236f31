"""The File Exporter's read side: every stored message of one UTC hour, from the `byExportSlot` index.

Each message item carries `exportSlot` = "<YYYY-MM-DDTHH>#<shard>". The shard (from the utterance id) spreads one
hour's writes over EXPORT_SHARDS index partitions, so a busy hour never concentrates on one. Reading merges the
shards by `createdAt`: the hour comes out in publication order, with a page or two per shard in memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from connect_transcribe.adapters.aws_errors import translated
from connect_transcribe.models.feed import hour_slot

EXPORT_INDEX = "byExportSlot"
EXPORT_SLOT_ATTRIBUTE = "exportSlot"
CREATED_AT_ATTRIBUTE = "createdAt"  # the index's sort key: the message's published_at_ms
# Part of the stored data format: the reader queries exactly these shards. Changing it strands older items.
EXPORT_SHARDS = 8


def export_slot(slot: str, utterance_id: str) -> str:
    shard = int(utterance_id.replace("-", "")[:8], 16) % EXPORT_SHARDS
    return f"{slot}#{shard}"


def index_attributes(published_at_ms: int, utterance_id: str) -> dict[str, Any]:
    """The two attributes that put a message item in the index (written by the gateway, or by the backfill)."""
    published = datetime.fromtimestamp(published_at_ms / 1000, UTC)
    return {
        CREATED_AT_ATTRIBUTE: published_at_ms,
        EXPORT_SLOT_ATTRIBUTE: export_slot(hour_slot(published), utterance_id),
    }


class DynamoDbExportSource:
    """Implements export/ports.ExportSource with the low-level client (no per-attribute Decimal work)."""

    def __init__(self, client: Any, table_name: str, *, page_items: int | None = None) -> None:
        self._client = client
        self._table = table_name
        self._page_items = page_items

    def bodies(self, slot: str) -> Iterator[str]:
        """Message bodies (UtteranceMessage JSON) published in the hour, oldest first."""
        with ThreadPoolExecutor(max_workers=EXPORT_SHARDS, thread_name_prefix="export-read") as pool:
            shards = [self._shard(pool, f"{slot}#{shard}") for shard in range(EXPORT_SHARDS)]
            for _, body in heapq.merge(*shards, key=lambda pair: pair[0]):
                yield body

    def _shard(self, pool: ThreadPoolExecutor, partition: str) -> Iterator[tuple[int, str]]:
        """One shard's items in createdAt order; the next page is fetched while this one is consumed."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": EXPORT_INDEX,
            "KeyConditionExpression": "#slot = :slot",
            "ExpressionAttributeNames": {"#slot": EXPORT_SLOT_ATTRIBUTE, "#body": "body", "#at": CREATED_AT_ATTRIBUTE},
            "ExpressionAttributeValues": {":slot": {"S": partition}},
            "ProjectionExpression": "#body, #at",
        }
        if self._page_items:
            kwargs["Limit"] = self._page_items
        pending: Future[dict[str, Any]] | None = pool.submit(self._query, dict(kwargs))
        while pending is not None:
            page = pending.result()
            last = page.get("LastEvaluatedKey")
            if last:
                kwargs["ExclusiveStartKey"] = last
                pending = pool.submit(self._query, dict(kwargs))
            else:
                pending = None
            for item in page.get("Items", ()):
                yield int(item[CREATED_AT_ATTRIBUTE]["N"]), item["body"]["S"]

    def _query(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        with translated("DynamoDB"):
            return self._client.query(**kwargs)
