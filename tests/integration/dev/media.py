"""Read GetMedia bodies from the local KVS server and parse them into fragments the way a reader sees them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from connect_transcribe.media.mkv import Frame, MkvStreamParser, SegmentStarted, TagsParsed, TrackInfo, TracksParsed
from connect_transcribe.media.mkv_writer import WriterTrack
from connect_transcribe_dev.kvs_server import LocalKvs

T0_MS = 1_700_000_000_000
TRACKS = (WriterTrack(1, "AUDIO_FROM_CUSTOMER"), WriterTrack(2, "AUDIO_TO_CUSTOMER"))
# One attempt: the tests assert on the exact errors the server answers, not on botocore's retries.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, read_timeout=10)


def aws_client(service: str, endpoint_url: str) -> Any:
    """A real boto3 client; credentials are the dummy ones tests/conftest.py sets."""
    return boto3.client(service, endpoint_url=endpoint_url, region_name="us-east-1", config=NO_RETRIES)


def media_client(kvs: LocalKvs, stream_arn: str) -> Any:
    """kinesis-video-media the way a reader builds it: endpoint from GetDataEndpoint on the control plane."""
    control = aws_client("kinesisvideo", kvs.endpoint_url)
    endpoint = control.get_data_endpoint(StreamARN=stream_arn, APIName="GET_MEDIA")["DataEndpoint"]
    return aws_client("kinesis-video-media", endpoint)


@dataclass
class WireFragment:
    tags: dict[str, str] = field(default_factory=dict)  # the leading Tags
    trailing: dict[str, str] = field(default_factory=dict)  # Tags after the Cluster
    tracks: dict[int, TrackInfo] = field(default_factory=dict)
    frames: list[Frame] = field(default_factory=list)
    tag_elements: int = 0

    @property
    def number(self) -> str | None:
        return self.tags.get("AWS_KINESISVIDEO_FRAGMENT_NUMBER")


def parse_fragments(data: bytes) -> list[WireFragment]:
    parser = MkvStreamParser()
    fragments: list[WireFragment] = []
    for event in parser.feed(data) + parser.close():
        if isinstance(event, SegmentStarted):
            fragments.append(WireFragment())
        elif isinstance(event, TracksParsed):
            fragments[-1].tracks = event.tracks
        elif isinstance(event, TagsParsed):
            target = fragments[-1].tags if fragments[-1].tag_elements == 0 else fragments[-1].trailing
            target.update(event.tags)
            fragments[-1].tag_elements += 1
        elif isinstance(event, Frame):
            fragments[-1].frames.append(event)
    return fragments


def put_fragments(stream: Any, count: int, *, contact_id: str = "contact-1", first_ms: int = T0_MS) -> list[str]:
    """`count` one-second fragments, two blocks each (customer then agent); payload bytes are the second since T0."""
    numbers = []
    for k in range(count):
        at = first_ms + k * 1000
        second = (at - T0_MS) // 1000 % 100
        blocks = [(1, at, bytes([second]) * 1024), (2, at, bytes([100 + second]) * 1024)]
        tags = [("ContactId", contact_id)]
        numbers.append(stream.put_fragment(producer_timestamp_ms=at, tracks=TRACKS, tags=tags, blocks=blocks))
    return numbers


class LiveReader:
    """Reads a GetMedia body in a thread, chunk by chunk as the server sends them, timing each arrival."""

    def __init__(self, payload: Any) -> None:
        self._raw = payload._raw_stream  # urllib3 response: stream() yields each HTTP chunk as it arrives
        self.arrivals: list[tuple[float, int]] = []  # (monotonic time, bytes received so far)
        self.data = bytearray()
        self.tokens: list[str] = []  # continuation tokens seen so far: fragments received whole
        self._parser = MkvStreamParser()
        self.error: Exception | None = None
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for chunk in self._raw.stream(1 << 20):
                self.data += chunk
                self.arrivals.append((time.monotonic(), len(self.data)))
                for event in self._parser.feed(chunk):
                    if isinstance(event, TagsParsed):
                        self.tokens += [v for k, v in event.tags if k == "AWS_KINESISVIDEO_CONTINUATION_TOKEN"]
        except Exception as exc:  # the tests assert on which error ended the body
            self.error = exc
        finally:
            self.ended.set()

    def arrival_of(self, total_bytes: int) -> float | None:
        """When the body first held `total_bytes` bytes."""
        return next((at for at, size in self.arrivals if size >= total_bytes), None)

    def wait_for(self, total_bytes: int, timeout: float = 2.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.data) < total_bytes and time.monotonic() < deadline and not self.ended.is_set():
            time.sleep(0.005)
        assert len(self.data) >= total_bytes, f"got {len(self.data)} of {total_bytes} bytes"

    def wait_for_fragment(self, number: str, timeout: float = 5.0) -> None:
        """Until the fragment's trailing tags (continuation token) arrived: all of it is in `data`."""
        deadline = time.monotonic() + timeout
        while number not in self.tokens and time.monotonic() < deadline and not self.ended.is_set():
            time.sleep(0.005)
        assert number in self.tokens, f"fragment {number} did not arrive whole (error: {self.error!r})"

    def join(self, timeout: float = 5.0) -> None:
        assert self.ended.wait(timeout), "the response did not end"

    def join_data(self, timeout: float = 5.0) -> bytes:
        """The whole body of a response that must end cleanly."""
        self.join(timeout)
        assert self.error is None, f"the response broke: {self.error!r}"
        return bytes(self.data)


def open_reader(kvs: LocalKvs, arn: str, selector: dict[str, Any]) -> LiveReader:
    """GetMedia through boto3, read in the background."""
    return LiveReader(media_client(kvs, arn).get_media(StreamARN=arn, StartSelector=selector)["Payload"])
