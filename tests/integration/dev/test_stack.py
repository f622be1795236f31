"""LocalDeployment's start: it returns once the media gateway worker takes jobs, and says so when the worker cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_lambda_powertools.utilities import parameters
from connect_transcribe_dev.stack import LocalDeployment


@pytest.fixture(autouse=True)
def _fresh_parameter_cache() -> None:
    parameters.clear_caches()  # see tests/e2e/conftest.py: the provider keeps the first stack's endpoint


def test_start_returns_once_the_worker_beats_and_stop_clears_its_liveness_file(tmp_path: Path) -> None:
    with LocalDeployment(worker_log=tmp_path / "worker.log") as stack:
        assert stack.worker is not None and stack.worker.poll() is None
        assert stack.health_file is not None and stack.health_file.is_file()
        stack.stop_worker()  # SIGTERM: the worker hands over, stops, and removes the file
        assert stack.worker.returncode == 0
        assert not stack.health_file.exists()


def test_a_worker_that_cannot_start_fails_the_start_with_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGINE", "no-such-engine")
    stack = LocalDeployment(worker_log=tmp_path / "worker.log")
    with pytest.raises(RuntimeError, match=r"worker exited with code 1 before it took jobs \(its log: .*worker.log\)"):
        stack.start()
    assert "no-such-engine" in (tmp_path / "worker.log").read_text()
    assert stack.worker is not None and stack.worker.poll() is not None
