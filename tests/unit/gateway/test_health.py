"""The container health check: fresh, stale and missing signs of life, and the command on the worker's file."""

from __future__ import annotations

from pathlib import Path

import pytest
from connect_transcribe.adapters.alive_file import AliveFile
from connect_transcribe.gateway import health
from connect_transcribe.gateway.health import healthy

PATH = Path("/tmp/gateway.alive")


def test_a_fresh_beat_is_healthy_and_a_stale_or_missing_one_is_not() -> None:
    ok, reason = healthy(None, 30, path=PATH)
    assert not ok and reason == "/tmp/gateway.alive is missing: the worker is starting or has stopped"

    assert healthy(29.5, 30, path=PATH) == (True, "alive 29.5 s ago")

    ok, reason = healthy(30.5, 30, path=PATH)  # 30.5 s since the last beat: hung
    assert not ok and "30 s ago" in reason and "limit 30 s" in reason


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
