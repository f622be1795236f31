"""The system clock and random ids for production wiring."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime


class SystemClock:
    """Implements connect_transcribe.clock.Clock with the process's wall and monotonic clocks."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class UuidIds:
    def new_stream_id(self) -> str:
        return str(uuid.uuid4())
