"""Publish utterances: store the conversation message (DynamoDB), then enqueue it for delivery (SQS FIFO,
one message group per participant stream so delivery keeps each stream's order)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from connect_transcribe.gateway.ports import MessageStore
from connect_transcribe.models.utterance import InterimMessage, UtteranceMessage


def _epoch_ms() -> int:
    return time.time_ns() // 1_000_000


class SqsUtteranceQueue:
    def __init__(self, sqs: Any, queue_url: str, *, now_ms: Callable[[], int] = _epoch_ms) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._fifo = queue_url.endswith(".fifo")
        self._now_ms = now_ms

    def send(self, message: UtteranceMessage) -> None:
        if message.timings is not None:  # the webhook Lambda's DeliveryMs starts here (each attempt re-stamps it)
            timings = message.timings.model_copy(update={"enqueued_at_ms": self._now_ms()})
            message = message.model_copy(update={"timings": timings})
        args: dict[str, Any] = {
            "QueueUrl": self._url,
            "MessageBody": message.model_dump_json(),
            "MessageAttributes": {
                "guid": {"DataType": "String", "StringValue": message.guid},
                "utteranceId": {"DataType": "String", "StringValue": message.utterance_id},
            },
        }
        if self._fifo:  # FIFO de-duplicates a replayed utterance within 5 minutes; receivers use utteranceId beyond
            # an interim shares its stream's group, so it is delivered before its final and never after it
            dedup = message.idempotency_key if isinstance(message, InterimMessage) else message.utterance_id
            args |= {"MessageGroupId": message.stream_id, "MessageDeduplicationId": dedup}
        self._sqs.send_message(**args)


class StoreAndEnqueue:
    """The UtteranceSink the worker uses: both writes are idempotent, so a retry after a partial failure is safe."""

    def __init__(self, store: MessageStore, queue: SqsUtteranceQueue) -> None:
        self._store = store
        self._queue = queue

    def publish(self, message: UtteranceMessage) -> None:
        self._store.put_message(message)
        self._queue.send(message)

    def publish_interim(self, message: InterimMessage) -> None:
        self._queue.send(message)
