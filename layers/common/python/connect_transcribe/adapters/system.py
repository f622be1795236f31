"""Wall clock and random ids for production wiring."""

from __future__ import annotations

import time
import uuid


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class UuidIds:
    def new_stream_id(self) -> str:
        return str(uuid.uuid4())
