"""The tests' clocks: one "now", and one fake of connect_transcribe.clock.Clock.

Logic takes its clock as an argument and its tests pass a FakeClock, which moves only when the test advances it (or
the logic sleeps). Handlers and the CLI read the system clock, so their tests move the system clock to NOW with
time-machine (it ticks on from there). Every date those tests store, export or ask for is derived from NOW, so their
outcome is the same on any day, at any hour, in any time zone.
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


class FakeClock:
    """connect_transcribe.clock.Clock standing still until the test advances it or the logic sleeps; the wall and the
    monotonic clocks move together (move_to sets the wall clock alone, as a clock adjustment would)."""

    def __init__(self, start: datetime = NOW, *, monotonic: float = 1000.0) -> None:
        self._wall = start
        self._monotonic = monotonic
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._wall

    def now_ms(self) -> int:
        return (self._wall - _EPOCH) // timedelta(milliseconds=1)

    def monotonic(self) -> float:
        return self._monotonic

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._wall += timedelta(seconds=seconds)
        self._monotonic += seconds

    def move_to(self, moment: datetime) -> None:
        self._wall = moment


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
