"""Which webhook answers are worth retrying, and how long to wait before the next attempt."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({408, 429})


def is_success(status: int) -> bool:
    return 200 <= status < 300


def is_retryable(status: int) -> bool:
    """5xx, 408 and 429 may succeed later; any other 4xx (and 3xx: redirects are not followed) will not."""
    return status >= 500 or status in RETRYABLE_STATUS


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as delta-seconds or an HTTP-date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (spreads retries of many Lambdas hitting one receiver)."""

    base_s: float = 0.2
    cap_s: float = 5.0
    random: Callable[[], float] = random.random

    def wait_s(self, attempt: int, retry_after_s: float | None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based). A Retry-After is honoured as given."""
        if retry_after_s is not None:
            return retry_after_s
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return ceiling * self.random()
