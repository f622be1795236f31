"""KvsMediaSource: data endpoints cached per stream and API, looked up again when KVS says they went stale."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError
from connect_transcribe.adapters.kvs import KvsMediaSource
from connect_transcribe.media.ports import MediaRejected, MediaUnavailable, Selector, SelectorType

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1"


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetMedia")


class FakeControl:
    def __init__(self) -> None:
        self.lookups = 0

    def get_data_endpoint(self, **kwargs: Any) -> dict[str, str]:
        self.lookups += 1
        return {"DataEndpoint": f"https://data-{self.lookups}.example"}


class FakeMedia:
    def __init__(self, failures: list[str]) -> None:
        self.failures = failures
        self.selectors: list[dict[str, Any]] = []

    def get_media(self, **kwargs: Any) -> dict[str, Any]:
        self.selectors.append(kwargs["StartSelector"])
        if self.failures:
            raise client_error(self.failures.pop(0))
        return {"Payload": io.BytesIO(b"mkv")}


class FakeSession:
    def __init__(self, failures: list[str]) -> None:
        self.control = FakeControl()
        self.media = FakeMedia(failures)
        self.endpoints: list[str | None] = []

    def client(self, service: str, endpoint_url: str | None = None, config: Any = None) -> Any:
        self.endpoints.append(endpoint_url)
        return self.control if service == "kinesisvideo" else self.media


def test_the_data_endpoint_is_looked_up_once_per_stream() -> None:
    session = FakeSession([])
    source = KvsMediaSource(session)  # type: ignore[arg-type]
    for _ in range(3):
        assert source.get_media(ARN, Selector(SelectorType.NOW)).read() == b"mkv"
    assert session.control.lookups == 1


def test_a_stale_endpoint_is_looked_up_again_and_the_call_retried() -> None:
    session = FakeSession(["NotAuthorizedException"])
    source = KvsMediaSource(session)  # type: ignore[arg-type]
    selector = Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=1_700_000_000_123)
    assert source.get_media(ARN, selector).read() == b"mkv"
    assert session.control.lookups == 2
    assert session.media.selectors[-1] == {
        "StartSelectorType": "PRODUCER_TIMESTAMP",
        "StartTimestamp": 1_700_000_000.123,
    }


@pytest.mark.parametrize(
    ("code", "error"),
    [("ResourceNotFoundException", MediaRejected), ("ClientLimitExceededException", MediaUnavailable)],
)
def test_failures_are_typed_for_the_reader(code: str, error: type[Exception]) -> None:
    source = KvsMediaSource(FakeSession([code]))  # type: ignore[arg-type]
    with pytest.raises(error, match=code):
        source.get_media(ARN, Selector(SelectorType.NOW))
