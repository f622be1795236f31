"""Write Matroska fragments shaped like Kinesis Video Streams GetMedia output from Amazon Connect (tests, local KVS)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ

# Element ids (Matroska spec); the parser in media/mkv.py uses the same numbers.
EBML = 0x1A45DFA3
SEGMENT = 0x18538067
INFO = 0x1549A966
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TAGS = 0x1254C367
TAG = 0x7373
TARGETS = 0x63C0
SIMPLE_TAG = 0x67C8
CLUSTER = 0x1F43B675

UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"  # 8-byte vint with all value bits set: "size unknown"
TIMECODE_SCALE_NS = 1_000_000  # timecodes in milliseconds, as KVS writes them


@dataclass(frozen=True)
class WriterTrack:
    number: int
    name: str
    codec_id: str = "A_AAC"  # Connect declares AAC but sends 8 kHz s16le PCM (its MimeType tag says so)


def element_id(eid: int) -> bytes:
    """Ids carry their own length marker, so they are written as their big-endian bytes."""
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big")


def vint_size(size: int) -> bytes:
    """Shortest EBML vint for a size; the all-ones value of each length is reserved for "unknown"."""
    for length in range(1, 9):
        if size < (1 << (7 * length)) - 1:
            return (size | (1 << (7 * length))).to_bytes(length, "big")
    raise ValueError(f"element size {size} too large for EBML")


def element(eid: int, payload: bytes) -> bytes:
    return element_id(eid) + vint_size(len(payload)) + payload


def uint_element(eid: int, value: int) -> bytes:
    return element(eid, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def float_element(eid: int, value: float) -> bytes:
    return element(eid, struct.pack(">d", value))


def string_element(eid: int, value: str) -> bytes:
    return element(eid, value.encode("utf-8"))


def ebml_header() -> bytes:
    return element(
        EBML,
        uint_element(0x4286, 1)  # EBMLVersion
        + uint_element(0x42F7, 1)  # EBMLReadVersion
        + uint_element(0x42F2, 4)  # EBMLMaxIDLength
        + uint_element(0x42F3, 8)  # EBMLMaxSizeLength
        + string_element(0x4282, "matroska")  # DocType
        + uint_element(0x4287, 2)  # DocTypeVersion
        + uint_element(0x4285, 2),  # DocTypeReadVersion
    )


def segment_info() -> bytes:
    return element(
        INFO,
        uint_element(0x2AD7B1, TIMECODE_SCALE_NS)
        + string_element(0x4D80, "connect-transcribe")  # MuxingApp
        + string_element(0x5741, "connect-transcribe"),  # WritingApp
    )


def tracks_element(tracks: Sequence[WriterTrack]) -> bytes:
    entries = b""
    for track in tracks:
        # SamplingFrequency, Channels
        audio = float_element(0xB5, float(CONNECT_SAMPLE_RATE_HZ)) + uint_element(0x9F, 1)
        entries += element(
            TRACK_ENTRY,
            uint_element(0xD7, track.number)  # TrackNumber
            + uint_element(0x73C5, track.number)  # TrackUID
            + uint_element(0x83, 2)  # TrackType: audio
            + string_element(0x536E, track.name)
            + string_element(0x86, track.codec_id)
            + element(0xE1, audio),
        )
    return element(TRACKS, entries)


def tags_element(tags: Sequence[tuple[str, str]]) -> bytes:
    """One Tags element holding one Tag with a SimpleTag per (name, value), the way KVS writes them."""
    simple = b"".join(
        element(SIMPLE_TAG, string_element(0x45A3, name) + string_element(0x4487, value)) for name, value in tags
    )
    return element(TAGS, element(TAG, element(TARGETS, b"") + simple))


def cluster_start(timecode_ms: int) -> bytes:
    return element_id(CLUSTER) + UNKNOWN_SIZE + uint_element(0xE7, timecode_ms)


def simple_block(track: int, relative_timecode_ms: int, payload: bytes, *, keyframe: bool = True) -> bytes:
    if not -32768 <= relative_timecode_ms <= 32767:
        raise ValueError(f"block timecode {relative_timecode_ms} ms is outside the cluster's int16 range")
    header = vint_size(track) + struct.pack(">hB", relative_timecode_ms, 0x80 if keyframe else 0)
    return element(0xA3, header + payload)


def fragment_head(*, tracks: Sequence[WriterTrack], tags: Sequence[tuple[str, str]], cluster_timecode_ms: int) -> bytes:
    """Everything a fragment carries before its first block: EBML header .. Cluster Timecode."""
    head = ebml_header() + element_id(SEGMENT) + UNKNOWN_SIZE + segment_info() + tracks_element(tracks)
    if tags:
        head += tags_element(tags)
    return head + cluster_start(cluster_timecode_ms)


def ebml_fragment_parts(
    *,
    tracks: Sequence[WriterTrack],
    tags: Sequence[tuple[str, str]],
    blocks: Sequence[tuple[int, int, bytes]],
    cluster_timecode_ms: int,
    trailing_tags: Sequence[tuple[str, str]] = (),
) -> list[bytes]:
    """A fragment as [head, block 1, ..., block n, tail] so a server can send block by block.

    blocks are (track number, timecode relative to the cluster in ms, payload). The tail (trailing Tags) is left
    out when there are no trailing tags: an empty part would end an HTTP chunked body.
    """
    parts = [fragment_head(tracks=tracks, tags=tags, cluster_timecode_ms=cluster_timecode_ms)]
    parts.extend(simple_block(track, timecode, payload) for track, timecode, payload in blocks)
    if trailing_tags:
        parts.append(tags_element(trailing_tags))
    return parts


def ebml_fragment(
    *,
    tracks: Sequence[WriterTrack],
    tags: Sequence[tuple[str, str]],
    blocks: Sequence[tuple[int, int, bytes]],
    cluster_timecode_ms: int,
    trailing_tags: Sequence[tuple[str, str]] = (),
) -> bytes:
    """EBML header + unknown-size Segment(Info, Tracks, Tags, unknown-size Cluster(blocks), trailing Tags)."""
    return b"".join(
        ebml_fragment_parts(
            tracks=tracks,
            tags=tags,
            blocks=blocks,
            cluster_timecode_ms=cluster_timecode_ms,
            trailing_tags=trailing_tags,
        )
    )
