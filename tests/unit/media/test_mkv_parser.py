"""The streaming MKV parser: events as soon as elements complete, Matroska details, and precise errors."""

from __future__ import annotations

import struct
import tracemalloc

import pytest
from connect_transcribe.media.mkv import (
    BLOCK,
    BLOCK_GROUP,
    CLUSTER,
    CUES,
    INFO,
    REFERENCE_BLOCK,
    SEGMENT,
    SIMPLE_BLOCK,
    SIMPLE_TAG,
    TAG,
    TAG_NAME,
    TAG_STRING,
    TAGS,
    TIMECODE,
    TIMECODE_SCALE,
    Frame,
    MkvError,
    MkvStreamParser,
    MkvTruncated,
    SegmentStarted,
    TagsParsed,
    TracksParsed,
)
from connect_transcribe.media.mkv_writer import (
    UNKNOWN_SIZE,
    WriterTrack,
    ebml_header,
    element,
    element_id,
    fragment_head,
    simple_block,
    string_element,
    tags_element,
    uint_element,
    vint_size,
)

from tests.unit.media.streams import AGENT, CUSTOMER, connect_call, frames, parse

TRACKS = [WriterTrack(1, CUSTOMER), WriterTrack(2, AGENT)]


def segment(*children: bytes) -> bytes:
    return ebml_header() + element_id(SEGMENT) + UNKNOWN_SIZE + b"".join(children)


def cluster(timecode: int, *children: bytes) -> bytes:
    return element_id(CLUSTER) + UNKNOWN_SIZE + uint_element(TIMECODE, timecode) + b"".join(children)


def block_body(track: int, relative: int, flags: int, data: bytes) -> bytes:
    return vint_size(track) + struct.pack(">hB", relative, flags) + data


def simple_tag(name: str, value: str, *nested: bytes) -> bytes:
    return element(SIMPLE_TAG, string_element(TAG_NAME, name) + string_element(TAG_STRING, value) + b"".join(nested))


# --- events arrive as soon as their element is complete ---------------------------------------------------------


def test_a_frame_is_emitted_when_its_block_is_complete_without_waiting_for_more() -> None:
    # Given a fragment head and one block, fed up to the block's last byte
    head = fragment_head(tracks=TRACKS, tags=[("ContactId", "c")], cluster_timecode_ms=1000)
    block = simple_block(2, 64, b"\x07" * 1024)
    parser = MkvStreamParser()
    early = parser.feed(head + block[:-1])

    # When the last byte arrives
    late = parser.feed(block[-1:])

    # Then the frame comes out now, and not before
    assert [type(e) for e in early] == [SegmentStarted, TracksParsed, TagsParsed]
    assert late == [Frame(2, 1064, b"\x07" * 1024, True)]


def test_tags_are_emitted_when_the_tags_element_ends() -> None:
    parser = MkvStreamParser()
    parser.feed(fragment_head(tracks=TRACKS, tags=[], cluster_timecode_ms=0))
    trailing = tags_element([("AWS_KINESISVIDEO_CONTINUATION_TOKEN", "42")])

    assert parser.feed(trailing[:-1]) == []
    assert parser.feed(trailing[-1:]) == [TagsParsed((("AWS_KINESISVIDEO_CONTINUATION_TOKEN", "42"),))]


def test_the_next_ebml_header_ends_an_unknown_size_segment_and_starts_a_new_fragment() -> None:
    data = connect_call(fragments=3, blocks=2)
    one = len(data) // 3

    events = parse(data)

    assert [e for e in events if isinstance(e, SegmentStarted)] == [
        SegmentStarted(0),
        SegmentStarted(one),
        SegmentStarted(2 * one),
    ]
    assert len(frames(events)) == 3 * 2 * 2


def test_offset_counts_the_bytes_fed() -> None:
    parser = MkvStreamParser()
    parser.feed(b"\x1a\x45")
    parser.feed(b"\xdf")

    assert parser.offset == 3


# --- Matroska details ---------------------------------------------------------------------------------------------


def test_a_block_group_yields_its_block_and_a_reference_block_marks_it_not_a_keyframe() -> None:
    group_key = element(BLOCK_GROUP, element(BLOCK, block_body(1, 0, 0, b"key")))
    group_delta = element(
        BLOCK_GROUP, element(BLOCK, block_body(1, 40, 0, b"delta")) + element(REFERENCE_BLOCK, b"\xd8")
    )

    events = parse(segment(cluster(100, group_key, group_delta)))

    assert frames(events) == [Frame(1, 100, b"key", True), Frame(1, 140, b"delta", False)]


def test_timecodes_follow_the_segment_timecode_scale_and_may_be_negative() -> None:
    info = element(INFO, uint_element(TIMECODE_SCALE, 500_000))  # half-millisecond ticks

    events = parse(segment(info, cluster(2000, simple_block(1, 20, b"a"), simple_block(1, -100, b"b"))))

    assert [f.timecode_ms for f in frames(events)] == [1010, 950]


def test_track_numbers_above_127_use_longer_vints() -> None:
    events = parse(segment(cluster(0, element(SIMPLE_BLOCK, block_body(300, 0, 0x80, b"x")))))

    assert frames(events) == [Frame(300, 0, b"x", True)]


@pytest.mark.parametrize(
    ("flags", "lace"),
    [
        (0x82, bytes([2, 3, 255, 1]) + b"abc" + b"x" * 256 + b"zz"),  # Xiph: sizes 3, 256, rest
        # EBML: first size 3, then +253 as a 2-byte signed vint (253 + 8191 = 0x20FC), the last frame the rest
        (0x86, bytes([2]) + vint_size(3) + bytes([0x60, 0xFC]) + b"abc" + b"x" * 256 + b"zz"),
        (0x84, bytes([2]) + b"abc" + b"xyz" + b"zzz"),  # fixed: three frames of 3
    ],
    ids=["xiph", "ebml", "fixed"],
)
def test_laced_blocks_become_one_frame_each(flags: int, lace: bytes) -> None:
    events = parse(segment(cluster(10, element(SIMPLE_BLOCK, block_body(1, 5, flags, lace)))))

    payloads = [f.payload for f in frames(events)]
    assert len(payloads) == 3
    assert payloads[0] == b"abc"
    assert b"".join(payloads) == lace[len(lace) - sum(map(len, payloads)) :]
    assert {f.timecode_ms for f in frames(events)} == {15}


def test_ebml_lacing_decodes_signed_size_differences() -> None:
    # sizes 3 then 5 (+2 as a 1-byte signed vint: 2 + 63 = 65 -> 0x80 | 65), last frame takes the rest
    lace = bytes([2]) + vint_size(3) + bytes([0x80 | 65]) + b"abc" + b"defgh" + b"ij"

    events = parse(segment(cluster(0, element(SIMPLE_BLOCK, block_body(1, 0, 0x86, lace)))))

    assert [f.payload for f in frames(events)] == [b"abc", b"defgh", b"ij"]


def test_nested_simple_tags_are_flattened_in_document_order_and_binary_tags_ignored() -> None:
    binary = element(SIMPLE_TAG, string_element(TAG_NAME, "BLOB") + element(0x4485, b"\x00\x01"))
    tag = element(
        TAG, element(0x63C0, b"") + simple_tag("A", "1", simple_tag("A.1", "x")) + binary + simple_tag("B", "2")
    )

    events = parse(segment(element(TAGS, tag)))

    assert events[1:] == [TagsParsed((("A", "1"), ("A.1", "x"), ("B", "2")))]


def test_elements_the_parser_does_not_need_are_skipped_without_being_held() -> None:
    # Given a 50 MB Cues element (larger than max_element_size) fed in 64 KiB pieces, then a block
    parser = MkvStreamParser(max_element_size=1024 * 1024)
    parser.feed(segment())
    body = 50 * 1024 * 1024
    parser.feed(element_id(CUES) + vint_size(body))
    piece = bytes(64 * 1024)
    tracemalloc.start()
    try:
        for _ in range(body // len(piece)):
            assert parser.feed(piece) == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # When the stream goes on after it
    events = parser.feed(cluster(7, simple_block(1, 0, b"after")))

    # Then memory never grew with the element, and parsing carried on
    assert peak < 1024 * 1024
    assert frames(events) == [Frame(1, 7, b"after", True)]


# --- errors ---------------------------------------------------------------------------------------------------------


def test_a_huge_declared_block_size_fails_at_its_header_without_allocating() -> None:
    parser = MkvStreamParser(max_element_size=1024 * 1024)
    parser.feed(segment(cluster(0)))
    at = parser.offset

    with pytest.raises(MkvError) as caught:
        parser.feed(element_id(SIMPLE_BLOCK) + b"\x01\x00\x00\x00\xff\xff\xff\xff")

    assert (caught.value.offset, caught.value.element) == (at, "SimpleBlock")
    assert f"at offset {at} in SimpleBlock" in str(caught.value)
    assert "exceeds the limit" in str(caught.value)


def test_an_invalid_size_vint_names_the_element_and_offset() -> None:
    data = segment(cluster(0))
    with pytest.raises(MkvError, match=rf"invalid element size \(at offset {len(data)} in SimpleBlock\)"):
        parse(data + b"\xa3\x00\x00")


def test_an_invalid_element_id_is_reported_at_its_offset() -> None:
    data = segment(cluster(0))
    with pytest.raises(MkvError, match=rf"invalid element id \(at offset {len(data)} in Cluster\)"):
        parse(data + b"\x00\x81\x00")


def test_a_child_overrunning_its_sized_parent_is_an_error() -> None:
    tags = element_id(TAGS) + vint_size(4) + element_id(TAG) + vint_size(100)
    data = segment() + tags

    with pytest.raises(MkvError, match="overruns its parent") as caught:
        parse(data + bytes(100))

    assert (caught.value.offset, caught.value.element) == (len(segment()) + 5, "Tag")


def test_a_simple_block_too_short_for_its_header_is_an_error() -> None:
    data = segment(cluster(0))
    with pytest.raises(MkvError, match=rf"block too short \(at offset {len(data)} in SimpleBlock\)"):
        parse(data + element(SIMPLE_BLOCK, b"\x81\x00"))


def test_a_block_before_its_cluster_timecode_is_an_error() -> None:
    data = segment(element_id(CLUSTER) + UNKNOWN_SIZE)
    with pytest.raises(MkvError, match="before the Cluster Timecode"):
        parse(data + simple_block(1, 0, b"x"))


def test_an_element_that_cannot_be_at_top_level_is_an_error() -> None:
    with pytest.raises(MkvError, match=r"not allowed at top level \(at offset 0 in Cluster\)"):
        parse(cluster(0, simple_block(1, 0, b"x")))


def test_a_segment_level_element_inside_a_sized_master_is_an_error() -> None:
    tags = element_id(TAGS) + vint_size(20) + element_id(CLUSTER) + vint_size(5)
    with pytest.raises(MkvError, match=r"Cluster is not allowed here \(at offset \d+ in Tags\)"):
        parse(segment(tags + bytes(15)))


def test_unknown_size_is_refused_for_elements_other_than_segment_and_cluster() -> None:
    with pytest.raises(MkvError, match=r"unknown size is not supported here \(at offset \d+ in Tags\)"):
        parse(segment(element_id(TAGS) + UNKNOWN_SIZE))


def truncated(data: bytes) -> MkvTruncated:
    parser = MkvStreamParser()
    parser.feed(data)
    with pytest.raises(MkvTruncated) as caught:
        parser.close()
    return caught.value


def test_close_inside_an_element_raises_truncated_with_its_offset_and_name() -> None:
    head = fragment_head(tracks=TRACKS, tags=[], cluster_timecode_ms=0)
    block = simple_block(1, 0, bytes(1024))  # id a3, size 44 04, then 4 bytes of block header

    inside_payload = truncated(head + block[:-1])
    inside_size = truncated(head + block[:2])
    inside_id = truncated(head + block + element_id(CLUSTER)[:2])

    assert (inside_payload.offset, inside_payload.element) == (len(head), "SimpleBlock")
    assert (inside_size.offset, inside_size.element) == (len(head), "SimpleBlock")
    assert (inside_id.offset, inside_id.element) == (len(head) + len(block), "Cluster")
    assert f"stream ends inside the element (at offset {len(head)} in SimpleBlock)" == str(inside_payload)


def test_close_inside_a_sized_master_or_a_skipped_element_is_truncation() -> None:
    tag = element(TAG, simple_tag("A", "1"))
    with pytest.raises(MkvTruncated, match=rf"at offset {len(segment())} in Tags"):
        parse(segment(element_id(TAGS) + vint_size(len(tag) + 5) + tag))
    with pytest.raises(MkvTruncated, match=r"in Cues"):
        parse(segment(element_id(CUES) + vint_size(1000) + bytes(10)))


def test_a_complete_stream_closes_cleanly() -> None:
    parser = MkvStreamParser()
    parser.feed(connect_call(fragments=1, blocks=1))

    assert parser.close() == []


def test_frames_completed_before_a_fault_travel_with_the_error_and_the_fault_is_sticky() -> None:
    # Given two good blocks and then garbage in one chunk
    data = segment(cluster(0, simple_block(1, 0, b"a"), simple_block(2, 0, b"b"))) + b"\x00garbage"
    parser = MkvStreamParser()

    # When it is fed
    with pytest.raises(MkvError) as caught:
        parser.feed(data)

    # Then the good frames are on the error, and the parser keeps refusing
    assert frames(caught.value.events) == [Frame(1, 0, b"a", True), Frame(2, 0, b"b", True)]
    with pytest.raises(MkvError) as again:
        parser.feed(b"more")
    assert (again.value.offset, again.value.events) == (caught.value.offset, [])
    with pytest.raises(MkvError):
        parser.close()
