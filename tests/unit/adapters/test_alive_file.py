"""The worker's liveness file: a beat's age on a clock the test sets, and clearing it."""

from __future__ import annotations

from pathlib import Path

from connect_transcribe.adapters.alive_file import AliveFile


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_beat_ages_with_the_clock_and_a_missing_or_cleared_file_has_no_age(tmp_path: Path) -> None:
    clock = Clock(1_700_000_000.0)
    alive = AliveFile(tmp_path / "gateway.alive", clock=clock)
    assert alive.age_s() is None  # never beat: starting

    alive.beat()
    clock.now += 29.5
    assert alive.age_s() == 29.5

    alive.beat()  # beats again: fresh again
    assert alive.age_s() == 0.0

    alive.clear()  # stopped
    assert alive.age_s() is None
    assert not alive.path.exists()
    alive.clear()  # clearing twice is fine
