"""File Exporter API through the real handler: API Gateway REST proxy events, moto S3 holding day manifests and data
files written with the feed's own models, moto Step Functions for exports, and a presigned URL downloaded over real
HTTP from a moto server."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from connect_transcribe.export import layout as feed_layout
from connect_transcribe.export.plan import new_run_id
from connect_transcribe.models.feed import COLUMNS, DayManifest, FeedFile, FeedFormat, HourExport
from connect_transcribe_dev.api_gateway import response_headers
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.stepfunctions.models import stepfunctions_backends

from functions.file_exporter_api import handler as feed_handler
from tests.clock import NOW, TODAY, YESTERDAY, days_ago
from tests.factories import api_event, lambda_context

pytestmark = pytest.mark.usefixtures("frozen_now")  # exports are checked against the clock (future, retention)

BUCKET = "connect-transcribe-feed"
RUN = new_run_id(NOW.replace(minute=0), "3f9a1c")  # the 02:00 scheduled run of TODAY
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/export-run"
DEFINITION = json.dumps({"StartAt": "Plan", "States": {"Plan": {"Type": "Pass", "End": True}}})
STATIC = "/fileexporter/v1/static"
EXPORTS = "/fileexporter/v1/exports"

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's access log


@dataclass
class Feed:
    s3: Any
    sfn: Any
    state_machine_arn: str
    bodies: dict[str, bytes]  # file name -> the bytes written

    def publish(self, day: date, rows_by_hour: dict[str, int]) -> DayManifest:
        """Data files (one per format for an hour with rows, none for an empty hour) and the day's manifest."""
        hours = {}
        for hour, rows in rows_by_hour.items():
            slot = f"{day}T{hour}"
            files: dict[FeedFormat, tuple[FeedFile, ...]] = {}
            for fmt in (FeedFormat.JSONL, FeedFormat.PARQUET) if rows else ():
                name = feed_layout.file_name(fmt, slot, RUN, 0)
                body = data_file(fmt, slot, rows)
                key = feed_layout.file_key(fmt, slot, name)
                self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
                self.bodies[name] = body
                files[fmt] = (FeedFile(name=name, key=key, rows=rows, bytes=len(body)),)
            hours[hour] = HourExport(
                slot=slot, run_id=RUN, run_started_at_ms=0, exported_at_ms=0, rows=rows, files=files
            )
        manifest = DayManifest(date=day, updated_at_ms=0, hours=hours)
        self.s3.put_object(
            Bucket=BUCKET, Key=feed_layout.manifest_key(day.isoformat()), Body=manifest.model_dump_json().encode()
        )
        return manifest

    def orphan(self, day: date, hour: str) -> str:
        """A data object under utterances/ that no manifest names (e.g. left by a superseded run)."""
        slot = f"{day}T{hour}"
        name = feed_layout.file_name(FeedFormat.JSONL, slot, new_run_id(NOW - timedelta(days=23), "dead00"), 0)
        self.s3.put_object(Bucket=BUCKET, Key=feed_layout.file_key(FeedFormat.JSONL, slot, name), Body=b"stale")
        return name


def data_file(fmt: FeedFormat, slot: str, rows: int) -> bytes:
    if fmt is FeedFormat.PARQUET:
        return b"PAR1" + slot.encode() * rows + b"PAR1"  # the API never reads data files: any bytes do
    day, hour = slot.split("T")
    lines = [
        json.dumps(
            dict(
                zip(
                    COLUMNS,
                    [f"c{n}", "s", "customer", "e", f"u{n}", n, 0, 1, "hi", "en-US", "", 0, day, hour],
                    strict=True,
                )
            )
        )
        for n in range(rows)
    ]
    return gzip.compress("\n".join(lines).encode() + b"\n", mtime=0)


def make_feed(monkeypatch: pytest.MonkeyPatch, **env: str) -> Feed:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_encryption(  # as deployed: SSE-KMS by default
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(name="file-exporter", definition=DEFINITION, roleArn=ROLE)["stateMachineArn"]
    settings = {"FEED_BUCKET": BUCKET, "EXPORT_STATE_MACHINE_ARN": arn, "EXPORT_FORMATS": "jsonl,parquet"} | env
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    feed_handler.settings.cache_clear()
    feed_handler.service.cache_clear()
    return Feed(s3, sfn, arn, {})


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Feed]:
    with mock_aws():
        yield make_feed(monkeypatch)
    feed_handler.settings.cache_clear()
    feed_handler.service.cache_clear()


def call(path: str, body: Any = None, method: str = "POST") -> tuple[int, dict[str, Any]]:
    event = api_event(path, b"" if body is None else body, method)
    result = feed_handler.handler(event, lambda_context("file_exporter_api"))
    assert response_headers(result).get("Content-Type") == "application/json", result
    return result["statusCode"], json.loads(result["body"])


def post(route: str, body: Any) -> tuple[int, dict[str, Any]]:
    return call(f"{STATIC}/{route}", body)


D22, D23 = days_ago(2), YESTERDAY
D23_ = D23.isoformat()
EARLIER = days_ago(4).isoformat()  # a whole day within the message retention
FUTURE = (TODAY + timedelta(days=400)).isoformat()
FEED = {"feed": "utterances"}


def file_name(day: date, hour: str, fmt: FeedFormat = FeedFormat.JSONL) -> str:
    return feed_layout.file_name(fmt, f"{day}T{hour}", RUN, 0)


# Listings --------------------------------------------------------------------------------------------------------


def test_static_listings(feed: Feed) -> None:
    assert post("listfeeds", {}) == (200, {"feeds": ["utterances"]})
    assert post("listfeedversions", FEED) == (200, {"versions": ["1"]})
    assert post("listfeedformats", FEED) == (200, {"formats": ["jsonl", "parquet"]})
    assert post("listfeedformats", FEED | {"version": "1"}) == (200, {"formats": ["jsonl", "parquet"]})


def test_dates_are_the_days_with_a_manifest_in_ascending_order(feed: Feed) -> None:
    # Given two committed days, data of a third day whose run never committed, and a stray key under _manifests/
    feed.publish(D23, {"14": 3})
    feed.publish(D22, {"09": 1})
    feed.orphan(days_ago(3), "05")
    feed.s3.put_object(Bucket=BUCKET, Key=f"{feed_layout.MANIFESTS_PREFIX}README.txt", Body=b"not a manifest")

    # When the dates are listed, then only the committed days come back
    assert post("listfeeddates", FEED) == (200, {"dates": [D22.isoformat(), D23_]})
    assert post("listfeeddates", FEED | {"version": "1", "format": "parquet"}) == (
        200,
        {"dates": [D22.isoformat(), D23_]},
    )


def test_dates_are_listed_across_list_pages(feed: Feed) -> None:
    # Given more manifests than one ListObjectsV2 page holds
    days = [date(2023, 1, 1) + timedelta(days=n) for n in range(1_005)]
    for day in days:
        manifest = DayManifest(date=day, updated_at_ms=0)
        feed.s3.put_object(
            Bucket=BUCKET, Key=feed_layout.manifest_key(day.isoformat()), Body=manifest.model_dump_json()
        )

    status, body = post("listfeeddates", FEED)

    assert status == 200 and body["dates"] == [d.isoformat() for d in days]


def test_no_export_yet_is_an_empty_list(feed: Feed) -> None:
    assert post("listfeeddates", FEED) == (200, {"dates": []})


def test_intervals_and_files_of_a_day(feed: Feed) -> None:
    feed.publish(D23, {"00": 0, "14": 3, "15": 1})

    assert post("listfeedintervals", FEED | {"date": D23_}) == (
        200,
        {"intervals": ["hr=00", "hr=14", "hr=15"]},
    )
    assert post("listfeedfiles", FEED | {"date": D23_}) == (
        200,
        {"files": [file_name(D23, "14"), file_name(D23, "15")]},
    )
    assert post("listfeedfiles", FEED | {"date": D23_, "format": "parquet", "interval": "hr=15"}) == (
        200,
        {"files": [file_name(D23, "15", FeedFormat.PARQUET)]},
    )
    assert post("listfeedfiles", FEED | {"date": D23_, "interval": "hr=00"}) == (200, {"files": []})


# File URLs -------------------------------------------------------------------------------------------------------


def test_a_file_url_is_a_sigv4_presigned_get_of_the_manifest_key(feed: Feed) -> None:
    feed.publish(D23, {"14": 3})
    name = file_name(D23, "14")
    before = datetime.now(UTC).replace(microsecond=0)

    status, body = post("getfeedfile", FEED | {"date": D23_, "interval": "hr=14", "fileName": name})

    assert status == 200 and set(body) == {"url", "expiresAt"}
    url = urlsplit(body["url"])
    query = parse_qs(url.query)
    assert url.netloc == f"{BUCKET}.s3.amazonaws.com"
    assert unquote(url.path) == f"/utterances/version=1/format=jsonl/dt={D23}/hr=14/{name}"
    assert (query["X-Amz-Algorithm"], query["X-Amz-Expires"]) == (["AWS4-HMAC-SHA256"], ["300"])
    expires = datetime.fromisoformat(body["expiresAt"])
    assert before + timedelta(seconds=300) <= expires <= datetime.now(UTC) + timedelta(seconds=300)
    assert body["expiresAt"].endswith("Z")


def test_the_url_lifetime_comes_from_the_settings(feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    feed.publish(D23, {"14": 1})
    monkeypatch.setenv("FEED_URL_TTL_SECONDS", "3600")
    feed_handler.settings.cache_clear()
    feed_handler.service.cache_clear()

    _, body = post("getfeedfile", FEED | {"date": D23_, "fileName": file_name(D23, "14")})

    assert parse_qs(urlsplit(body["url"]).query)["X-Amz-Expires"] == ["3600"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"date": TODAY.isoformat(), "fileName": "x.jsonl.gz"}, f"date: nothing exported for {TODAY}"),
        (
            {"date": D23_, "interval": "hr=03", "fileName": "x.jsonl.gz"},
            f"interval: hr=03 of {D23} was not exported",
        ),
        (
            {
                "date": D23_,
                "fileName": f"utterances-{D23}T14-{new_run_id(NOW - timedelta(days=23), 'dead00')}-00000.jsonl.gz",
            },
            "fileName: no file",
        ),
        ({"date": D23_, "interval": "hr=15", "fileName": file_name(D23, "14")}, "fileName: no file"),
    ],
    ids=["date without manifest", "interval not exported", "orphan object", "file of another hour"],
)
def test_what_the_manifest_does_not_name_is_404(feed: Feed, body: dict[str, str], message: str) -> None:
    # Given a day with hours 14 and 15, and an orphan object of hour 14 that is really in the bucket
    feed.publish(D23, {"14": 2, "15": 1})
    feed.orphan(D23, "14")

    status, reply = post("getfeedfile", FEED | body)

    assert (status, reply["error"]["code"]) == (404, "404-03")
    assert reply["error"]["message"].startswith(message), reply["error"]["message"]


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("listfeedversions", {"feed": "calls"}, "feed: unknown feed 'calls' (available: utterances)"),
        ("listfeedformats", FEED | {"version": "2"}, "version: unknown version '2' (available: 1)"),
        ("listfeeddates", FEED | {"format": "csv"}, "format: unknown format 'csv' (available: jsonl, parquet)"),
        ("listfeedintervals", FEED | {"date": "2026-02-30"}, "date: must be a real date YYYY-MM-DD, got '2026-02-30'"),
        (
            "listfeedfiles",
            FEED | {"date": D23_, "interval": "hr=24"},
            "interval: must be hr=00 to hr=23, got 'hr=24'",
        ),
        ("getfeedfile", FEED | {"date": D23_}, "fileName: is required"),
        ("listfeeds", {"feed": "utterances"}, "feed: is not a recognised field"),
        ("listfeedintervals", FEED, "date: is required"),
    ],
)
def test_bad_fields_are_400_naming_the_field(feed: Feed, route: str, body: dict[str, Any], message: str) -> None:
    status, reply = post(route, body)

    assert (status, reply["error"]["code"]) == (400, "400-02")
    assert reply["error"]["message"] == message


def test_a_format_not_deployed_is_400(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws():
        make_feed(monkeypatch, EXPORT_FORMATS="jsonl")

        assert post("listfeedformats", FEED) == (200, {"formats": ["jsonl"]})
        status, reply = post("listfeeddates", FEED | {"format": "parquet"})

    assert (status, reply["error"]["code"]) == (400, "400-02")
    assert reply["error"]["message"] == "format: 'parquet' is not exported by this deployment (available: jsonl)"


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ('{"feed": "utterances",', 400, "400-01", "body: not valid JSON"),
        ("", 400, "400-01", "body: a JSON object is required"),
        ('["utterances"]', 400, "400-01", "body: must be a JSON object, got list"),
        (json.dumps(FEED | {"padding": "x" * 20_000}), 413, "413-01", "body: 20"),
    ],
    ids=["malformed JSON", "empty body", "not an object", "oversized body"],
)
def test_bodies_are_checked_as_on_the_control_api(feed: Feed, body: str, status: int, code: str, message: str) -> None:
    got, reply = post("listfeedversions", body)

    assert (got, reply["error"]["code"]) == (status, code)
    assert reply["error"]["message"].startswith(message), reply["error"]["message"]


def test_an_unknown_route_is_404_02(feed: Feed) -> None:
    status, reply = post("listfeedthings", FEED)

    assert (status, reply["error"]["code"]) == (404, "404-02")


def test_an_s3_outage_is_503_with_retry_after(feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = feed_handler.service()._catalog._s3  # type: ignore[attr-defined]

    def failing(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "down"}}, "GetObject")

    monkeypatch.setattr(s3, "get_object", failing)
    result = feed_handler.handler(
        api_event(f"{STATIC}/listfeedintervals", FEED | {"date": D23_}), lambda_context("file_exporter_api")
    )

    assert (result["statusCode"], json.loads(result["body"])["error"]["code"]) == (503, "503-01")
    assert response_headers(result)["Retry-After"] == "1"


def test_requests_are_counted_in_metrics(feed: Feed, capsys: pytest.CaptureFixture[str]) -> None:
    feed.publish(D23, {"14": 1})
    capsys.readouterr()

    post("getfeedfile", FEED | {"date": D23_, "fileName": file_name(D23, "14")})

    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m["GetFeedFile"] for m in emitted if "GetFeedFile" in m] == [[1.0]]


# Exports ---------------------------------------------------------------------------------------------------------


def executions(feed: Feed) -> list[dict[str, Any]]:
    listed = feed.sfn.list_executions(stateMachineArn=feed.state_machine_arn)["executions"]
    return [feed.sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]


def finish(feed: Feed, export_id: str, output: dict[str, Any]) -> None:
    """What the state machine's Commit step does at the end of a run (moto does not run the definition)."""
    backend = stepfunctions_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    execution = backend.describe_execution(
        f"{feed.state_machine_arn.replace(':stateMachine:', ':execution:')}:{export_id}"
    )
    execution.status = "SUCCEEDED"
    execution.stop_date = datetime.now(UTC)
    execution.output = json.dumps(output)


def test_an_export_of_yesterday_starts_a_run_named_by_its_id(feed: Feed) -> None:
    yesterday = YESTERDAY

    status, body = call(EXPORTS, FEED | {"date": yesterday.isoformat()})

    assert status == 202
    assert body == {
        "exportId": body["exportId"],
        "status": "RUNNING",
        "slots": 24,
        "from": f"{yesterday}T00:00:00Z",
        "to": f"{yesterday + timedelta(days=1)}T00:00:00Z",
    }
    [execution] = executions(feed)
    assert execution["name"] == body["exportId"] and execution["name"].startswith("x")
    assert json.loads(execution["input"]) == {"run_id": body["exportId"], "date": yesterday.isoformat()}


def test_an_export_of_an_interval_sends_the_whole_hours(feed: Feed) -> None:
    status, body = call(EXPORTS, FEED | {"start": f"{EARLIER}T10:15:00+01:00", "end": f"{EARLIER}T12:00:00Z"})

    assert (status, body["slots"], body["from"], body["to"]) == (
        202,
        3,
        f"{EARLIER}T09:00:00Z",
        f"{EARLIER}T12:00:00Z",
    )
    [execution] = executions(feed)
    assert json.loads(execution["input"]) == {
        "run_id": body["exportId"],
        "start": f"{EARLIER}T09:00:00Z",
        "end": f"{EARLIER}T12:00:00Z",
    }


def test_an_export_is_followed_until_it_succeeds(feed: Feed) -> None:
    _, started = call(EXPORTS, FEED | {"date": EARLIER})
    export_id = started["exportId"]

    status, running = call(f"{EXPORTS}/{export_id}", method="GET")
    assert (status, running["exportId"], running["status"]) == (200, export_id, "RUNNING")
    assert set(running) == {"exportId", "status", "startedAt"}

    finish(
        feed,
        export_id,
        {"run_id": export_id, "dates": [EARLIER], "hours": 24, "rows": 7, "replaced_files": 0, "deleted_files": 0},
    )
    status, done = call(f"{EXPORTS}/{export_id}", method="GET")

    assert (status, done["status"]) == (200, "SUCCEEDED")
    assert done["result"] == {"dates": [EARLIER], "hours": 24, "rows": 7, "replacedFiles": 0, "deletedFiles": 0}
    assert done["startedAt"].endswith("Z") and done["stoppedAt"] >= done["startedAt"]


def test_a_stopped_export_is_aborted(feed: Feed) -> None:
    _, started = call(EXPORTS, FEED | {"date": EARLIER})
    [execution] = executions(feed)
    feed.sfn.stop_execution(executionArn=execution["executionArn"])

    status, body = call(f"{EXPORTS}/{started['exportId']}", method="GET")

    assert (status, body["status"], "stoppedAt" in body, "result" in body) == (200, "ABORTED", True, False)


def test_an_unknown_export_is_404(feed: Feed) -> None:
    status, body = call(f"{EXPORTS}/x20261124T150102Z-3f9a1c", method="GET")

    assert (status, body["error"]["code"]) == (404, "404-03")
    assert body["error"]["message"] == "exportId: no export 'x20261124T150102Z-3f9a1c' is known"


def test_an_export_id_that_is_taken_is_409(feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an execution of the same name that already ran with another input
    feed.sfn.start_execution(
        stateMachineArn=feed.state_machine_arn, name="x-taken", input=json.dumps({"date": days_ago(23).isoformat()})
    )
    monkeypatch.setattr(feed_handler.service(), "_new_id", lambda now: "x-taken")

    status, body = call(EXPORTS, FEED | {"date": EARLIER})

    assert (status, body["error"]["code"]) == (409, "409-01")
    assert body["error"]["message"] == "exportId: an export named 'x-taken' already exists; retry"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"start": f"{EARLIER}T10:00:00Z", "end": f"{FUTURE}T00:00:00Z"},
            f"end: {FUTURE}T00:00:00Z is in the future",
        ),
        ({"date": FUTURE}, f"date: {FUTURE} has not ended yet"),
        (
            {"start": f"{days_ago(100)}T00:00:00Z", "end": f"{days_ago(41)}T00:00:00Z"},
            "end: the export covers 1416 hours",
        ),
        ({"start": f"{EARLIER}T10:00:00Z"}, "end: is required with start"),
        ({}, "body: date, or start and end, is required"),
    ],
    ids=["future end", "future date", "too long", "no end", "nothing"],
)
def test_bad_exports_are_400_and_start_nothing(feed: Feed, body: dict[str, str], message: str) -> None:
    status, reply = call(EXPORTS, FEED | body)

    assert (status, reply["error"]["code"]) == (400, "400-02")
    assert reply["error"]["message"].startswith(message), reply["error"]["message"]
    assert executions(feed) == []


# Over real HTTP ----------------------------------------------------------------------------------------------------


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)  # moto's state is per process, not per server
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)  # the handler's boto3 clients go there too
    yield endpoint
    server.stop()
    feed_handler.settings.cache_clear()
    feed_handler.service.cache_clear()


def test_a_presigned_url_downloads_the_file_over_http(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a feed bucket on a moto server with a committed day and an orphan object
    feed = make_feed(monkeypatch)
    feed.publish(D23, {"14": 40, "15": 2})
    orphan = feed.orphan(D23, "14")

    # When the API hands out the URL of a file and the caller fetches it with plain HTTP
    status, body = post("getfeedfile", FEED | {"date": D23_, "format": "jsonl", "fileName": file_name(D23, "14")})
    assert status == 200 and body["url"].startswith(f"{moto_server}/")
    download = requests.get(body["url"], timeout=10)

    # Then the bytes are the ones uploaded, and they are the day's rows
    assert download.status_code == 200
    assert download.content == feed.bodies[file_name(D23, "14")]
    rows = [json.loads(line) for line in gzip.decompress(download.content).splitlines()]
    assert len(rows) == 40 and list(rows[0]) == list(COLUMNS) and (rows[0]["dt"], rows[0]["hr"]) == (D23_, "14")

    # And the parquet file of the other hour downloads as well
    _, parquet = post(
        "getfeedfile",
        FEED | {"date": D23_, "format": "parquet", "fileName": file_name(D23, "15", FeedFormat.PARQUET)},
    )
    assert requests.get(parquet["url"], timeout=10).content == feed.bodies[file_name(D23, "15", FeedFormat.PARQUET)]

    # And an object in the bucket that the manifest does not name gets no URL
    assert feed.s3.get_object(Bucket=BUCKET, Key=feed_layout.file_key(FeedFormat.JSONL, f"{D23}T14", orphan))
    status, refused = post("getfeedfile", FEED | {"date": D23_, "fileName": orphan})
    assert (status, refused["error"]["code"]) == (404, "404-03")
