"""The small interfaces delivery logic needs: an HTTP transport, a dead-letter queue and metrics for the webhook
Lambda, and the two queues a DLQ redrive moves messages between. Its clock is connect_transcribe.clock, shared with
the other features."""

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


@dataclass(frozen=True)
class MessageAttribute:
    data_type: str  # String, Number or Binary (with an optional custom suffix)
    string_value: str | None = None
    binary_value: bytes | None = None


@dataclass(frozen=True)
class QueuedLetter:
    """A message received from the delivery DLQ, as a redrive (delivery/redrive.py) moves it."""

    message_id: str
    receipt: str  # what deletes the message from the queue it was received from, or makes it visible again
    body: str
    group_id: str | None = None  # the FIFO message group (the participant stream); None on a standard queue
    dedup_id: str | None = None  # the FIFO de-duplication id it was sent with
    attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)


class QueueSendFailed(Exception):
    """The queue refused the message or could not be reached; the text names the error (never the body)."""


class RedriveSource(Protocol):
    """The queue a redrive reads (the delivery DLQ: adapters/sqs_redrive.py)."""

    url: str

    def receive(self, max_messages: int) -> list[QueuedLetter]:
        """Up to `max_messages` (at most 10) messages, hidden from other readers while they are moved."""
        ...

    def delete(self, letters: list[QueuedLetter]) -> None: ...

    def release(self, letters: list[QueuedLetter]) -> None:
        """Make received messages visible again at once."""
        ...

    def depth(self) -> int:
        """About how many messages the queue holds, visible or in flight."""
        ...


class RedriveTarget(Protocol):
    """The queue a redrive sends to (the utterances queue: adapters/sqs_redrive.py)."""

    url: str
    fifo: bool  # a FIFO queue needs each message's group and a de-duplication id

    def send(
        self,
        body: str,
        attributes: Mapping[str, MessageAttribute],
        *,
        group_id: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        """Raises QueueSendFailed."""
        ...
