"""The media port: the byte source the KVS reader reads through (boto3 GetMedia in adapters/kvs.py), where it
starts reading (Selector) and its typed failures."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class SelectorType(StrEnum):
    NOW = "NOW"
    EARLIEST = "EARLIEST"
    FRAGMENT_NUMBER = "FRAGMENT_NUMBER"
    PRODUCER_TIMESTAMP = "PRODUCER_TIMESTAMP"
    SERVER_TIMESTAMP = "SERVER_TIMESTAMP"
    CONTINUATION_TOKEN = "CONTINUATION_TOKEN"  # noqa: S105 - a selector name


@dataclass(frozen=True)
class Selector:
    type: SelectorType
    fragment_number: str | None = None  # FRAGMENT_NUMBER: KVS starts *after* this fragment
    timestamp_ms: int | None = None  # PRODUCER/SERVER_TIMESTAMP: the fragment containing it
    token: str | None = None  # CONTINUATION_TOKEN: the fragment after the one that carried the token

    def to_api(self) -> dict[str, Any]:
        api: dict[str, Any] = {"StartSelectorType": self.type.value}
        if self.fragment_number is not None:
            api["AfterFragmentNumber"] = self.fragment_number
        if self.timestamp_ms is not None:
            api["StartTimestamp"] = self.timestamp_ms / 1000
        if self.token is not None:
            api["ContinuationToken"] = self.token
        return api


class MediaError(Exception):
    """Reading media failed. `retryable` says whether reconnecting may help."""

    retryable = True


class MediaUnavailable(MediaError):
    """Connection refused/reset, timeout, 5xx, throttling: reconnect with backoff."""


class MediaIdle(MediaUnavailable):
    """No bytes within the read timeout (KVS holds a caught-up connection open)."""


class MediaRejected(MediaError):
    """The stream does not exist or we may not read it: reconnecting will not help."""

    retryable = False


class MediaConnection(Protocol):
    def read(self) -> bytes:
        """Some bytes as soon as any arrive; b"" at the end of the response. Raises MediaError."""
        ...

    def close(self) -> None: ...


class MediaSource(Protocol):
    def get_media(self, stream_arn: str, selector: Selector) -> MediaConnection: ...

    def fragment_timestamp_ms(self, stream_arn: str, fragment_number: str) -> int | None:
        """Producer timestamp of one fragment (GetMediaForFragmentList), or None if KVS has no such fragment."""
        ...
