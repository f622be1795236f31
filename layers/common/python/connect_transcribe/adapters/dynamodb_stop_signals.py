"""Stop signals on the conversation table: the control plane tells the worker that holds a session's lease to look
at that conversation now, so workers need not read every running session's conversation twice a second.

Item (pk = WORKER#<worker id>, sk = STOPS): `guids`, a string set of sessions to check. The control plane adds to
it after its conditional write of the conversation (stop, pause on hold); the worker reads it strongly consistent on
each supervisor pass (one read per task, not per session) and deletes what it read. A signal that is lost (the
write failed, or the lease moved meanwhile) costs at most the worker's slow re-check of every session; a worker that
takes a lease over reads the conversation itself after acquiring it, so a stop written before it took over is seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from connect_transcribe.adapters.dynamodb_store import TTL_ATTRIBUTE, lease_key

MAILBOX_TTL_S = 86_400  # a mailbox outlives its worker by a day at most


def mailbox_key(worker_id: str) -> dict[str, str]:
    return {"pk": f"WORKER#{worker_id}", "sk": "STOPS"}


class DynamoDbStopSignals:
    def __init__(self, table: Any, *, now_s: Callable[[], float] = time.time) -> None:
        """`table` is a boto3 DynamoDB Table resource; `now_s` gives epoch seconds (the mailbox's expiry)."""
        self._table = table
        self._now_s = now_s

    # -- control plane (control/ports.py StopNotifier) --------------------------------------------

    def notify(self, guid: str) -> None:
        """Add `guid` to the mailbox of the worker whose lease is on it; nothing when no worker holds the lease."""
        lease = self._table.get_item(
            Key=lease_key(guid),
            ConsistentRead=True,
            ProjectionExpression="#owner",
            ExpressionAttributeNames={"#owner": "owner"},
        ).get("Item")
        owner = (lease or {}).get("owner")
        if not owner:
            return  # released or never taken: whoever takes it next reads the conversation first
        self._table.update_item(
            Key=mailbox_key(str(owner)),
            UpdateExpression="ADD guids :g SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":g": {guid}, ":ttl": int(self._now_s()) + MAILBOX_TTL_S},
        )

    # -- media gateway (gateway/ports.py StopSignals) ---------------------------------------------

    def take(self, worker_id: str) -> set[str]:
        """The sessions signalled to `worker_id` since the last take, removed from the mailbox as read."""
        item = self._table.get_item(Key=mailbox_key(worker_id), ConsistentRead=True).get("Item") or {}
        guids = {str(g) for g in item.get("guids") or ()}
        if guids:
            # DELETE removes just these: a signal added between the read and this write stays for the next take
            self._table.update_item(
                Key=mailbox_key(worker_id),
                UpdateExpression="DELETE guids :g",
                ExpressionAttributeValues={":g": guids},
            )
        return guids
