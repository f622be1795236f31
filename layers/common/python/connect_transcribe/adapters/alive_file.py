"""The media gateway worker's liveness file: the worker touches it on every supervisor pass and removes it when it
stops; the container health check (gateway/health.py) reads its age."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


class AliveFile:
    """Implements gateway/ports.Liveness. The file's modification time is the worker's last sign of life (written from
    the worker's own wall clock, so the check compares like with like under a shifted clock)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    def beat(self) -> None:
        now = self._clock()
        self.path.touch()
        os.utime(self.path, (now, now))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def age_s(self) -> float | None:
        """Seconds since the last beat; None if the worker never beat or has stopped."""
        try:
            return self._clock() - self.path.stat().st_mtime
        except FileNotFoundError:
            return None
