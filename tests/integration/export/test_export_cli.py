"""`connect-transcribe export`: the same run in one process, for backfills and local mode."""

from __future__ import annotations

import json

import boto3
import pytest
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.cli import main

from bench.utterances import utterance
from tests.clock import YESTERDAY, at, days_ago
from tests.conftest import AwsResources
from tests.feed_factories import epoch_ms, store_as_before_the_exporter

pytestmark = pytest.mark.usefixtures("frozen_now")  # exports are checked against the message retention
DAY = YESTERDAY.isoformat()


def test_export_a_day_from_the_command_line(aws: AwsResources, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("s3").create_bucket(Bucket="feed")
    DynamoDbGatewayStore(aws.table).put_message(utterance(epoch_ms(at(YESTERDAY, "08:00:00"))))
    code = main(["export", "--table", aws.table.name, "--bucket", "feed", "--date", DAY, "--formats", "jsonl"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows"], summary["hours"], summary["dates"]) == (1, 24, [DAY])
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="feed", Prefix="utterances/")["Contents"]]
    assert len(keys) == 1 and f"/format=jsonl/dt={DAY}/hr=08/" in keys[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", f"{DAY}T10:00:00Z"], "an interval needs both start and end"),
        (["--start", f"{DAY}T10:00:00", "--end", f"{DAY}T11:00:00Z"], "needs a timezone"),
        (["--date", DAY, "--formats", "csv"], "EXPORT_FORMATS must list some of"),
        (["--date", "2026-13-01"], "date"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    aws: AwsResources, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["export", "--table", aws.table.name, "--bucket", "feed", *args]) == 2
    assert message in capsys.readouterr().err


def test_backfill_then_export_finds_messages_stored_before_the_exporter(
    aws: AwsResources, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a message stored the way the gateway did before the index existed
    boto3.client("s3").create_bucket(Bucket="feed")
    message = utterance(epoch_ms(at(YESTERDAY, "08:00:00")))
    store_as_before_the_exporter(aws, message)
    export = ["export", "--table", aws.table.name, "--bucket", "feed", "--date", DAY, "--formats", "jsonl"]
    assert main(export) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 0
    # When the index is backfilled
    assert main(["backfill-export-index", "--table", aws.table.name, "--segments", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == {"updated": 1, "raced": 0, "corrupt": 0}
    # Then the day's export finds it
    assert main(export) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 1


def test_backfill_names_unreadable_messages_by_key_and_exits_1(
    aws: AwsResources, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.table.put_item(Item={"pk": "CONV#c9", "sk": "MSG#agent#00000001", "entity": "message", "body": "secret?"})

    assert main(["backfill-export-index", "--table", aws.table.name]) == 1

    out, err = capsys.readouterr()
    assert json.loads(out) == {"updated": 0, "raced": 0, "corrupt": 1}
    assert json.loads(err) == {"corrupt": {"pk": "CONV#c9", "sk": "MSG#agent#00000001"}, "error": "JSONDecodeError"}
    assert "secret?" not in err


def test_backfill_rejects_no_segments(aws: AwsResources, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backfill-export-index", "--table", aws.table.name, "--segments", "0"]) == 2
    assert "--segments must be at least 1" in capsys.readouterr().err


def test_a_day_past_the_message_retention_is_refused_and_nothing_is_written(
    aws: AwsResources, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a day whose messages may already have expired (the table keeps them 7 days)
    boto3.client("s3").create_bucket(Bucket="feed")
    old = days_ago(8).isoformat()

    # When it is exported, then the run is refused before it writes anything
    assert main(["export", "--table", aws.table.name, "--bucket", "feed", "--date", old]) == 2
    assert "is past the message retention (7 days)" in capsys.readouterr().err
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket="feed")
