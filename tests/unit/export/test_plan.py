"""Which hours a run exports: the day before a scheduled run, a date, or every hour an interval touches."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from connect_transcribe.export.plan import InvalidExport, interval_slots, new_run_id, plan
from connect_transcribe.models.feed import ExportRequest
from pydantic import ValidationError

NOW = datetime(2026, 11, 24, 2, 0, 7, tzinfo=UTC)


def test_the_scheduled_run_exports_the_whole_previous_utc_day() -> None:
    # Given the EventBridge scheduled event of 02:00 UTC on the 24th
    event = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-24T02:00:00Z"}
    # When planned
    run = plan(ExportRequest.model_validate(event), now=NOW, token="abc123")
    # Then all 24 hours of the 23rd, and a run id that sorts by start time
    assert run.slots == tuple(f"2026-11-23T{h:02d}" for h in range(24))
    assert run.run_id == "20261124T020007Z-abc123"
    assert run.started_at_ms == int(NOW.timestamp() * 1000)


def test_a_scheduled_time_with_an_offset_still_means_the_previous_utc_day() -> None:
    request = ExportRequest.model_validate({"time": "2026-11-24T01:30:00+05:00"})  # 2026-11-23T20:30Z
    assert plan(request, now=NOW, token="t").slots[0] == "2026-11-22T00"


def test_a_date_exports_that_day_and_keeps_a_given_run_id() -> None:
    run = plan(ExportRequest(date=date(2026, 2, 28), run_id="mine-1"), now=NOW, token="t")
    assert run.slots[0] == "2026-02-28T00" and run.slots[-1] == "2026-02-28T23" and run.run_id == "mine-1"


def test_an_interval_covers_every_hour_it_touches_with_the_end_exclusive() -> None:
    start = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    assert interval_slots(start, datetime(2026, 11, 24, 1, 0, tzinfo=UTC)) == [
        "2026-11-23T22",
        "2026-11-23T23",
        "2026-11-24T00",
    ]
    assert interval_slots(start, datetime(2026, 11, 24, 1, 0, 1, tzinfo=UTC))[-1] == "2026-11-24T01"
    assert interval_slots(start, datetime(2026, 11, 23, 22, 31, tzinfo=UTC)) == ["2026-11-23T22"]


def test_interval_bounds_in_other_zones_are_converted_to_utc() -> None:
    request = ExportRequest.model_validate({"start": "2026-11-23T09:00:00-05:00", "end": "2026-11-23T10:00:00-05:00"})
    assert plan(request, now=NOW, token="t").slots == ("2026-11-23T14",)


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"start": "2026-11-23T10:00:00Z", "end": "2026-11-23T10:00:00Z"}, "end must be after start"),
        ({"start": "2026-11-23T10:00:00Z"}, "needs both start and end"),
        ({}, "give a date"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, "at most 744"),
    ],
)
def test_requests_that_describe_no_exportable_interval_are_refused(request_body: dict, message: str) -> None:
    with pytest.raises(InvalidExport, match=message):
        plan(ExportRequest.model_validate(request_body), now=NOW, token="t")


def test_times_without_a_zone_and_bad_run_ids_are_invalid() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        ExportRequest.model_validate({"start": "2026-11-23T10:00:00", "end": "2026-11-23T11:00:00Z"})
    with pytest.raises(ValidationError):
        ExportRequest.model_validate({"date": "2026-11-23", "run_id": "../etc"})


def test_run_ids_carry_the_utc_start_time() -> None:
    assert new_run_id(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "ff00aa") == "20260102T030405Z-ff00aa"


def test_hours_past_the_message_retention_are_refused() -> None:
    # The table keeps messages 7 days: an older hour may be partly deleted, and exporting it would replace a
    # complete feed with what is left
    with pytest.raises(
        InvalidExport, match=r"2026-11-17T00:00Z is past the message retention \(7 days\).*from 2026-11-17T03:00Z on"
    ):
        plan(ExportRequest(date=date(2026, 11, 17)), now=NOW, token="t", retention_days=7)
    # The scheduled run (yesterday) is always within it
    assert plan(ExportRequest(time=NOW), now=NOW, token="t", retention_days=2).slots[0] == "2026-11-23T00"
