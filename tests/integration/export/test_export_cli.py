"""`connect-transcribe export`: the same run in one process, for backfills and local mode."""

from __future__ import annotations

import json

import boto3
import pytest
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.cli import main

from tests.conftest import AwsResources
from tests.feed_factories import epoch_ms, store_as_before_the_exporter, utterance


def test_export_a_day_from_the_command_line(aws: AwsResources, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("s3").create_bucket(Bucket="feed")
    DynamoDbGatewayStore(aws.table).put_message(utterance(epoch_ms("2026-11-23T08:00:00")))
    code = main(["export", "--table", aws.table.name, "--bucket", "feed", "--date", "2026-11-23", "--formats", "jsonl"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows"], summary["hours"], summary["dates"]) == (1, 24, ["2026-11-23"])
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="feed", Prefix="utterances/")["Contents"]]
    assert len(keys) == 1 and "/format=jsonl/dt=2026-11-23/hr=08/" in keys[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-11-23T10:00:00Z"], "an interval needs both start and end"),
        (["--start", "2026-11-23T10:00:00", "--end", "2026-11-23T11:00:00Z"], "needs a timezone"),
        (["--date", "2026-11-23", "--formats", "csv"], "EXPORT_FORMATS must list some of"),
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
    message = utterance(epoch_ms("2026-11-23T08:00:00"))
    store_as_before_the_exporter(aws, message)
    export = ["export", "--table", aws.table.name, "--bucket", "feed", "--date", "2026-11-23", "--formats", "jsonl"]
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
