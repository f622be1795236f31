"""The container health check of the media gateway worker, on the worker's liveness file (adapters/alive_file.py).

The worker touches the file on every supervisor pass (twice a second) once its speech model is loaded and it takes
jobs, and removes it when it stops. `python -m connect_transcribe.gateway.health` exits 0 while the file is fresh:
ECS then counts a new task healthy only when it can transcribe (a deploy drains the old tasks after that, not at
RUNNING), and replaces a task whose worker hangs. Local mode waits for the same file before it plays a call.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connect_transcribe.settings import GatewayHealthSettings


def healthy(age_s: float | None, max_age_s: float, *, path: Path) -> tuple[bool, str]:
    """`age_s`: seconds since the worker's last beat in the liveness file at `path`; None when there is no file."""
    if age_s is None:
        return False, f"{path} is missing: the worker is starting or has stopped"
    if age_s > max_age_s:
        return False, f"the worker's last sign of life was {age_s:.0f} s ago (limit {max_age_s:g} s)"
    return True, f"alive {age_s:.1f} s ago"


def main() -> int:
    # The command's composition root is wiring/health.py, not wiring/worker.py: the check must answer within its
    # 5 s timeout, and loading the worker's wiring (the speech engine) takes about that long.
    from connect_transcribe.wiring.health import alive_file

    settings = GatewayHealthSettings()
    alive = alive_file(settings)
    ok, reason = healthy(alive.age_s(), settings.health_max_age_seconds, path=alive.path)
    print(reason, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
