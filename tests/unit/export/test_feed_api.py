"""FeedApiService on fake ports: listings from manifests, only manifest files get URLs, export intervals and ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from connect_transcribe.errors import ConflictingRequest, FeedItemNotFound, InvalidField
from connect_transcribe.export import layout as feed_layout
from connect_transcribe.export.feed_api import FeedApiPolicy, FeedApiService, new_export_id
from connect_transcribe.models.feed import DayManifest, ExportPlan, FeedFile, FeedFormat, HourExport
from connect_transcribe.models.feed_api import (
    DateRequest,
    ExportExecution,
    FeedRequest,
    FileRequest,
    FormatRequest,
    IntervalRequest,
    StartExportRequest,
    VersionRequest,
)

from tests.clock import FakeClock

NOW = datetime(2026, 11, 24, 15, 20, 30, tzinfo=UTC)
RUN = "20261124T020000Z-3f9a1c"
DAY = date(2026, 11, 23)


def hour_export(day: date, hour: str, parts: int, formats: tuple[FeedFormat, ...]) -> HourExport:
    slot = f"{day}T{hour}"
    files = {
        fmt: tuple(
            FeedFile(
                name=(name := feed_layout.file_name(fmt, slot, RUN, part)),
                key=feed_layout.file_key(fmt, slot, name),
                rows=10,
                bytes=100,
            )
            for part in range(parts)
        )
        for fmt in formats
    }
    return HourExport(
        slot=slot, run_id=RUN, run_started_at_ms=0, exported_at_ms=0, rows=10 * parts, files=files if parts else {}
    )


def manifest(day: date, parts_by_hour: dict[str, int]) -> DayManifest:
    formats = (FeedFormat.JSONL, FeedFormat.PARQUET)
    return DayManifest(
        date=day,
        updated_at_ms=0,
        hours={hour: hour_export(day, hour, parts, formats) for hour, parts in parts_by_hour.items()},
    )


def name(hour: str, part: int = 0, fmt: FeedFormat = FeedFormat.JSONL, day: date = DAY) -> str:
    return feed_layout.file_name(fmt, f"{day}T{hour}", RUN, part)


@dataclass
class FakeCatalog:
    manifests: dict[date, DayManifest] = field(default_factory=dict)
    presigned: list[tuple[str, int]] = field(default_factory=list)

    def dates(self) -> list[date]:
        return list(reversed(list(self.manifests)))  # any order: the service sorts

    def manifest(self, day: date) -> DayManifest | None:
        return self.manifests.get(day)

    def presign(self, key: str, ttl_seconds: int) -> str:
        self.presigned.append((key, ttl_seconds))
        return f"https://feed-bucket.s3.amazonaws.com/{key}?X-Amz-Expires={ttl_seconds}"


@dataclass
class FakeExports:
    started: dict[str, dict[str, Any]] = field(default_factory=dict)
    executions: dict[str, ExportExecution] = field(default_factory=dict)

    def start(self, run_id: str, run_input: dict[str, Any]) -> None:
        if run_id in self.started:
            raise ConflictingRequest(f"exportId: an export named {run_id!r} already exists; retry")
        self.started[run_id] = run_input

    def describe(self, run_id: str) -> ExportExecution | None:
        return self.executions.get(run_id)


@dataclass
class Api:
    service: FeedApiService
    catalog: FakeCatalog
    exports: FakeExports
    clock: FakeClock


def api(
    *,
    formats: tuple[FeedFormat, ...] = (FeedFormat.JSONL, FeedFormat.PARQUET),
    ttl: int = 300,
    max_hours: int = 744,
    ids: list[str] | None = None,
    retention_days: int | None = None,
) -> Api:
    catalog = FakeCatalog(
        {
            DAY: manifest(DAY, {"00": 0, "14": 2, "15": 1}),
            date(2026, 11, 22): manifest(date(2026, 11, 22), {f"{h:02d}": 1 for h in range(24)}),
        }
    )
    exports, clock = FakeExports(), FakeClock(NOW)
    queue = list(ids or [])
    new_id = (lambda now: queue.pop(0)) if ids else new_export_id
    policy = FeedApiPolicy(
        formats=formats, url_ttl_seconds=ttl, max_interval_hours=max_hours, retention_days=retention_days
    )
    return Api(FeedApiService(catalog, exports, clock, policy, new_id=new_id), catalog, exports, clock)


FEED = {"feed": "utterances"}


# Listings --------------------------------------------------------------------------------------------------------


def test_static_listings_name_the_one_feed_its_version_and_the_deployed_formats() -> None:
    only_jsonl = api(formats=(FeedFormat.JSONL,)).service

    assert only_jsonl.feeds().wire() == {"feeds": ["utterances"]}
    assert only_jsonl.versions(FeedRequest.model_validate(FEED)).wire() == {"versions": ["1"]}
    assert only_jsonl.formats(VersionRequest.model_validate(FEED)).wire() == {"formats": ["jsonl"]}
    assert api().service.formats(VersionRequest.model_validate(FEED)).wire() == {"formats": ["jsonl", "parquet"]}


def test_dates_are_the_manifests_in_ascending_order() -> None:
    service = api().service

    assert service.dates(FormatRequest.model_validate(FEED)).wire() == {"dates": ["2026-11-22", "2026-11-23"]}


def test_no_manifest_yet_is_an_empty_list_of_dates() -> None:
    given = api()
    given.catalog.manifests.clear()

    assert given.service.dates(FormatRequest.model_validate(FEED)).wire() == {"dates": []}


def test_intervals_are_every_exported_hour_including_empty_ones() -> None:
    service = api().service

    got = service.intervals(DateRequest.model_validate(FEED | {"date": "2026-11-23"}))

    assert got.wire() == {"intervals": ["hr=00", "hr=14", "hr=15"]}


def test_files_of_a_date_are_in_hour_then_part_order_for_the_format() -> None:
    service = api().service

    jsonl = service.files(IntervalRequest.model_validate(FEED | {"date": "2026-11-23"}))
    parquet = service.files(IntervalRequest.model_validate(FEED | {"date": "2026-11-23", "format": "parquet"}))

    assert jsonl.files == (name("14", 0), name("14", 1), name("15", 0))
    assert parquet.files == tuple(name(h, p, FeedFormat.PARQUET) for h, p in (("14", 0), ("14", 1), ("15", 0)))
    assert jsonl.files[0] == "utterances-2026-11-23T14-20261124T020000Z-3f9a1c-00000.jsonl.gz"


def test_files_of_one_interval() -> None:
    service = api().service

    assert service.files(IntervalRequest.model_validate(FEED | {"date": "2026-11-23", "interval": "hr=15"})).files == (
        name("15"),
    )
    assert service.files(IntervalRequest.model_validate(FEED | {"date": "2026-11-23", "interval": "hr=00"})).files == ()


# File URLs -------------------------------------------------------------------------------------------------------


def test_a_named_file_gets_a_presigned_url_of_its_key_with_the_ttl() -> None:
    given = api(ttl=900)

    got = given.service.file_url(FileRequest.model_validate(FEED | {"date": "2026-11-23", "fileName": name("14", 1)}))

    key = f"utterances/version=1/format=jsonl/dt=2026-11-23/hr=14/{name('14', 1)}"
    assert given.catalog.presigned == [(key, 900)]
    assert got.wire() == {
        "url": f"https://feed-bucket.s3.amazonaws.com/{key}?X-Amz-Expires=900",
        "expiresAt": "2026-11-24T15:35:30Z",
    }


def test_a_file_is_found_within_its_interval_too() -> None:
    given = api()

    given.service.file_url(
        FileRequest.model_validate(FEED | {"date": "2026-11-23", "interval": "hr=15", "fileName": name("15")})
    )

    assert [key for key, _ in given.catalog.presigned] == [
        feed_layout.file_key(FeedFormat.JSONL, "2026-11-23T15", name("15"))
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"date": "2026-11-24"},
            "date: nothing exported for 2026-11-24 (listfeeddates lists the dates)",
        ),
        (
            {"date": "2026-11-23", "interval": "hr=03"},
            "interval: hr=03 of 2026-11-23 was not exported (listfeedintervals lists them)",
        ),
        (
            {"date": "2026-11-23", "fileName": "utterances-2026-11-23T14-old-run-00000.jsonl.gz"},
            "fileName: no file 'utterances-2026-11-23T14-old-run-00000.jsonl.gz' in the jsonl feed for 2026-11-23 "
            "(listfeedfiles lists them)",
        ),
        (
            {"date": "2026-11-23", "interval": "hr=15", "fileName": name("14")},
            f"fileName: no file {name('14')!r} in the jsonl feed for 2026-11-23 hr=15 (listfeedfiles lists them)",
        ),
        (
            {"date": "2026-11-23", "format": "parquet", "fileName": name("14")},
            f"fileName: no file {name('14')!r} in the parquet feed for 2026-11-23 (listfeedfiles lists them)",
        ),
        (
            {"date": "2026-11-23", "fileName": name("14", day=date(2026, 11, 22))},
            "fileName: no file",
        ),
    ],
    ids=[
        "date without manifest",
        "interval not exported",
        "file not in the manifest",
        "file of another hour",
        "file of another format",
        "file of another date",
    ],
)
def test_what_the_manifest_does_not_name_is_404_and_nothing_is_signed(body: dict[str, Any], message: str) -> None:
    given = api()
    request = FileRequest.model_validate(FEED | {"fileName": name("14")} | body)

    with pytest.raises(FeedItemNotFound) as info:
        given.service.file_url(request)

    assert (info.value.status, info.value.code) == (404, "404-03")
    assert info.value.message.startswith(message), info.value.message
    assert given.catalog.presigned == []


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.dates(FormatRequest.model_validate(FEED | {"format": "parquet"})),
        lambda s: s.intervals(DateRequest.model_validate(FEED | {"format": "parquet", "date": "2026-11-23"})),
        lambda s: s.files(IntervalRequest.model_validate(FEED | {"format": "parquet", "date": "2026-11-23"})),
        lambda s: s.file_url(
            FileRequest.model_validate(
                FEED | {"format": "parquet", "date": "2026-11-23", "fileName": name("14", 0, FeedFormat.PARQUET)}
            )
        ),
    ],
    ids=["dates", "intervals", "files", "file url"],
)
def test_a_format_this_deployment_does_not_export_is_400(call: Any) -> None:
    service = api(formats=(FeedFormat.JSONL,)).service

    with pytest.raises(InvalidField) as info:
        call(service)

    assert info.value.message == "format: 'parquet' is not exported by this deployment (available: jsonl)"


# Exports ---------------------------------------------------------------------------------------------------------


def export(given: Api, **body: str) -> Any:
    return given.service.start_export(StartExportRequest.model_validate(FEED | body))


def test_an_export_of_a_date_starts_a_run_of_its_24_hours() -> None:
    given = api(ids=["x20261124T152030Z-aaaaaa"])

    started = export(given, date="2026-11-23")

    assert started.wire() == {
        "exportId": "x20261124T152030Z-aaaaaa",
        "status": "RUNNING",
        "slots": 24,
        "from": "2026-11-23T00:00:00Z",
        "to": "2026-11-24T00:00:00Z",
    }
    assert given.exports.started == {
        "x20261124T152030Z-aaaaaa": {"run_id": "x20261124T152030Z-aaaaaa", "date": "2026-11-23"}
    }


@pytest.mark.parametrize(
    ("start", "end", "slots", "first", "last"),
    [
        ("2026-11-23T14:00:00Z", "2026-11-23T15:00:00Z", 1, "2026-11-23T14:00:00Z", "2026-11-23T15:00:00Z"),
        ("2026-11-23T14:59:59Z", "2026-11-23T15:00:01Z", 2, "2026-11-23T14:00:00Z", "2026-11-23T16:00:00Z"),
        ("2026-11-23T14:00:00.001Z", "2026-11-23T14:00:00.002Z", 1, "2026-11-23T14:00:00Z", "2026-11-23T15:00:00Z"),
        ("2026-11-23T16:30:00+02:00", "2026-11-23T10:15:00-05:00", 2, "2026-11-23T14:00:00Z", "2026-11-23T16:00:00Z"),
        ("2026-11-23T06:15:00+05:30", "2026-11-23T02:00:00+01:00", 1, "2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z"),
        ("2026-10-24T15:00:00Z", "2026-11-24T15:00:00Z", 744, "2026-10-24T15:00:00Z", "2026-11-24T15:00:00Z"),
    ],
    ids=["one whole hour", "seconds past both edges", "one millisecond", "offsets", "half-hour offset", "31 days"],
)
def test_an_interval_is_rounded_outward_to_whole_utc_hours(
    start: str, end: str, slots: int, first: str, last: str
) -> None:
    given = api(ids=["x1"])

    started = export(given, start=start, end=end)

    assert (started.slots, started.from_, started.to) == (slots, first, last)
    assert given.exports.started["x1"] == {"run_id": "x1", "start": first, "end": last}


@pytest.mark.parametrize(
    "end",
    ["2026-11-24T15:20:31Z", "2026-11-24T15:59:59.999Z", "2026-11-24T16:00:00Z", "2026-11-24T17:00:00+01:00"],
)
def test_an_interval_may_end_within_the_current_hour(end: str) -> None:
    given = api(ids=["x1"])

    started = export(given, start="2026-11-24T14:10:00Z", end=end)

    assert (started.slots, started.to) == (2, "2026-11-24T16:00:00Z")


@pytest.mark.parametrize("end", ["2026-11-24T16:00:00.001Z", "2026-11-24T18:00:00Z", "2026-11-24T17:00:01+01:00"])
def test_an_end_beyond_the_current_hour_is_refused_and_nothing_starts(end: str) -> None:
    given = api()

    with pytest.raises(InvalidField) as info:
        export(given, start="2026-11-24T14:00:00Z", end=end)

    assert info.value.message.startswith("end: ") and info.value.message.endswith(
        "is in the future; an export may end at most at the end of the current hour (2026-11-24T16:00:00Z)"
    )
    assert given.exports.started == {}


@pytest.mark.parametrize("day", ["2026-11-24", "2026-11-25"])
def test_today_or_a_later_date_is_refused(day: str) -> None:
    given = api()

    with pytest.raises(InvalidField) as info:
        export(given, date=day)

    assert info.value.message == (
        f"date: {day} has not ended yet; export its hours so far with start and end (end at most 2026-11-24T16:00:00Z)"
    )
    assert given.exports.started == {}


def test_yesterday_may_be_exported_from_the_first_hour_of_today() -> None:
    given = api(ids=["x1"])
    given.clock.move_to(datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))

    assert export(given, date="2026-11-23").slots == 24


def test_more_hours_than_the_limit_are_refused() -> None:
    given = api(max_hours=744)

    with pytest.raises(InvalidField) as info:
        export(given, start="2026-10-24T14:59:59Z", end="2026-11-24T15:00:00Z")

    assert info.value.message == (
        "end: the export covers 745 hours (2026-10-24T14:00:00Z to 2026-11-24T15:00:00Z); at most 744 hours per export"
    )
    assert given.exports.started == {}


def test_hours_past_the_message_retention_are_refused_so_a_complete_feed_is_never_replaced() -> None:
    # Given messages kept for 7 days (NOW is 2026-11-24T15:20:30Z)
    given = api(retention_days=7)
    # When an export reaches back before 2026-11-17T15:20:30Z, whose messages may be deleted already
    with pytest.raises(InvalidField) as info:
        export(given, start="2026-11-17T15:00:00Z", end="2026-11-17T18:00:00Z")
    # Then it is refused, naming the first hour that may be exported, and nothing starts
    assert info.value.message.startswith("start: 2026-11-17T15:00Z is past the message retention (7 days)")
    assert "export hours from 2026-11-17T16:00Z on" in info.value.message
    assert given.exports.started == {}
    with pytest.raises(InvalidField, match="^date: 2026-11-16T00:00Z is past the message retention"):
        export(given, date="2026-11-16")
    # while the first complete hour may be exported
    export(given, start="2026-11-17T16:00:00Z", end="2026-11-17T17:00:00Z")
    assert len(given.exports.started) == 1


def test_a_date_longer_than_a_small_limit_is_refused() -> None:
    given = api(max_hours=12)

    with pytest.raises(InvalidField) as info:
        export(given, date="2026-11-23")

    assert (
        info.value.message.startswith("date: the export covers 24 hours") and "at most 12 hours" in info.value.message
    )


def test_generated_ids_are_marked_x_timestamped_random_and_valid_run_ids() -> None:
    given = api()

    first = export(given, date="2026-11-22").export_id
    second = export(given, date="2026-11-22").export_id

    assert re.fullmatch(r"x20261124T152030Z-[0-9a-f]{6}", first), first
    assert first != second
    assert ExportPlan(run_id=first, started_at_ms=0, slots=()).run_id == first
    assert set(given.exports.started) == {first, second}


def test_a_taken_export_id_is_a_conflict() -> None:
    given = api(ids=["x1", "x1"])
    export(given, date="2026-11-22")

    with pytest.raises(ConflictingRequest) as info:
        export(given, date="2026-11-23")

    assert info.value.status == 409


# Export state ----------------------------------------------------------------------------------------------------

COMMIT = '{"run_id": "x1", "dates": ["2026-11-23"], "hours": 24, "rows": 1234, "replaced_files": 3, "deleted_files": 3}'
STARTED = datetime(2026, 11, 24, 15, 0, 1, 250_000, tzinfo=UTC)
STOPPED = datetime(2026, 11, 24, 15, 2, 3, tzinfo=UTC)


def test_a_running_export() -> None:
    given = api()
    given.exports.executions["x1"] = ExportExecution(status="RUNNING", started_at=STARTED)

    assert given.service.export_state("x1").wire() == {
        "exportId": "x1",
        "status": "RUNNING",
        "startedAt": "2026-11-24T15:00:01.250Z",
    }


def test_a_succeeded_export_carries_what_it_committed() -> None:
    given = api()
    given.exports.executions["x1"] = ExportExecution(
        status="SUCCEEDED", started_at=STARTED, stopped_at=STOPPED, output=COMMIT
    )

    assert given.service.export_state("x1").wire() == {
        "exportId": "x1",
        "status": "SUCCEEDED",
        "startedAt": "2026-11-24T15:00:01.250Z",
        "stoppedAt": "2026-11-24T15:02:03Z",
        "result": {"dates": ["2026-11-23"], "hours": 24, "rows": 1234, "replacedFiles": 3, "deletedFiles": 3},
    }


def test_a_succeeded_export_with_an_unexpected_output_still_reports_success() -> None:
    given = api()
    given.exports.executions["x1"] = ExportExecution(
        status="SUCCEEDED", started_at=STARTED, stopped_at=STOPPED, output='{"something": "else"}'
    )

    state = given.service.export_state("x1")

    assert (state.status.value, state.result) == ("SUCCEEDED", None)


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_an_export_that_ended_badly_carries_the_error_name(status: str) -> None:
    given = api()
    given.exports.executions["x1"] = ExportExecution(
        status=status, started_at=STARTED, stopped_at=STOPPED, error="States.TaskFailed"
    )

    wire = given.service.export_state("x1").wire()

    assert (wire["status"], wire["stoppedAt"], wire["error"], "result" in wire) == (
        status,
        "2026-11-24T15:02:03Z",
        "States.TaskFailed",
        False,
    )


def test_a_run_waiting_for_its_redrive_is_still_running() -> None:
    given = api()
    given.exports.executions["x1"] = ExportExecution(
        status="PENDING_REDRIVE", started_at=STARTED, error="States.TaskFailed"
    )

    assert given.service.export_state("x1").wire() == {
        "exportId": "x1",
        "status": "RUNNING",
        "startedAt": "2026-11-24T15:00:01.250Z",
    }


def test_an_unknown_export_is_404() -> None:
    with pytest.raises(FeedItemNotFound) as info:
        api().service.export_state("x20261124T150102Z-3f9a1c")

    assert info.value.message == "exportId: no export 'x20261124T150102Z-3f9a1c' is known"


@pytest.mark.parametrize("export_id", ["has space", "a" * 65, "x:y", "x_y"])
def test_a_malformed_export_id_is_400(export_id: str) -> None:
    with pytest.raises(InvalidField) as info:
        api().service.export_state(export_id)

    assert info.value.message.startswith("exportId: must be 1-64 letters, digits or '-'")
