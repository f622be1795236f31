"""The parser against real GetMedia output: the facts listed in /work/shared/fixtures/kvs-getmedia/README.md."""

from __future__ import annotations

from pathlib import Path

from connect_transcribe.media.mkv import Frame, MkvEvent, SegmentStarted, TagsParsed, TracksParsed

from tests.unit.media.streams import parse

AWS_PREFIX = "AWS_KINESISVIDEO_"
ERROR_TAGS = {"AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE", "AWS_KINESISVIDEO_EXCEPTION_MESSAGE"}


def chunks_of(events: list[MkvEvent]) -> list[list[MkvEvent]]:
    """Events grouped per Segment (one KVS fragment, "chunk" in the upstream library)."""
    out: list[list[MkvEvent]] = []
    for event in events:
        if isinstance(event, SegmentStarted):
            out.append([])
        out[-1].append(event)
    return out


def tags(chunk: list[MkvEvent]) -> list[tuple[str, str]]:
    return [tag for e in chunk if isinstance(e, TagsParsed) for tag in e.tags]


def blocks(chunk: list[MkvEvent]) -> list[Frame]:
    return [e for e in chunk if isinstance(e, Frame)]


def test_output_get_media_has_five_chunks_of_sixty_simple_blocks_and_twelve_tags(kvs_fixtures: Path) -> None:
    # Given real GetMedia output
    data = (kvs_fixtures / "output_get_media.mkv").read_bytes()

    # When it is parsed
    chunks = chunks_of(parse(data))

    # Then each chunk is its own EBML header + Segment with 60 blocks and 12 SimpleTags
    assert len(chunks) == 5
    assert [len(blocks(c)) for c in chunks] == [60] * 5
    assert [len(tags(c)) for c in chunks] == [12] * 5
    assert [sum(1 for name, _ in tags(c) if name.startswith(AWS_PREFIX)) for c in chunks] == [5] * 5
    starts = [c[0].offset for c in chunks if isinstance(c[0], SegmentStarted)]
    assert starts[0] == 0
    assert all(data[s : s + 4] == b"\x1a\x45\xdf\xa3" for s in starts)


def test_output_get_media_continuation_tokens_equal_the_fragment_numbers(kvs_fixtures: Path) -> None:
    chunks = chunks_of(parse((kvs_fixtures / "output_get_media.mkv").read_bytes()))

    tokens = [dict(tags(c))["AWS_KINESISVIDEO_CONTINUATION_TOKEN"] for c in chunks]
    numbers = [dict(tags(c))["AWS_KINESISVIDEO_FRAGMENT_NUMBER"] for c in chunks]

    assert tokens[:3] == [
        "91343852333181432392682062607743920146159169392",
        "91343852333181432397633822764885441725874549018",
        "91343852333181432402585582922026963247510532162",
    ]
    assert tokens == numbers


def test_output_get_media_is_one_avc_track_with_increasing_fragment_numbers_and_no_errors(kvs_fixtures: Path) -> None:
    events = parse((kvs_fixtures / "output_get_media.mkv").read_bytes())
    chunks = chunks_of(events)

    assert {f.track for f in blocks(events)} == {1}
    assert len(blocks(events)) == 300
    track_tables = [e.tracks for e in events if isinstance(e, TracksParsed)]
    assert len(track_tables) == 5
    for table in track_tables:
        assert list(table) == [1]
        assert (table[1].codec_id, table[1].pixel_width, table[1].pixel_height) == ("V_MPEG4/ISO/AVC", 640, 360)
    numbers = [int(dict(tags(c))["AWS_KINESISVIDEO_FRAGMENT_NUMBER"]) for c in chunks]
    assert numbers == sorted(set(numbers))
    assert not any(name in ERROR_TAGS for c in chunks for name, _ in tags(c))


def test_output_get_media_carries_seven_producer_tags_in_order(kvs_fixtures: Path) -> None:
    chunks = chunks_of(parse((kvs_fixtures / "output_get_media.mkv").read_bytes()))

    for chunk in chunks:
        assert [t for t in tags(chunk) if not t[0].startswith(AWS_PREFIX)] == [
            ("COMPATIBLE_BRANDS", "isomavc1mp42"),
            ("MAJOR_BRAND", "M4V "),
            ("MINOR_VERSION", "1"),
            ("ENCODER", "Lavf57.71.100"),
            ("HANDLER_NAME", "ETI ISO Video Media Handler"),
            ("ENCODER", "Elemental H.264"),
            ("DURATION", "00:00:10.000000000\u0000\u0000"),
        ]


def test_empty_mkv_with_tags_has_no_cluster_data_and_one_fragment_number(kvs_fixtures: Path) -> None:
    events = parse((kvs_fixtures / "empty-mkv-with-tags.mkv").read_bytes())

    assert blocks(events) == []
    assert [v for n, v in tags(events) if n == "AWS_KINESISVIDEO_FRAGMENT_NUMBER"] == [
        "91343852338378294813695855977007281634605393997"
    ]


def test_mixed_tags_has_ten_chunks_of_ten_blocks_with_interleaved_tags(kvs_fixtures: Path) -> None:
    chunks = chunks_of(parse((kvs_fixtures / "test_mixed_tags.mkv").read_bytes()))

    assert len(chunks) == 10
    assert [len(blocks(c)) for c in chunks] == [10] * 10
    producer = [[t for t in tags(c) if not t[0].startswith(AWS_PREFIX)] for c in chunks]
    assert producer[0] == [(f"testTag_{i % 5}", f"testTag_{i % 5}_Value") for i in range(10)]
    for later in producer[1:]:
        assert later == [(f"testTag_{i}", f"testTag_{i}_Value") for i in range(5)]
    for chunk in chunks:  # Tags come after the cluster's blocks as well as before them
        kinds = [type(e).__name__ for e in chunk]
        assert kinds.index("Frame") < len(kinds) - 1 - kinds[::-1].index("TagsParsed")


def test_tags_empty_cluster_is_one_segment_with_five_tags_and_no_blocks(kvs_fixtures: Path) -> None:
    data = (kvs_fixtures / "test_tags_empty_cluster.mkv").read_bytes()

    events = parse(data)

    assert events[0] == SegmentStarted(0)
    assert [type(e) for e in events].count(SegmentStarted) == 1
    assert tags(events) == [(f"testTag_{i}", f"testTag_{i}_Value") for i in range(5)]
    assert blocks(events) == []
