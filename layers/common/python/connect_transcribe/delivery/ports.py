"""The small interfaces delivery logic needs: an HTTP transport, a dead-letter queue, metrics and a clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

MAX_REPLY_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes = b""  # at most MAX_REPLY_BYTES; never logged (a receiver may echo the transcript)


class TransportFailure(Exception):
    """No HTTP answer: connection refused/reset, DNS, timeout, TLS. `description` never holds the URL (it may
    carry a query-parameter token) nor anything the receiver sent."""

    def __init__(self, description: str, *, permanent: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.permanent = permanent  # e.g. the server's certificate does not verify: retrying cannot help


class RefusedTarget(Exception):
    """The SSRF guard refused the URL or the address it resolved to (permanent)."""


class HttpTransport(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout_s: float) -> HttpReply:
        """Raises TransportFailure or RefusedTarget when there is no HTTP answer."""
        ...


@dataclass(frozen=True)
class DeadLetter:
    body: str  # the original SQS body, unchanged, so a redrive re-delivers exactly it
    group_id: str
    dedup_id: str
    last_error: str  # no transcript text
    attempts: int
    receive_count: int
    failed_at: datetime
    http_status: int | None = None
    utterance_id: str | None = None


class DeadLetterQueue(Protocol):
    def send(self, letter: DeadLetter) -> None: ...


class DeliveryMetrics(Protocol):
    def count(self, name: str, value: float = 1) -> None: ...

    def latency_ms(self, name: str, value: float) -> None: ...


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...
