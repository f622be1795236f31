"""Utterance bodies and messages for the File Exporter tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore, message_key
from connect_transcribe.models.api import Role
from connect_transcribe.models.utterance import UtteranceMessage, utterance_id


def epoch_ms(text: str) -> int:
    """'2026-11-23T14:00:00.250' (UTC) as epoch milliseconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def utterance(
    published_at_ms: int,
    *,
    guid: str = "contact-1",
    role: Role = Role.CUSTOMER,
    sequence: int = 1,
    text: str = "my card number is [redacted]",
) -> UtteranceMessage:
    stream = f"{guid}-{role.value}"
    return UtteranceMessage(
        utterance_id=utterance_id(guid, stream, sequence),
        guid=guid,
        namespace="amazonconnect",
        generation=1,
        stream_id=stream,
        role=role,
        external_id=f"{role.value}-42",
        sequence=sequence,
        start_ms=sequence * 2_000,
        end_ms=sequence * 2_000 + 1_500,
        text=text,
        language="en-US",
        audio_timestamp_ms=published_at_ms - 300,
        published_at_ms=published_at_ms,
    )


def store_as_before_the_exporter(aws: Any, message: UtteranceMessage) -> None:
    """The item as the gateway wrote it before the index existed: the same, minus `exportSlot`."""
    DynamoDbGatewayStore(aws.table).put_message(message)
    aws.table.update_item(
        Key=message_key(message.guid, message.role.value, message.sequence),
        UpdateExpression="REMOVE exportSlot",
        ConditionExpression="attribute_exists(exportSlot)",
    )
