"""The worker's liveness file and the container health check that reads it, on a clock the test sets."""

from __future__ import annotations

from pathlib import Path

import pytest
from connect_transcribe.gateway import health
from connect_transcribe.gateway.health import AliveFile, healthy


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_fresh_beat_is_healthy_and_a_stale_or_missing_one_is_not(tmp_path: Path) -> None:
    clock = Clock(1_700_000_000.0)
    alive = AliveFile(tmp_path / "gateway.alive", clock=clock)
    ok, reason = healthy(alive, 30)
    assert not ok and "missing" in reason  # never beat: starting

    alive.beat()
    clock.now += 29.5
    assert healthy(alive, 30)[0]

    clock.now += 1.0  # 30.5 s since the last beat: hung
    ok, reason = healthy(alive, 30)
    assert not ok and "30 s ago" in reason and "limit 30 s" in reason

    alive.beat()  # beats again: healthy again
    ok, reason = healthy(alive, 30)
    assert ok and reason.startswith("alive")

    alive.clear()  # stopped
    assert not healthy(alive, 30)[0]
    alive.clear()  # clearing twice is fine


def test_the_health_command_exits_0_only_while_the_worker_beats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gateway.alive"
    monkeypatch.setenv("HEALTH_FILE", str(path))
    monkeypatch.setenv("HEALTH_MAX_AGE_SECONDS", "10")
    assert health.main() == 1
    assert "is missing" in capsys.readouterr().err

    AliveFile(path).beat()
    assert health.main() == 0

    AliveFile(path, clock=lambda: 0.0).beat()  # last beat at the epoch: long ago
    assert health.main() == 1
    assert "limit 10 s" in capsys.readouterr().err
