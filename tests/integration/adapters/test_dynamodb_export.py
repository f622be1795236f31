"""The exporter's read side on moto: the gateway's messages land in the hour-sharded index, which reads back one
hour in publication order across shards and pages."""

from __future__ import annotations

import json

import boto3
from connect_transcribe.adapters.dynamodb_export import EXPORT_SHARDS, DynamoDbExportSource, export_slot
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.models.api import Role

from bench.utterances import utterance
from tests.conftest import AwsResources
from tests.feed_factories import epoch_ms


def test_stored_messages_carry_their_hour_slot_and_a_shard_from_the_utterance_id(aws: AwsResources) -> None:
    message = utterance(epoch_ms("2026-11-23T14:59:59.999"))
    DynamoDbGatewayStore(aws.table).put_message(message)
    item = next(i for i in aws.items() if i["sk"].startswith("MSG#"))
    assert item["exportSlot"] == export_slot("2026-11-23T14", message.utterance_id)
    assert item["exportSlot"].startswith("2026-11-23T14#") and int(item["exportSlot"][-1]) < EXPORT_SHARDS


def test_an_hour_reads_back_whole_in_publication_order_across_shards_and_pages(aws: AwsResources) -> None:
    # Given 120 utterances from 3 calls in one hour (spread over the 8 shards), and neighbours outside it
    store = DynamoDbGatewayStore(aws.table)
    base = epoch_ms("2026-11-23T14:00:00")
    inside = [utterance(base + i * 29_000, guid=f"call-{i % 3}", role=Role.AGENT, sequence=i + 1) for i in range(120)]
    for message in inside:
        store.put_message(message)
    store.put_message(utterance(base - 1, guid="before"))
    store.put_message(utterance(base + 3_600_000, guid="after"))
    assert len({m.utterance_id[:8] for m in inside}) > EXPORT_SHARDS  # the ids do spread
    # When the hour is read with tiny pages (many per shard)
    source = DynamoDbExportSource(boto3.client("dynamodb"), aws.table.name, page_items=4)
    bodies = [json.loads(body) for body in source.bodies("2026-11-23T14")]
    # Then every utterance of the hour, once, oldest first
    assert [b["utterance_id"] for b in bodies] == [m.utterance_id for m in inside]


def test_messages_stored_without_an_export_slot_are_not_in_the_index(aws: AwsResources) -> None:
    # Items written before the index existed (no exportSlot) stay out of it: a sparse index
    aws.table.put_item(Item={"pk": "CONV#old", "sk": "MSG#agent#00000001", "createdAt": 1, "body": "{}"})
    source = DynamoDbExportSource(boto3.client("dynamodb"), aws.table.name)
    assert list(source.bodies("1970-01-01T00")) == []
