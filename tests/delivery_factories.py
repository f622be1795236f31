"""Factories for webhook delivery tests: utterances as the media gateway publishes them, and SQS FIFO
Lambda events carrying them (the shape the event source mapping delivers)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from connect_transcribe.models.api import Role
from connect_transcribe.models.utterance import (
    InterimMessage,
    TokenOut,
    UtteranceMessage,
    UtteranceTimings,
    utterance_id,
)

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:utterances.fifo"


def utterance(
    sequence: int = 1,
    *,
    guid: str = "8c259fea-8764-4a92-adc4-73572e9cf016",
    stream_id: str = "stream-customer-1",
    role: Role = Role.CUSTOMER,
    text: str = "my card number is [REDACTED]",
    **overrides: Any,
) -> UtteranceMessage:
    fields: dict[str, Any] = {
        "utterance_id": utterance_id(guid, stream_id, sequence),
        "guid": guid,
        "namespace": "amazonconnect",
        "generation": 1,
        "stream_id": stream_id,
        "role": role,
        "external_id": "cust-ef53245" if role is Role.CUSTOMER else "agent-7731",
        "sequence": sequence,
        "start_ms": 1000 * sequence,
        "end_ms": 1000 * sequence + 800,
        "text": text,
        "language": "en-US",
        "audio_timestamp_ms": 1_700_000_000_000 + 1000 * sequence,
        "published_at_ms": int(time.time() * 1000),
    }
    fields.update(overrides)
    return UtteranceMessage(**fields)


def interim(
    sequence: int = 1, revision: int = 1, *, enqueued_at_ms: int | None = None, **overrides: Any
) -> InterimMessage:
    """The open utterance `sequence` as heard so far, as the media gateway enqueues it."""
    final = utterance(sequence, text=overrides.pop("text", "my card number is"), **overrides)
    timings = UtteranceTimings(enqueued_at_ms=enqueued_at_ms if enqueued_at_ms is not None else final.published_at_ms)
    return InterimMessage(**final.model_dump(exclude={"timings"}), revision=revision, timings=timings)


def with_tokens(message: UtteranceMessage) -> UtteranceMessage:
    tokens = (TokenOut(text="my", start_ms=message.start_ms, end_ms=message.start_ms + 200, confidence=0.93),)
    return message.model_copy(update={"tokens": tokens})


def sqs_record(
    body: UtteranceMessage | str, *, receive_count: int = 1, group_id: str | None = None, message_id: str | None = None
) -> dict[str, Any]:
    raw = body if isinstance(body, str) else body.model_dump_json()
    group = group_id or (body.stream_id if isinstance(body, UtteranceMessage) else "unknown-group")
    dedup = str(uuid.uuid4())
    if isinstance(body, UtteranceMessage):
        dedup = body.idempotency_key if isinstance(body, InterimMessage) else body.utterance_id
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": f"handle-{uuid.uuid4()}",
        "body": raw,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(int(time.time() * 1000)),
            "SenderId": "AROAEXAMPLE:gateway",
            "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
            "SequenceNumber": str(uuid.uuid4().int)[:20],
            "MessageGroupId": group,
            "MessageDeduplicationId": dedup,
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def bodies(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in event["Records"]]
