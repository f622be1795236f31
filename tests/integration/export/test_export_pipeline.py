"""The File Exporter run against moto DynamoDB + S3, step by step as the state machine runs it.

Messages are stored by the media gateway's own store, so the index attributes are the ones it writes.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pyarrow.parquet as pq
import pytest
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.export.plan import InvalidExport
from connect_transcribe.models.api import Role
from connect_transcribe.models.feed import COLUMNS, DayManifest
from connect_transcribe.wiring import exporter

from bench.utterances import utterance
from functions.export_commit import handler as commit
from functions.export_hour import handler as hour
from functions.export_plan import handler as plan
from tests.clock import TODAY, YESTERDAY, at, days_ago
from tests.conftest import AwsResources
from tests.factories import lambda_context
from tests.feed_factories import epoch_ms

pytestmark = pytest.mark.usefixtures("frozen_now")  # plans are checked against the clock (retention, future)
BUCKET = "feed-bucket"
DAY = YESTERDAY.isoformat()  # what the 02:00 schedule of TODAY exports
SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": f"{TODAY}T02:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/export"],
    "detail": {},
}


@pytest.fixture
def feed(aws: AwsResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("TABLE_NAME", aws.table.name)
    monkeypatch.setenv("FEED_BUCKET", BUCKET)
    monkeypatch.setenv("EXPORT_MAX_FILE_ROWS", "40")
    exporter.run_service.cache_clear()  # built from the settings of this test's moto resources
    yield s3
    exporter.run_service.cache_clear()


def store_messages(aws: AwsResources, stamps: list[str], guid: str = "contact-1") -> list[str]:
    """Stores one utterance per timestamp (alternating roles); returns their utterance ids."""
    store = DynamoDbGatewayStore(aws.table)
    ids = []
    for i, stamp in enumerate(stamps):
        message = utterance(epoch_ms(stamp), guid=guid, role=(Role.CUSTOMER, Role.AGENT)[i % 2], sequence=i + 1)
        store.put_message(message)
        ids.append(message.utterance_id)
    return ids


def run_state_machine(event: dict[str, Any]) -> dict[str, Any]:
    """Plan -> one export_hour per slot (the Map) -> commit, through the real handlers."""
    planned = plan.handler(event, lambda_context("export_plan"))
    for slot in planned["slots"]:
        task = {"run_id": planned["run_id"], "started_at_ms": planned["started_at_ms"], "slot": slot}
        hour.handler(task, lambda_context("export_hour"))
    return commit.handler(planned, lambda_context("export_commit"))


def manifest(s3: Any, day: str) -> DayManifest:
    key = f"_manifests/utterances/version=1/dt={day}.json"
    return DayManifest.model_validate_json(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def jsonl_rows(s3: Any, day: str) -> list[dict[str, Any]]:
    rows = []
    for file in manifest(s3, day).files("jsonl"):  # type: ignore[arg-type]
        body = s3.get_object(Bucket=BUCKET, Key=file.key)["Body"].read()
        rows += [json.loads(line) for line in gzip.decompress(body).splitlines()]
    return rows


def data_keys(s3: Any) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="utterances/")
    return {item["Key"] for page in pages for item in page.get("Contents", ())}


def test_the_schedule_exports_exactly_the_previous_days_utterances(aws: AwsResources, feed: Any) -> None:
    # Given utterances either side of midnight and spread over the day, across more than one page per shard
    inside = [at(YESTERDAY, "00:00:00.000"), at(YESTERDAY, "23:59:59.999")] + [
        at(YESTERDAY, f"{h:02d}:{m:02d}:07.5") for h in (3, 14) for m in range(0, 60, 1)
    ]
    ids = store_messages(aws, inside)
    store_messages(aws, [at(days_ago(2), "23:59:59.999"), at(TODAY, "00:00:00.000")], guid="contact-2")
    # When the 02:00 schedule fires today
    result = run_state_machine(SCHEDULED_EVENT)
    # Then yesterday holds exactly that day's utterances, once each
    rows = jsonl_rows(feed, DAY)
    assert sorted(r["utterance_id"] for r in rows) == sorted(ids)
    assert result["rows"] == len(ids) and result["dates"] == [DAY]
    # in publication order within each hour, in files of at most 40 rows, each in its partition
    found = manifest(feed, DAY)
    assert [f.rows for f in found.files("jsonl", "14")] == [40, 20]  # type: ignore[arg-type]
    for file in found.files("jsonl"):  # type: ignore[arg-type]
        assert f"/dt={DAY}/hr={file.name[22:24]}/" in file.key
    hour_14 = [r for r in rows if r["hr"] == "14"]
    assert [r["created_at_ms"] for r in hour_14] == sorted(r["created_at_ms"] for r in hour_14)
    assert rows[0]["created_ts"] == f"{DAY}T00:00:00.000Z" and rows[-1]["created_ts"] == f"{DAY}T23:59:59.999Z"
    # the Parquet files hold the same rows
    parquet = []
    for file in found.files("parquet"):  # type: ignore[arg-type]
        body = feed.get_object(Bucket=BUCKET, Key=file.key)["Body"].read()
        parquet += pq.read_table(io.BytesIO(body)).to_pylist()
    assert parquet == rows and list(parquet[0]) == list(COLUMNS)
    # and nothing of the neighbouring days was exported
    assert not any(k for k in data_keys(feed) if f"dt={DAY}" not in k)


def test_re_running_the_day_replaces_its_files_atomically_without_duplicates(aws: AwsResources, feed: Any) -> None:
    store_messages(aws, [at(YESTERDAY, f"10:{m:02d}:00") for m in range(50)])
    run_state_machine(SCHEDULED_EVENT)
    first_keys = data_keys(feed)
    # When a late utterance is stored and the day is exported again (as an operator would, by date)
    store_messages(aws, [at(YESTERDAY, "10:59:00")], guid="contact-late")
    run_state_machine({"date": DAY})
    # Then only the second run's files remain, holding every utterance once
    rows = jsonl_rows(feed, DAY)
    assert len(rows) == 51 == len({r["utterance_id"] for r in rows})
    assert not first_keys & data_keys(feed)
    named = {f.key for fmt in ("jsonl", "parquet") for f in manifest(feed, DAY).files(fmt)}  # type: ignore[arg-type]
    assert data_keys(feed) == named
    symlink = feed.get_object(
        Bucket=BUCKET, Key=f"_symlinks/utterances/version=1/format=jsonl/dt={DAY}/hr=10/symlink.txt"
    )["Body"].read()
    assert symlink.decode().split() == [f"s3://{BUCKET}/{f.key}" for f in manifest(feed, DAY).files("jsonl", "10")]  # type: ignore[arg-type]


def test_an_interval_export_covers_the_hours_it_touches_across_midnight(aws: AwsResources, feed: Any) -> None:
    ids = store_messages(aws, [at(YESTERDAY, "23:10:00"), at(TODAY, "00:20:00")])
    store_messages(aws, [at(YESTERDAY, "22:59:59"), at(TODAY, "01:00:00")], guid="outside")
    result = run_state_machine({"start": f"{DAY}T23:30:00Z", "end": f"{TODAY}T00:30:00Z"})
    assert result["dates"] == [DAY, TODAY.isoformat()] and result["hours"] == 2
    assert sorted(manifest(feed, DAY).hours) == ["23"]
    assert sorted(manifest(feed, TODAY.isoformat()).hours) == ["00"]
    exported = [r["utterance_id"] for day in (DAY, TODAY.isoformat()) for r in jsonl_rows(feed, day)]
    assert exported == ids


def test_an_empty_day_is_exported_as_24_empty_hours(aws: AwsResources, feed: Any) -> None:
    result = run_state_machine(SCHEDULED_EVENT)
    found = manifest(feed, DAY)
    assert result["rows"] == 0 and len(found.hours) == 24 and found.files("jsonl") == []  # type: ignore[arg-type]
    assert data_keys(feed) == set()
    assert not feed.list_objects_v2(Bucket=BUCKET, Prefix="_runs/").get("Contents")


def test_a_day_past_the_message_retention_is_never_planned(aws: AwsResources, feed: Any) -> None:
    # Given a re-run asked for a day whose messages may have expired from the table (7 days)
    # When it is planned, then it is refused, and the day's files (whatever they hold) stay as they are
    with pytest.raises(InvalidExport, match=r"is past the message retention \(7 days\)"):
        run_state_machine({"date": days_ago(8).isoformat()})
    assert data_keys(feed) == set()
