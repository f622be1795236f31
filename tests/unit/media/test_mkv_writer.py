"""The Connect-shaped fragment writer: what it writes parses back to the same tracks, tags and blocks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from connect_transcribe.media.mkv import Frame, SegmentStarted, TagsParsed, TrackInfo, TracksParsed
from connect_transcribe.media.mkv_writer import WriterTrack, ebml_fragment, ebml_fragment_parts, vint_size

from tests.unit.media.streams import AGENT, CUSTOMER, MIME, parse

TAGS = [("ContactId", "c-1"), ("MimeType", MIME), ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", "9134")]
TRAILING = [("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "50"), ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", "9134")]


def test_a_two_track_connect_fragment_parses_back_to_named_tracks_tags_and_absolute_frames() -> None:
    # Given a fragment with Connect's track names on numbers 3 and 7 (numbers are not fixed in Connect)
    tracks = [WriterTrack(3, CUSTOMER), WriterTrack(7, AGENT)]
    blocks = [(3, 0, b"\x01\x00" * 512), (7, 0, b"\x02\x00" * 512), (3, 64, b"\x03\x00" * 512)]

    # When it is written and parsed
    data = ebml_fragment(
        tracks=tracks, tags=TAGS, blocks=blocks, cluster_timecode_ms=1_700_000_000_123, trailing_tags=TRAILING
    )
    events = parse(data)

    # Then everything comes back, in stream order, with absolute timecodes
    assert events == [
        SegmentStarted(0),
        TracksParsed(
            {
                3: TrackInfo(3, CUSTOMER, "A_AAC", 8000.0, 1),
                7: TrackInfo(7, AGENT, "A_AAC", 8000.0, 1),
            }
        ),
        TagsParsed(tuple(TAGS)),
        Frame(3, 1_700_000_000_123, b"\x01\x00" * 512, True),
        Frame(7, 1_700_000_000_123, b"\x02\x00" * 512, True),
        Frame(3, 1_700_000_000_187, b"\x03\x00" * 512, True),
        TagsParsed(tuple(TRAILING)),
    ]


def test_the_older_single_track_layout_round_trips() -> None:
    data = ebml_fragment(
        tracks=[WriterTrack(1, "AUDIO_FROM_CUSTOMER", "A_PCM/INT/LIT")],
        tags=[("MimeType", MIME)],
        blocks=[(1, i * 64, bytes([i]) * 1024) for i in range(4)],
        cluster_timecode_ms=5000,
    )

    events = parse(data)

    assert events[1] == TracksParsed({1: TrackInfo(1, CUSTOMER, "A_PCM/INT/LIT", 8000.0, 1)})
    assert [(e.track, e.timecode_ms, e.payload[0]) for e in events if isinstance(e, Frame)] == [
        (1, 5000, 0),
        (1, 5064, 1),
        (1, 5128, 2),
        (1, 5192, 3),
    ]
    assert [e for e in events if isinstance(e, TagsParsed)] == [TagsParsed((("MimeType", MIME),))]


def test_parts_split_the_same_bytes_at_block_boundaries() -> None:
    kwargs: dict[str, Any] = {
        "tracks": [WriterTrack(1, CUSTOMER), WriterTrack(2, AGENT)],
        "tags": TAGS,
        "blocks": [(1, 0, b"a" * 10), (2, 0, b"b" * 10), (1, 64, b"c" * 10)],
        "cluster_timecode_ms": 0,
    }

    with_tail = ebml_fragment_parts(**kwargs, trailing_tags=TRAILING)
    without_tail = ebml_fragment_parts(**kwargs)

    assert b"".join(with_tail) == ebml_fragment(**kwargs, trailing_tags=TRAILING)
    assert len(with_tail) == 1 + 3 + 1
    assert len(without_tail) == 1 + 3  # no empty part: it would end an HTTP chunked body
    assert all(part for part in with_tail)
    # each block part is exactly one SimpleBlock element
    assert [part[:1] for part in with_tail[1:4]] == [b"\xa3"] * 3


def test_sizes_use_the_shortest_vint_and_never_the_reserved_all_ones_value() -> None:
    assert vint_size(0) == b"\x80"
    assert vint_size(126) == b"\xfe"
    assert vint_size(127) == b"\x40\x7f"  # 0xFF would mean "unknown size"
    assert vint_size(1024 + 4) == b"\x44\x04"


def test_a_block_timecode_outside_int16_is_refused() -> None:
    with pytest.raises(ValueError, match="int16"):
        ebml_fragment(tracks=[WriterTrack(1, CUSTOMER)], tags=[], blocks=[(1, 40_000, b"")], cluster_timecode_ms=0)


@pytest.mark.skipif(shutil.which("mkvinfo") is None, reason="mkvinfo not installed (apt-get install mkvtoolnix)")
def test_mkvtoolnix_reads_a_written_fragment_without_complaint(tmp_path: Path) -> None:
    path = tmp_path / "fragment.mkv"
    path.write_bytes(
        ebml_fragment(
            tracks=[WriterTrack(1, CUSTOMER), WriterTrack(2, AGENT)],
            tags=TAGS,
            blocks=[(1, 0, b"\x00" * 1024), (2, 0, b"\x00" * 1024)],
            cluster_timecode_ms=1000,
            trailing_tags=TRAILING,
        )
    )

    result = subprocess.run(["mkvinfo", "-v", str(path)], capture_output=True, text=True, check=True)

    assert "Error" not in result.stdout + result.stderr
    assert "Name: AUDIO_FROM_CUSTOMER" in result.stdout
    assert result.stdout.count("Simple block: key") == 2
