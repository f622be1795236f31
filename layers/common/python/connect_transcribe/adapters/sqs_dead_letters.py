"""Send an undeliverable utterance to the delivery DLQ with its last error as message attributes; the body is
the original queue body, so a redrive delivers exactly what the gateway published."""

from __future__ import annotations

from typing import Any

from connect_transcribe.delivery.ports import DeadLetter


class SqsDeadLetters:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._fifo = queue_url.endswith(".fifo")

    def send(self, letter: DeadLetter) -> None:
        attributes: dict[str, dict[str, str]] = {
            "lastError": {"DataType": "String", "StringValue": letter.last_error[:1024] or "unknown"},
            "attempts": {"DataType": "Number", "StringValue": str(letter.attempts)},
            "receiveCount": {"DataType": "Number", "StringValue": str(letter.receive_count)},
            "failedAt": {"DataType": "String", "StringValue": letter.failed_at.isoformat()},
        }
        if letter.http_status is not None:
            attributes["httpStatus"] = {"DataType": "Number", "StringValue": str(letter.http_status)}
        if letter.utterance_id:
            attributes["utteranceId"] = {"DataType": "String", "StringValue": letter.utterance_id}
        args: dict[str, Any] = {"QueueUrl": self._url, "MessageBody": letter.body, "MessageAttributes": attributes}
        if self._fifo:
            args |= {"MessageGroupId": letter.group_id, "MessageDeduplicationId": letter.dedup_id}
        self._sqs.send_message(**args)
