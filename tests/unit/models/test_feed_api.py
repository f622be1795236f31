"""File Exporter API request models: defaults, and a message naming the field and what it allows for bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from connect_transcribe.api.errors import describe_validation_error
from connect_transcribe.models.feed import FeedFormat
from connect_transcribe.models.feed_api import (
    EmptyRequest,
    ExportStarted,
    FileRequest,
    IntervalRequest,
    StartExportRequest,
)
from pydantic import BaseModel, ValidationError

FILE = "utterances-2026-11-23T14-x20261124T150102Z-3f9a1c-00000.jsonl.gz"


def error_of(model: type[BaseModel], body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    return describe_validation_error(info.value)


def test_version_and_format_default_to_the_first_version_and_jsonl() -> None:
    request = FileRequest.model_validate({"feed": "utterances", "date": "2026-11-23", "fileName": FILE})

    assert (request.version, request.format, request.date) == ("1", FeedFormat.JSONL, date(2026, 11, 23))
    assert (request.interval, request.hour, request.file_name) == (None, None, FILE)


def test_an_interval_names_its_hour() -> None:
    request = IntervalRequest.model_validate(
        {"feed": "utterances", "version": "1", "format": "parquet", "date": "2026-11-23", "interval": "hr=07"}
    )

    assert (request.format, request.interval, request.hour) == (FeedFormat.PARQUET, "hr=07", "07")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"feed": "calls"}, "feed: unknown feed 'calls' (available: utterances)"),
        ({"feed": 1}, "feed: must be a string (one of: utterances), got int"),
        ({"feed": None}, "feed: must be a string (one of: utterances), got NoneType"),
        ({"version": "2"}, "version: unknown version '2' (available: 1)"),
        ({"version": 1}, "version: must be a string (one of: 1), got int"),
        ({"format": "csv"}, "format: unknown format 'csv' (available: jsonl, parquet)"),
        ({"format": "JSONL"}, "format: unknown format 'JSONL' (available: jsonl, parquet)"),
        ({"date": "2026-02-30"}, "date: must be a real date YYYY-MM-DD, got '2026-02-30'"),
        ({"date": "2026-13-01"}, "date: must be a real date YYYY-MM-DD, got '2026-13-01'"),
        ({"date": "20261123"}, "date: must be a real date YYYY-MM-DD, got '20261123'"),
        ({"date": "2026-11-23T00"}, "date: must be a real date YYYY-MM-DD, got '2026-11-23T00'"),
        ({"date": " 2026-11-23"}, "date: must be a real date YYYY-MM-DD, got ' 2026-11-23'"),
        ({"date": 20261123}, "date: must be a string (a date YYYY-MM-DD), got int"),
        ({"interval": "hr=24"}, "interval: must be hr=00 to hr=23, got 'hr=24'"),
        ({"interval": "hr=7"}, "interval: must be hr=00 to hr=23, got 'hr=7'"),
        ({"interval": "14"}, "interval: must be hr=00 to hr=23, got '14'"),
        ({"interval": "HR=14"}, "interval: must be hr=00 to hr=23, got 'HR=14'"),
        ({"fileName": ""}, "fileName: String should have at least 1 character"),
        ({"fileName": "../manifest.json"}, "fileName: String should match pattern"),
        ({"fileName": "a/b.jsonl.gz"}, "fileName: String should match pattern"),
        ({"fileName": None}, "fileName: Input should be a valid string"),
        ({"hour": "14"}, "hour: is not a recognised field"),
    ],
)
def test_bad_fields_are_named_with_what_is_allowed(change: dict[str, Any], expected: str) -> None:
    body = {"feed": "utterances", "date": "2026-11-23", "interval": "hr=14", "fileName": FILE} | change

    assert error_of(FileRequest, body).startswith(expected), error_of(FileRequest, body)


def test_missing_fields_are_named() -> None:
    assert error_of(FileRequest, {}) == "feed: is required; date: is required; fileName: is required"


def test_listfeeds_takes_no_fields() -> None:
    EmptyRequest.model_validate({})

    assert error_of(EmptyRequest, {"feed": "utterances"}) == "feed: is not a recognised field"


def test_an_export_of_a_date() -> None:
    request = StartExportRequest.model_validate({"feed": "utterances", "date": "2026-11-23"})

    assert (request.date, request.start, request.end) == (date(2026, 11, 23), None, None)


@pytest.mark.parametrize(
    ("start", "end", "expected_start", "expected_end"),
    [
        (
            "2026-11-23T14:30:00Z",
            "2026-11-23T16:00:00Z",
            datetime(2026, 11, 23, 14, 30, tzinfo=UTC),
            datetime(2026, 11, 23, 16, tzinfo=UTC),
        ),
        (
            "2026-11-23T14:30+05:30",
            "2026-11-23T10:00:00.250-01:00",
            datetime(2026, 11, 23, 9, tzinfo=UTC),
            datetime(2026, 11, 23, 11, 0, 0, 250_000, tzinfo=UTC),
        ),
    ],
    ids=["Z", "offsets and fractions"],
)
def test_an_export_of_an_interval_keeps_the_instants(
    start: str, end: str, expected_start: datetime, expected_end: datetime
) -> None:
    request = StartExportRequest.model_validate({"feed": "utterances", "start": start, "end": end})

    assert (request.start, request.end) == (expected_start, expected_end)
    assert request.start is not None and request.start.utcoffset() is not None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, "body: date, or start and end, is required"),
        (
            {"date": "2026-11-23", "start": "2026-11-23T00:00:00Z", "end": "2026-11-23T01:00:00Z"},
            "body: give either date, or start and end, not both",
        ),
        ({"start": "2026-11-23T00:00:00Z"}, "end: is required with start (an interval is start and end)"),
        ({"end": "2026-11-23T00:00:00Z"}, "end: was given without start (an interval is start and end)"),
        (
            {"start": "2026-11-23T02:00:00Z", "end": "2026-11-23T02:00:00Z"},
            "end: must be later than start (2026-11-23T02:00:00+00:00), got 2026-11-23T02:00:00+00:00",
        ),
        ({"start": "2026-11-23T02:00:00Z", "end": "2026-11-23T03:00:00+02:00"}, "end: must be later than start"),
        (
            {"start": "2026-11-23T02:00:00", "end": "2026-11-23T03:00:00Z"},
            "start: must be an ISO-8601 date-time with a timezone (Z or an offset), e.g. 2026-11-23T14:00:00Z or "
            "2026-11-23T16:00:00+02:00; got '2026-11-23T02:00:00'",
        ),
        (
            {"start": "2026-11-23", "end": "2026-11-24T00:00:00Z"},
            "start: must be an ISO-8601 date-time with a timezone",
        ),
        ({"start": "2026-11-23 02:00:00Z", "end": "2026-11-24T00:00:00Z"}, "start: must be an ISO-8601 date-time"),
        ({"start": "20261123T020000Z", "end": "2026-11-24T00:00:00Z"}, "start: must be an ISO-8601 date-time"),
        ({"start": "2026-11-31T02:00:00Z", "end": "2026-12-24T00:00:00Z"}, "start: must be an ISO-8601 date-time"),
        ({"start": "2026-11-23T02:00:00Z", "end": "2026-11-23T25:00:00Z"}, "end: must be an ISO-8601 date-time"),
        ({"start": 1_795_957_200, "end": "2026-11-23T25:00:00Z"}, "start: must be a string"),
        ({"date": "2026-11-31"}, "date: must be a real date YYYY-MM-DD, got '2026-11-31'"),
        ({"date": "2026-11-23", "format": "jsonl"}, "format: is not a recognised field"),
    ],
    ids=[
        "nothing",
        "both kinds",
        "start alone",
        "end alone",
        "empty interval",
        "end before start across offsets",
        "no timezone",
        "a date as start",
        "space separator",
        "basic format",
        "not a real day",
        "hour 25",
        "epoch number",
        "bad date",
        "unknown field",
    ],
)
def test_bad_exports_are_named(change: dict[str, Any], expected: str) -> None:
    message = error_of(StartExportRequest, {"feed": "utterances"} | change)

    assert message.startswith(expected), message


def test_an_invalid_start_is_reported_once_not_again_as_a_missing_one() -> None:
    message = error_of(StartExportRequest, {"feed": "utterances", "start": "soon", "end": "2026-11-23T00:00:00Z"})

    assert message.startswith("start: must be an ISO-8601") and "end:" not in message


def test_an_export_started_is_sent_with_from_and_to() -> None:
    started = ExportStarted(export_id="x1", slots=2, from_="2026-11-23T00:00:00Z", to="2026-11-23T02:00:00Z")

    assert started.wire() == {
        "exportId": "x1",
        "status": "RUNNING",
        "slots": 2,
        "from": "2026-11-23T00:00:00Z",
        "to": "2026-11-23T02:00:00Z",
    }


def test_offsets_other_than_utc_are_kept_as_given() -> None:
    request = StartExportRequest.model_validate(
        {"feed": "utterances", "start": "2026-11-23T14:00:00+01:00", "end": "2026-11-23T15:00:00+01:00"}
    )

    assert request.start is not None and request.start.utcoffset() == timedelta(hours=1)
    assert request.start.tzinfo == timezone(timedelta(hours=1))
