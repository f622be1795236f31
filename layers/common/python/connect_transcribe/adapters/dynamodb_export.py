"""The File Exporter's read side: every stored message of one UTC hour, from the `byExportSlot` index.

Each message item carries `exportSlot` = "<YYYY-MM-DDTHH>#<shard>". The shard (from the utterance id) spreads one
hour's writes over EXPORT_SHARDS index partitions, so a busy hour never concentrates on one. Reading merges the
shards by `createdAt`: the hour comes out in publication order, with a page or two per shard in memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from connect_transcribe.adapters.aws_errors import translated

EXPORT_INDEX = "byExportSlot"
EXPORT_SLOT_ATTRIBUTE = "exportSlot"
# Part of the stored data format: the reader queries exactly these shards. Changing it strands older items.
EXPORT_SHARDS = 8


def export_slot(slot: str, utterance_id: str) -> str:
    shard = int(utterance_id.replace("-", "")[:8], 16) % EXPORT_SHARDS
    return f"{slot}#{shard}"


class DynamoDbExportSource:
    """Implements logic.export_runs.ExportSource with the low-level client (no per-attribute Decimal work)."""

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
            "ExpressionAttributeNames": {"#slot": EXPORT_SLOT_ATTRIBUTE, "#body": "body", "#at": "createdAt"},
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
                yield int(item["createdAt"]["N"]), item["body"]["S"]

    def _query(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        with translated("DynamoDB"):
            return self._client.query(**kwargs)
