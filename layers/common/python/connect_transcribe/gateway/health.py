"""The worker's liveness file, and the container health check that reads it.

The worker touches the file on every supervisor pass (twice a second) once its speech model is loaded and it takes
jobs, and removes it when it stops. `python -m connect_transcribe.gateway.health` exits 0 while the file is fresh:
ECS then counts a new task healthy only when it can transcribe (a deploy drains the old tasks after that, not at
RUNNING), and replaces a task whose worker hangs. Local mode waits for the same file before it plays a call.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from connect_transcribe.settings import GatewayHealthSettings


class AliveFile:
    """The file's modification time is the worker's last sign of life (written from the worker's own wall clock, so
    the check compares like with like under a shifted clock)."""

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


def healthy(alive: AliveFile, max_age_s: float) -> tuple[bool, str]:
    age = alive.age_s()
    if age is None:
        return False, f"{alive.path} is missing: the worker is starting or has stopped"
    if age > max_age_s:
        return False, f"the worker's last sign of life was {age:.0f} s ago (limit {max_age_s:g} s)"
    return True, f"alive {age:.1f} s ago"


def main() -> int:
    settings = GatewayHealthSettings()
    ok, reason = healthy(AliveFile(Path(settings.health_file)), settings.health_max_age_seconds)
    print(reason, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
