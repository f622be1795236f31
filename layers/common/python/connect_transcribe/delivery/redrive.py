"""Move undeliverable utterances from the delivery DLQ back to the utterances queue (receive → send → delete),
keeping each stream's order. SQS's own redrive (StartMessageMoveTask) cannot be exercised locally (moto lacks it),
and it would resend the DLQ's error attributes; this command drops them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

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
    sqs: Any,
    source_url: str,
    target_url: str,
    *,
    max_messages: int | None = None,
    dry_run: bool = False,
    wait_s: int = 1,
    visibility_s: int = 60,
    out: Callable[[str], None] = print,
) -> RedriveSummary:
    """Redrive up to `max_messages` (all by default). A dry run prints one JSON line per message it can see
    (ids, group, lastError: never the body) and leaves them on the DLQ. On a FIFO DLQ that is the first up to
    ten messages of each stream: SQS hides the rest of a group while those are received."""
    summary = RedriveSummary(source_url, target_url, dry_run)
    target_fifo = target_url.endswith(".fifo")
    seen: list[dict[str, Any]] = []  # dry run: received, to be made visible again at the end
    failed_groups: set[str] = set()
    while max_messages is None or summary.moved + summary.listed < max_messages:
        room = 10 if max_messages is None else min(10, max_messages - summary.moved - summary.listed)
        batch = sqs.receive_message(
            QueueUrl=source_url,
            MaxNumberOfMessages=room,
            WaitTimeSeconds=wait_s,
            VisibilityTimeout=visibility_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        if dry_run:
            for message in batch:
                out(json.dumps(describe(message)))
            seen += batch
            summary.listed += len(batch)
            continue
        sent = []
        for message in batch:
            group = message.get("Attributes", {}).get("MessageGroupId", "")
            if group in failed_groups:
                continue  # keep the stream's order: nothing behind a message that could not be moved
            error = _send(sqs, target_url, message, target_fifo)
            if error:
                failed_groups.add(group)
                summary.failed.append({"messageId": message["MessageId"], "error": error})
            else:
                sent.append(message)
        _delete(sqs, source_url, sent)
        summary.moved += len(sent)
    if seen:
        _release(sqs, source_url, seen)
    summary.remaining = _depth(sqs, source_url)
    return summary


def describe(message: dict[str, Any]) -> dict[str, Any]:
    """What a dead letter says about itself, without its body (the body holds transcript text)."""
    attributes = message.get("MessageAttributes", {})
    system = message.get("Attributes", {})
    info: dict[str, Any] = {"messageId": message["MessageId"], "groupId": system.get("MessageGroupId")}
    for name in ("utteranceId", "lastError", "httpStatus", "attempts", "failedAt"):
        if name in attributes:
            info[name] = attributes[name].get("StringValue")
    return info


def redrive_dedup_id(message: dict[str, Any]) -> str:
    """Fresh, so FIFO's 5-minute de-duplication does not swallow a message sent before under the original id,
    yet stable per DLQ message, so re-running after a crash between send and delete sends no duplicate."""
    original = message.get("Attributes", {}).get("MessageDeduplicationId") or message["MessageId"]
    base = original.split("-redrive-", 1)[0]
    suffix = f"-redrive-{message['MessageId']}"
    return base[: MAX_DEDUP_ID - len(suffix)] + suffix


def _send(sqs: Any, url: str, message: dict[str, Any], fifo: bool) -> str | None:
    attributes = {
        name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
        for name, value in message.get("MessageAttributes", {}).items()
        if name not in ERROR_ATTRIBUTES
    }
    args: dict[str, Any] = {"QueueUrl": url, "MessageBody": message["Body"]}
    if attributes:
        args["MessageAttributes"] = attributes
    if fifo:
        group = message.get("Attributes", {}).get("MessageGroupId")
        if not group:
            return "no MessageGroupId to send to a FIFO queue (the DLQ is not FIFO)"
        args |= {"MessageGroupId": group, "MessageDeduplicationId": redrive_dedup_id(message)}
    try:
        sqs.send_message(**args)
    except (ClientError, BotoCoreError) as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def _delete(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages[start : start + 10])
        ]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _release(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(messages[start : start + 10])
        ]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def _depth(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attrs.get(n, 0)) for n in names)
