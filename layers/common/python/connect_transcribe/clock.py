"""The one Clock the features read time through: wall time for what is stored or shown (timestamps, TTLs, dates)
and a monotonic clock with sleep for deadlines and backoff. adapters/system.py implements it; tests pass fakes
that move only when told.

It sits at the package root, beside errors.py, because control, export and delivery all take it (no single feature's
ports.py owns it), and not in models/ because it is behaviour (a port), not a data shape."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Wall clock: milliseconds since the epoch."""
        ...

    def now(self) -> datetime:
        """Wall clock: the current instant, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never go backwards: for deadlines and durations."""
        ...

    def sleep(self, seconds: float) -> None: ...
