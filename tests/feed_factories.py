"""Timestamps and stored items for the File Exporter tests; the utterances themselves come from
bench.utterances, which the benchmarks share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore, message_key
from connect_transcribe.models.utterance import UtteranceMessage


def epoch_ms(text: str) -> int:
    """'2026-11-23T14:00:00.250' (UTC) as epoch milliseconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def store_as_before_the_exporter(aws: Any, message: UtteranceMessage) -> None:
    """The item as the gateway wrote it before the index existed: the same, minus `exportSlot`."""
    DynamoDbGatewayStore(aws.table).put_message(message)
    aws.table.update_item(
        Key=message_key(message.guid, message.role.value, message.sequence),
        UpdateExpression="REMOVE exportSlot",
        ConditionExpression="attribute_exists(exportSlot)",
    )
