"""Faults the local KVS server injects on demand, seen through boto3 the way a reader sees them."""

from __future__ import annotations

import time

import pytest
from connect_transcribe.media.mkv import MkvError
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs
from urllib3.exceptions import ProtocolError

from tests.integration.dev.media import T0_MS, TRACKS, media_client, open_reader, parse_fragments, put_fragments

NOW = {"StartSelectorType": "NOW"}
EARLIEST = {"StartSelectorType": "EARLIEST"}


def test_cut_connections_truncates_a_live_body_after_the_given_bytes(kvs: LocalKvs) -> None:
    # Given a live reader that has received the start of a fragment
    arn = kvs.create_stream("cut")
    stream = kvs.stream(arn)
    reader = open_reader(kvs, arn, NOW)
    stream.begin_fragment(producer_timestamp_ms=T0_MS, tracks=TRACKS, tags=[])
    reader.wait_for(len(stream.fragments[-1].head))
    received = len(reader.data)

    # When its connection is cut 1500 bytes later, mid-fragment
    assert kvs.faults.cut_connections(arn, after_bytes=1500) == 1
    for k in range(3):
        stream.add_block(1, T0_MS + 64 * k, bytes(1024))
    reader.join()

    # Then the client got exactly those bytes and then a broken body, not a clean end
    assert len(reader.data) == received + 1500
    assert isinstance(reader.error, ProtocolError)


def test_cut_next_connection_affects_only_the_next_one(kvs: LocalKvs) -> None:
    # Given stored fragments and a cut scheduled for the next connection, right after 100 bytes
    arn = kvs.create_stream("cut-next")
    put_fragments(kvs.stream(arn), 3)
    assert kvs.faults.cut_connections(after_bytes=100, next_connections=1) == 0

    # When two readers connect one after the other
    first = open_reader(kvs, arn, EARLIEST)
    first.join()
    second = open_reader(kvs, arn, EARLIEST)
    second.join()

    # Then the first is broken after 100 bytes, the second reads everything
    assert len(first.data) == 100 and isinstance(first.error, ProtocolError)
    assert second.error is None and len(parse_fragments(bytes(second.data))) == 3


def test_cut_now_ends_an_idle_connection_at_once(make_kvs) -> None:
    kvs = make_kvs(idle_close_s=5)
    arn = kvs.create_stream("cut-idle")
    reader = open_reader(kvs, arn, NOW)  # returns once the server has registered the connection

    began = time.monotonic()
    kvs.faults.cut_connections()
    reader.join(timeout=4)

    # well before the 5 s idle close would have ended it (a wide bound: a loaded CI machine is slow, not wrong)
    assert time.monotonic() - began < 2.5
    assert isinstance(reader.error, ProtocolError)


def test_stall_holds_data_back_without_closing_the_connection(make_kvs) -> None:
    # Given a live reader on a server that closes idle responses after 0.2 s
    kvs = make_kvs(idle_close_s=0.2)
    arn = kvs.create_stream("stall")
    stream = kvs.stream(arn)
    reader = open_reader(kvs, arn, NOW)

    # When the stream stalls for 0.5 s while a fragment is produced
    kvs.faults.stall(0.5, stream=arn)
    stalled_at = time.monotonic()
    stream.put_fragment(producer_timestamp_ms=T0_MS, tracks=TRACKS, tags=[], blocks=[(1, T0_MS, b"x" * 10)])
    reader.join()

    # Then nothing arrived during the stall, the data came after it, and the response then ended cleanly
    first_at = reader.arrivals[0][0]
    assert 0.45 <= first_at - stalled_at < 1.5
    assert reader.error is None and len(parse_fragments(bytes(reader.data))) == 1


def test_inject_error_ends_readers_that_reach_it_with_error_tags(kvs: LocalKvs) -> None:
    # Given two fragments, an injected error, and one more fragment
    arn = kvs.create_stream("errors")
    stream = kvs.stream(arn)
    before = put_fragments(stream, 2)
    kvs.faults.inject_error(arn, "5000", "Internal error")
    after = put_fragments(stream, 1, first_ms=T0_MS + 5000)

    # When one reader reads from the start and another resumes after the second fragment
    from_start = open_reader(kvs, arn, EARLIEST)
    resumed = open_reader(kvs, arn, {"StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": before[-1]})
    from_start.join()
    resumed.join()

    # Then the first gets the two fragments and the error chunk, and its response ends there (cleanly)
    chunks = parse_fragments(bytes(from_start.data))
    assert [c.number for c in chunks[:2]] == before
    assert chunks[2].tags["AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"] == "5000"
    assert chunks[2].tags["AWS_KINESISVIDEO_EXCEPTION_MESSAGE"] == "Internal error"
    assert len(chunks) == 3 and from_start.error is None
    # And a reader starting past that point never sees it
    assert [c.number for c in parse_fragments(bytes(resumed.data))] == after


def test_corrupt_next_makes_the_next_fragment_unparseable(kvs: LocalKvs) -> None:
    # Given a good fragment, then corruption scheduled, then a fragment produced by a Connect-like producer
    arn = kvs.create_stream("corrupt")
    stream = kvs.stream(arn)
    [good] = put_fragments(stream, 1)
    kvs.faults.corrupt_next(arn)
    KvsProducer(stream, contact_id="c", speed=0, start_ms=T0_MS + 5000).play_pcm(bytes(4096), bytes(4096))
    bad = stream.fragments[-1]

    # When a reader parses the stream
    data = media_client(kvs, arn).get_media(StreamARN=arn, StartSelector=EARLIEST)["Payload"].read()

    # Then the parser fails inside the second fragment; the first one is intact
    with pytest.raises(MkvError) as error:
        parse_fragments(data)
    assert error.value.offset >= data.index(bad.head)
    assert parse_fragments(data[: data.index(bad.head)])[0].number == good


def test_a_new_contact_on_the_same_stream_continues_it(kvs: LocalKvs) -> None:
    # Given a stream that Connect reuses: one contact's audio, then another's
    arn = kvs.create_stream("reused")
    stream = kvs.stream(arn)
    first = KvsProducer(stream, contact_id="contact-a", speed=0, start_ms=T0_MS)
    first.play_pcm(bytes(16_000), bytes(16_000))
    second = KvsProducer(stream, contact_id="contact-b", speed=0, start_ms=T0_MS + 60_000)
    second.play_pcm(bytes(16_000), bytes(16_000))

    # When a reader reads the whole stream
    fragments = parse_fragments(open_reader(kvs, arn, EARLIEST).join_data())

    # Then the ContactId tag changes at the second contact's first fragment, which the producer reported
    contacts = [f.tags["ContactId"] for f in fragments]
    assert contacts == ["contact-a"] * len(first.fragment_numbers) + ["contact-b"] * len(second.fragment_numbers)
    assert fragments[len(first.fragment_numbers)].number == second.first_fragment_number
