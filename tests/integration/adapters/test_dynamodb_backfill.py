"""The export-index backfill on moto: messages stored before the File Exporter existed get the gateway's index
attributes, so the index (and an export) finds them; everything else is left as it was."""

from __future__ import annotations

import json
from typing import Any

import boto3
from connect_transcribe.adapters.dynamodb_backfill import ExportIndexBackfill
from connect_transcribe.adapters.dynamodb_export import DynamoDbExportSource, export_slot
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.models.api import Role

from bench.utterances import utterance
from tests.conftest import AwsResources
from tests.feed_factories import epoch_ms, store_as_before_the_exporter


def hour(aws: AwsResources, slot: str) -> list[str]:
    source = DynamoDbExportSource(boto3.client("dynamodb"), aws.table.name)
    return [json.loads(body)["utterance_id"] for body in source.bodies(slot)]


def test_old_messages_get_the_attributes_the_gateway_writes_today(aws: AwsResources) -> None:
    # Given 30 old messages of one hour (2 calls, both roles), read with small pages over 3 segments
    base = epoch_ms("2026-11-20T09:00:00")
    old = [
        utterance(base + i * 60_000, guid=f"call-{i % 2}", role=Role.AGENT if i % 3 else Role.CUSTOMER, sequence=i + 1)
        for i in range(30)
    ]
    for message in old:
        store_as_before_the_exporter(aws, message)
    assert hour(aws, "2026-11-20T09") == []
    # When the backfill runs
    summary = ExportIndexBackfill(boto3.client("dynamodb"), aws.table.name, segments=3, page_items=4).run()
    # Then each got exactly what put_message writes, and the hour reads back whole, in order
    assert (summary.updated, summary.raced, summary.corrupt) == (30, 0, 0)
    items = {i["utteranceId"]: i for i in aws.items() if i["sk"].startswith("MSG#")}
    for message in old:
        item = items[message.utterance_id]
        assert item["exportSlot"] == export_slot("2026-11-20T09", message.utterance_id)
        assert item["createdAt"] == message.published_at_ms
    assert hour(aws, "2026-11-20T09") == [m.utterance_id for m in old]


def test_a_second_run_finds_nothing_and_new_messages_are_untouched(aws: AwsResources) -> None:
    store_as_before_the_exporter(aws, utterance(epoch_ms("2026-11-20T09:00:00"), guid="old"))
    DynamoDbGatewayStore(aws.table).put_message(utterance(epoch_ms("2026-11-20T10:00:00"), guid="new"))
    before = {i["pk"]: i for i in aws.items() if i["pk"] == "CONV#new"}
    backfill = ExportIndexBackfill(boto3.client("dynamodb"), aws.table.name)

    assert backfill.run().updated == 1
    again = backfill.run()

    assert (again.updated, again.raced, again.corrupt) == (0, 0, 0)
    assert {i["pk"]: i for i in aws.items() if i["pk"] == "CONV#new"} == before


def test_items_that_are_not_messages_are_left_alone(aws: AwsResources) -> None:
    aws.table.put_item(Item={"pk": "CONV#c1", "sk": "CONV", "entity": "conversation", "createdAt": 5})
    aws.table.put_item(Item={"pk": "CONV#c1", "sk": "STREAM#agent", "entity": "stream"})

    summary = ExportIndexBackfill(boto3.client("dynamodb"), aws.table.name).run()

    assert summary.updated == 0
    assert all("exportSlot" not in item for item in aws.items())


def test_an_unreadable_body_is_reported_by_key_and_skipped_while_the_rest_is_backfilled(aws: AwsResources) -> None:
    good = utterance(epoch_ms("2026-11-20T09:00:00"), guid="good")
    store_as_before_the_exporter(aws, good)
    bad_bodies = ["not json", json.dumps({"utterance_id": "x"}), json.dumps({"published_at_ms": "soon"}), "[]"]
    for n, body in enumerate(bad_bodies):
        aws.table.put_item(Item={"pk": "CONV#bad", "sk": f"MSG#agent#{n:08d}", "entity": "message", "body": body})
    reported: list[tuple[str, str]] = []

    summary = ExportIndexBackfill(
        boto3.client("dynamodb"), aws.table.name, on_corrupt=lambda key, why: reported.append((key["sk"]["S"], why))
    ).run()

    assert (summary.updated, summary.corrupt) == (1, 4)
    assert sorted(sk for sk, _ in reported) == [f"MSG#agent#{n:08d}" for n in range(4)]
    assert {why for _, why in reported} <= {"JSONDecodeError", "KeyError", "ValueError", "TypeError"}
    assert hour(aws, "2026-11-20T09") == [good.utterance_id]


class DeletesFirst:
    """A DynamoDB client on which every message vanishes between the scan and its update (the call expired)."""

    def __init__(self, aws: AwsResources) -> None:
        self._client = boto3.client("dynamodb")
        self._aws = aws

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        return self._client.scan(**kwargs)

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        self._client.delete_item(TableName=kwargs["TableName"], Key=kwargs["Key"])
        return self._client.update_item(**kwargs)


def test_a_message_deleted_after_the_scan_is_not_brought_back(aws: AwsResources) -> None:
    store_as_before_the_exporter(aws, utterance(epoch_ms("2026-11-20T09:00:00")))

    summary = ExportIndexBackfill(DeletesFirst(aws), aws.table.name).run()

    assert (summary.updated, summary.raced) == (0, 1)
    assert aws.items() == []  # an unconditional update would have created a stub item
