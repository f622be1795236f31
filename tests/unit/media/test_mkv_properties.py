"""Properties of the streaming parser: chunking never changes the result; corrupt input only ever raises MkvError."""

from __future__ import annotations

import random
import time
import tracemalloc
from pathlib import Path

import pytest
from connect_transcribe.media.mkv import (
    CLUSTER,
    CODEC_ID,
    SIMPLE_BLOCK,
    SIMPLE_TAG,
    TAG,
    TAG_STRING,
    TAGS,
    TRACK_ENTRY,
    TRACKS,
    VOID,
    MkvError,
    MkvEvent,
    MkvStreamParser,
)
from connect_transcribe.media.mkv_writer import UNKNOWN_SIZE, ebml_header, element_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.media.streams import connect_call, parse_chunks, split

# Derandomized so CI runs the same examples every time; sizes keep this module to a few seconds.
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
MAX_ELEMENT = 64 * 1024

Outcome = tuple[list[MkvEvent], tuple[type, int, str | None] | None]


def outcome(chunks: list[bytes], max_element_size: int = MAX_ELEMENT) -> Outcome:
    events, error = parse_chunks(chunks, max_element_size=max_element_size)
    return events, None if error is None else (type(error), error.offset, error.element)


@st.composite
def connect_streams(draw: st.DrawFn) -> bytes:
    customer = draw(st.integers(1, 300))
    agent = draw(st.integers(1, 300).filter(lambda n: n != customer))
    return connect_call(
        fragments=draw(st.integers(1, 3)),
        blocks=draw(st.integers(0, 4)),
        block_bytes=draw(st.integers(0, 200)),
        numbers=(customer, agent),
    )


@st.composite
def streams_and_cuts(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    data = draw(connect_streams())
    cuts = draw(st.lists(st.integers(0, len(data)), max_size=40))
    return data, cuts


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(connect_streams()))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        if kind == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        else:
            del data[at : at + draw(st.integers(1, 12))]
    return bytes(data)


@PROPERTY
@given(streams_and_cuts())
def test_any_chunking_gives_the_same_events_as_one_piece(case: tuple[bytes, list[int]]) -> None:
    data, cuts = case

    whole = outcome([data])
    pieces = outcome(split(data, cuts))

    assert whole[1] is None
    assert pieces == whole


def test_one_byte_chunks_give_the_same_events_as_one_piece() -> None:
    data = connect_call(fragments=2, blocks=3, block_bytes=64)

    assert outcome([data[i : i + 1] for i in range(len(data))]) == outcome([data])


@pytest.mark.parametrize("name", ["test_mixed_tags.mkv", "output_get_media.mkv"])
def test_real_recordings_parse_the_same_in_any_chunking(kvs_fixtures: Path, name: str) -> None:
    data = (kvs_fixtures / name).read_bytes()
    limit = 1 << 20  # video frames are larger than audio ones
    whole = outcome([data], limit)
    rng = random.Random(name)

    for size in (1, 7, 4096, 65536) if len(data) < 100_000 else (4093, 65536, 1 << 20):
        assert outcome([data[i : i + size] for i in range(0, len(data), size)], limit) == whole, size
    for _ in range(5):
        assert outcome(split(data, [rng.randrange(len(data)) for _ in range(50)]), limit) == whole
    assert whole[1] is None


@PROPERTY
@given(corrupted(), st.lists(st.integers(0, 10_000), max_size=20))
def test_corrupt_input_raises_only_mkv_errors_the_same_way_in_any_chunking(data: bytes, cuts: list[int]) -> None:
    # Given damaged bytes: flips, truncations, insertions, deletions
    # When parsed in one piece and in random pieces (anything but MkvError escapes and fails the test)
    whole = outcome([data])
    pieces = outcome(split(data, cuts))

    # Then the same events and the same fault (type, offset, element) come out
    assert pieces == whole
    if whole[1] is not None:
        assert 0 <= whole[1][1] <= len(data)


# Where an element is read (or skipped): the bytes before its header, and its id. The masters around it declare
# huge sizes too: nothing is held for a master.
SEGMENT_OPEN = ebml_header() + element_id(0x18538067) + UNKNOWN_SIZE


def big(depth: int) -> bytes:
    """A huge 8-byte size for a master, shrinking with depth so that children fit in their parents."""
    return (((1 << 56) - 2 - depth * 100) | (1 << 56)).to_bytes(8, "big")


IN_TRACK_ENTRY = SEGMENT_OPEN + element_id(TRACKS) + big(0) + element_id(TRACK_ENTRY) + big(1)
CONTEXTS = {
    "SimpleBlock": (SEGMENT_OPEN + element_id(CLUSTER) + UNKNOWN_SIZE + b"\xe7\x81\x00", element_id(SIMPLE_BLOCK)),
    "TagString": (
        SEGMENT_OPEN + element_id(TAGS) + big(0) + element_id(TAG) + big(1) + element_id(SIMPLE_TAG) + big(2),
        element_id(TAG_STRING),
    ),
    "CodecID": (IN_TRACK_ENTRY, element_id(CODEC_ID)),
    "Void": (SEGMENT_OPEN, element_id(VOID)),
    "0x5FFF": (IN_TRACK_ENTRY, b"\x5f\xff"),  # an id the parser does not know
}


@PROPERTY
@given(st.sampled_from(sorted(CONTEXTS)), st.integers(MAX_ELEMENT + 1, (1 << 56) - 1000))
def test_a_huge_declared_size_fails_at_the_header_without_allocating(name: str, size: int) -> None:
    # Given an element header declaring more than max_element_size
    before, eid = CONTEXTS[name]
    parser = MkvStreamParser(max_element_size=MAX_ELEMENT)
    tracemalloc.start()
    try:
        # When only its header has arrived
        with pytest.raises(MkvError) as caught:
            parser.feed(before + eid + (size | (1 << 56)).to_bytes(8, "big"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then it is refused right there, naming the element and its offset, having held next to nothing
    assert (caught.value.element, caught.value.offset) == (name, len(before))
    assert peak < 256 * 1024


FUZZ_SECONDS = 3.0


def test_fuzz_mutated_recordings_and_calls_for_a_bounded_time(kvs_fixtures: Path) -> None:
    """Many random mutations of real and generated streams, random chunking; stops after FUZZ_SECONDS."""
    seeds = [
        (kvs_fixtures / "test_mixed_tags.mkv").read_bytes(),
        (kvs_fixtures / "empty-mkv-with-tags.mkv").read_bytes(),
        (kvs_fixtures / "output_get_media.mkv").read_bytes()[:60_000],
        connect_call(fragments=2, blocks=4, block_bytes=256),
    ]
    rng = random.Random(20261124)
    deadline = time.monotonic() + FUZZ_SECONDS
    runs = faults = 0
    while time.monotonic() < deadline:
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data) + 1)
            kind = rng.randrange(4)
            if kind == 0 and at < len(data):
                data[at] = rng.randrange(256)
            elif kind == 1:
                data[at:at] = rng.randbytes(rng.randint(1, 16))
            elif kind == 2:
                del data[at : at + rng.randint(1, 16)]
            else:
                data[at : at + 8] = rng.choice(
                    [b"\x01\xff\xff\xff\xff\xff\xff\xff", b"\x08\x00\x00\x00\x00\x00\x00\x00"]
                )
        size = rng.choice([1, 3, 100, 4096, 65536])
        chunks = [bytes(data[i : i + size]) for i in range(0, len(data), size)]
        _, error = parse_chunks(chunks, max_element_size=MAX_ELEMENT)  # anything but MkvError fails the test
        runs += 1
        faults += error is not None
    assert runs > 20
    assert faults > 0
