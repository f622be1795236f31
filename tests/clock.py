"""The one "now" of the tests that go through entry points reading the wall clock (Lambda handlers, the CLI).

Logic takes its clock as an argument and its tests pass one; handlers and the CLI read the system clock, so their
tests move the system clock to NOW with time-machine (it ticks on from there). Every date those tests store, export
or ask for is derived from NOW, so their outcome is the same on any day, at any hour, in any time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

# Half an hour after the File Exporter's 02:00 UTC schedule: a test has 30 minutes before the hour changes.
NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
TODAY: date = NOW.date()
YESTERDAY: date = TODAY - timedelta(days=1)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def at(day: date, clock_time: str) -> str:
    """'2026-11-23T14:00:00.250' for (YESTERDAY, '14:00:00.250'): a UTC instant as the factories take it."""
    return f"{day.isoformat()}T{clock_time}"


@pytest.fixture
def frozen_now(time_machine: time_machine.TimeMachineFixture) -> datetime:
    """The system clock at NOW for the test (and every thread of the process), ticking."""
    time_machine.move_to(NOW, tick=True)
    return NOW
