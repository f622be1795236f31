"""Move undeliverable utterances from the delivery DLQ back to the utterances queue (receive → send → delete),
keeping each stream's order. SQS's own redrive (StartMessageMoveTask) cannot be exercised locally (moto lacks it),
and it would resend the DLQ's error attributes; this command drops them. The queues are ports (delivery/ports.py,
SQS in adapters/sqs_redrive.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connect_transcribe.delivery.ports import QueuedLetter, QueueSendFailed, RedriveSource, RedriveTarget

# Written by the delivery Lambda when it dead-letters a message (adapters/sqs_dead_letters.py).
ERROR_ATTRIBUTES = frozenset({"lastError", "attempts", "receiveCount", "failedAt", "httpStatus"})
MAX_DEDUP_ID = 128


@dataclass
class RedriveSummary:
    source: str
    target: str
    dry_run: bool
    moved: int = 0
    listed: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    remaining: int | None = None  # the DLQ's approximate depth afterwards

    def to_json(self) -> str:
        return json.dumps(
            {
                "from": self.source,
                "to": self.target,
                "dryRun": self.dry_run,
                "moved": self.moved,
                "listed": self.listed,
                "failed": len(self.failed),
                "failures": self.failed,
                "remainingInDlq": self.remaining,
            }
        )


def redrive_dlq(
    source: RedriveSource,
    target: RedriveTarget,
    *,
    max_messages: int | None = None,
    dry_run: bool = False,
    out: Callable[[str], None] = print,
) -> RedriveSummary:
    """Redrive up to `max_messages` (all by default). A dry run prints one JSON line per message it can see
    (ids, group, lastError: never the body) and leaves them on the DLQ. On a FIFO DLQ that is the first up to
    ten messages of each stream: SQS hides the rest of a group while those are received."""
    summary = RedriveSummary(source.url, target.url, dry_run)
    seen: list[QueuedLetter] = []  # dry run: received, to be made visible again at the end
    failed_groups: set[str] = set()
    while max_messages is None or summary.moved + summary.listed < max_messages:
        room = 10 if max_messages is None else min(10, max_messages - summary.moved - summary.listed)
        batch = source.receive(room)
        if not batch:
            break
        if dry_run:
            for letter in batch:
                out(json.dumps(describe(letter)))
            seen += batch
            summary.listed += len(batch)
            continue
        sent = []
        for letter in batch:
            group = letter.group_id or ""
            if group in failed_groups:
                continue  # keep the stream's order: nothing behind a message that could not be moved
            error = _send(target, letter)
            if error:
                failed_groups.add(group)
                summary.failed.append({"messageId": letter.message_id, "error": error})
            else:
                sent.append(letter)
        source.delete(sent)
        summary.moved += len(sent)
    if seen:
        source.release(seen)
    summary.remaining = source.depth()
    return summary


def describe(letter: QueuedLetter) -> dict[str, Any]:
    """What a dead letter says about itself, without its body (the body holds transcript text)."""
    info: dict[str, Any] = {"messageId": letter.message_id, "groupId": letter.group_id}
    for name in ("utteranceId", "lastError", "httpStatus", "attempts", "failedAt"):
        if name in letter.attributes:
            info[name] = letter.attributes[name].string_value
    return info


def redrive_dedup_id(letter: QueuedLetter) -> str:
    """Fresh, so FIFO's 5-minute de-duplication does not swallow a message sent before under the original id,
    yet stable per DLQ message, so re-running after a crash between send and delete sends no duplicate."""
    original = letter.dedup_id or letter.message_id
    base = original.split("-redrive-", 1)[0]
    suffix = f"-redrive-{letter.message_id}"
    return base[: MAX_DEDUP_ID - len(suffix)] + suffix


def _send(target: RedriveTarget, letter: QueuedLetter) -> str | None:
    attributes = {name: value for name, value in letter.attributes.items() if name not in ERROR_ATTRIBUTES}
    group_id = dedup_id = None
    if target.fifo:
        if not letter.group_id:
            return "no MessageGroupId to send to a FIFO queue (the DLQ is not FIFO)"
        group_id, dedup_id = letter.group_id, redrive_dedup_id(letter)
    try:
        target.send(letter.body, attributes, group_id=group_id, dedup_id=dedup_id)
    except QueueSendFailed as exc:
        return str(exc)[:300]
    return None
