"""Builders for MKV test streams: Connect-shaped calls from the writer, and raw elements for malformed input."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from connect_transcribe.media.mkv import Frame, MkvError, MkvEvent, MkvStreamParser
from connect_transcribe.media.mkv_writer import WriterTrack, ebml_fragment

CUSTOMER, AGENT = "AUDIO_FROM_CUSTOMER", "AUDIO_TO_CUSTOMER"
MIME = "audio/L16;rate=8000;channels=1;"
START_MS = 1_700_000_000_000
FIRST_FRAGMENT = 91343852333181432392682062607743920146159169392


def fragment_number(index: int) -> str:
    return str(FIRST_FRAGMENT + index * 4951760157141521099596496896)


def pcm(track: int, index: int, size: int = 1024) -> bytes:
    """Distinct, recognisable payload per (track, block)."""
    return bytes((track * 31 + index * 7 + i) % 256 for i in range(size))


def connect_call(
    *,
    fragments: int = 3,
    blocks: int = 16,
    block_bytes: int = 1024,
    numbers: tuple[int, int] = (1, 2),
    contact_id: str = "contact-1",
) -> bytes:
    """A Connect-shaped GetMedia body: per fragment two named PCM tracks, 64 ms blocks, KVS tags before and after."""
    tracks = [WriterTrack(numbers[0], CUSTOMER), WriterTrack(numbers[1], AGENT)]
    out = []
    for f in range(fragments):
        start = START_MS + f * blocks * 64
        number = fragment_number(f)
        out.append(
            ebml_fragment(
                tracks=tracks,
                tags=[
                    ("ContactId", contact_id),
                    ("InstanceId", "arn:aws:connect:us-east-1:123456789012:instance/local"),
                    ("MimeType", MIME),
                    ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", number),
                    ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", f"{(start + 250) / 1000:.3f}"),
                    ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", f"{start / 1000:.3f}"),
                ],
                blocks=[
                    (track, i * 64, pcm(track, f * blocks + i, block_bytes)) for i in range(blocks) for track in numbers
                ],
                cluster_timecode_ms=start,
                trailing_tags=[
                    ("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "120"),
                    ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", number),
                ],
            )
        )
    return b"".join(out)


def parse(data: bytes, *, max_element_size: int = 16 * 1024 * 1024) -> list[MkvEvent]:
    parser = MkvStreamParser(max_element_size=max_element_size)
    return parser.feed(data) + parser.close()


def parse_chunks(chunks: Iterable[bytes], **kwargs: int) -> tuple[list[MkvEvent], MkvError | None]:
    """Events up to the end or the first fault (the fault's own events included), and that fault."""
    parser = MkvStreamParser(**kwargs)
    events: list[MkvEvent] = []
    try:
        for chunk in chunks:
            events += parser.feed(chunk)
        events += parser.close()
    except MkvError as exc:
        return events + exc.events, exc
    return events, None


def split(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c for c in cuts if 0 <= c <= len(data))})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def frames(events: Iterable[MkvEvent]) -> list[Frame]:
    return [e for e in events if isinstance(e, Frame)]
