"""The two queues of a DLQ redrive on SQS (delivery/ports.py: RedriveSource, RedriveTarget): receive, delete and
release in batches of ten on the DLQ, send to the utterances queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from connect_transcribe.delivery.ports import MessageAttribute, QueuedLetter, QueueSendFailed


class SqsRedriveQueue:
    def __init__(self, sqs: Any, queue_url: str, *, wait_s: int = 1, visibility_s: int = 60) -> None:
        """`wait_s`: how long a receive waits for messages; `visibility_s`: how long received messages stay hidden
        (a redrive that dies leaves them on the DLQ, visible again after this)."""
        self._sqs = sqs
        self.url = queue_url
        self.fifo = queue_url.endswith(".fifo")
        self._wait_s = wait_s
        self._visibility_s = visibility_s

    def receive(self, max_messages: int) -> list[QueuedLetter]:
        messages = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=self._wait_s,
            VisibilityTimeout=self._visibility_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return [_letter(m) for m in messages]

    def send(
        self,
        body: str,
        attributes: Mapping[str, MessageAttribute],
        *,
        group_id: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        args: dict[str, Any] = {"QueueUrl": self.url, "MessageBody": body}
        if attributes:
            args["MessageAttributes"] = {name: _attribute_value(value) for name, value in attributes.items()}
        if group_id is not None:
            args["MessageGroupId"] = group_id
        if dedup_id is not None:
            args["MessageDeduplicationId"] = dedup_id
        try:
            self._sqs.send_message(**args)
        except (ClientError, BotoCoreError) as exc:
            raise QueueSendFailed(f"{type(exc).__name__}: {exc}") from exc

    def delete(self, letters: list[QueuedLetter]) -> None:
        for start in range(0, len(letters), 10):
            entries = [{"Id": str(i), "ReceiptHandle": m.receipt} for i, m in enumerate(letters[start : start + 10])]
            self._sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)

    def release(self, letters: list[QueuedLetter]) -> None:
        for start in range(0, len(letters), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m.receipt, "VisibilityTimeout": 0}
                for i, m in enumerate(letters[start : start + 10])
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=self.url, Entries=entries)

    def depth(self) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attrs = self._sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=names)["Attributes"]
        return sum(int(attrs.get(n, 0)) for n in names)


def _letter(message: dict[str, Any]) -> QueuedLetter:
    system = message.get("Attributes", {})
    return QueuedLetter(
        message_id=message["MessageId"],
        receipt=message["ReceiptHandle"],
        body=message["Body"],
        group_id=system.get("MessageGroupId"),
        dedup_id=system.get("MessageDeduplicationId"),
        attributes={
            name: MessageAttribute(value["DataType"], value.get("StringValue"), value.get("BinaryValue"))
            for name, value in message.get("MessageAttributes", {}).items()
        },
    )


def _attribute_value(attribute: MessageAttribute) -> dict[str, Any]:
    value: dict[str, Any] = {"DataType": attribute.data_type}
    if attribute.string_value is not None:
        value["StringValue"] = attribute.string_value
    if attribute.binary_value is not None:
        value["BinaryValue"] = attribute.binary_value
    return value
