"""The local KVS server driven by unmodified boto3 clients: control plane, GetMedia selectors, live delivery,
idle close, limits, GetMediaForFragmentList."""

from __future__ import annotations

import threading
import time

import pytest
from botocore.exceptions import ClientError
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs
from connect_transcribe_dev.kvs_store import FRAGMENT_NUMBER_BASE, LocalStream
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.integration.dev.media import (
    T0_MS,
    TRACKS,
    aws_client,
    media_client,
    open_reader,
    parse_fragments,
    put_fragments,
)

NOW = {"StartSelectorType": "NOW"}


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def get_media(kvs: LocalKvs, arn: str, selector: dict) -> bytes:
    response = media_client(kvs, arn).get_media(StreamARN=arn, StartSelector=selector)
    assert response["ContentType"] == "video/webm"
    return response["Payload"].read()


def numbers_in(data: bytes) -> list[str | None]:
    return [f.number for f in parse_fragments(data)]


# -- control plane ------------------------------------------------------------------------------------------------


def test_get_data_endpoint_and_describe_stream_answer_for_known_streams(kvs: LocalKvs) -> None:
    # Given a stream on the server
    arn = kvs.create_stream("connect-contact-1")
    control = aws_client("kinesisvideo", kvs.endpoint_url)

    # When a reader asks for the data endpoint by name and by ARN
    by_name = control.get_data_endpoint(StreamName="connect-contact-1", APIName="GET_MEDIA")
    by_arn = control.get_data_endpoint(StreamARN=arn, APIName="GET_MEDIA_FOR_FRAGMENT_LIST")
    info = control.describe_stream(StreamARN=arn)["StreamInfo"]

    # Then both point at this server, and the stream describes itself like KVS does
    assert by_name["DataEndpoint"] == by_arn["DataEndpoint"] == kvs.endpoint_url
    assert arn.startswith("arn:aws:kinesisvideo:us-east-1:123456789012:stream/connect-contact-1/")
    assert (info["StreamName"], info["StreamARN"], info["Status"]) == ("connect-contact-1", arn, "ACTIVE")


def test_unknown_streams_are_resource_not_found_on_both_planes(kvs: LocalKvs) -> None:
    control = aws_client("kinesisvideo", kvs.endpoint_url)
    media = aws_client("kinesis-video-media", kvs.endpoint_url)
    missing = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/nope/1"

    with pytest.raises(ClientError) as endpoint_error:
        control.get_data_endpoint(StreamARN=missing, APIName="GET_MEDIA")
    with pytest.raises(ClientError) as media_error:
        media.get_media(StreamARN=missing, StartSelector=NOW)

    for error in (endpoint_error.value, media_error.value):
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_create_stream_through_the_api_and_invalid_selectors_are_rejected(kvs: LocalKvs) -> None:
    control = aws_client("kinesisvideo", kvs.endpoint_url)
    arn = control.create_stream(StreamName="made-by-api")["StreamARN"]
    media = media_client(kvs, arn)

    with pytest.raises(ClientError) as error:
        media.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "FRAGMENT_NUMBER"})

    assert kvs.stream("made-by-api").arn == arn
    assert error.value.response["Error"]["Code"] == "InvalidArgumentException"


# -- GetMedia selectors -------------------------------------------------------------------------------------------


@pytest.fixture
def four_fragments(make_kvs) -> tuple[LocalKvs, str, list[str]]:
    """Four complete one-second fragments; server timestamps 10 s apart (fake server clock)."""
    clock = FakeClock(1_800_000_000.0)
    kvs = make_kvs(clock=clock)
    arn = kvs.create_stream("selectors")
    stream = kvs.stream(arn)
    numbers = []
    for k in range(4):
        clock.now = 1_800_000_000.0 + 10 * k
        numbers += put_fragments(stream, 1, first_ms=T0_MS + k * 1000)
    return kvs, arn, numbers


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ({"StartSelectorType": "EARLIEST"}, [0, 1, 2, 3]),
        ({"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": "#1"}, [2, 3]),
        ({"StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": "#0"}, [1, 2, 3]),
        ({"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": "#3"}, []),
        ({"StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": (T0_MS + 2500) / 1000}, [2, 3]),
        ({"StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": (T0_MS + 1000) / 1000}, [1, 2, 3]),
        ({"StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": (T0_MS - 60_000) / 1000}, [0, 1, 2, 3]),
        ({"StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": (T0_MS + 60_000) / 1000}, [3]),
        ({"StartSelectorType": "SERVER_TIMESTAMP", "StartTimestamp": 1_800_000_015.0}, [1, 2, 3]),
        ({"StartSelectorType": "NOW"}, []),
    ],
    ids=lambda v: v["StartSelectorType"] if isinstance(v, dict) else None,
)
def test_each_selector_starts_at_the_fragment_kvs_would_start_at(four_fragments, selector, expected) -> None:
    # Given four complete fragments
    kvs, arn, numbers = four_fragments
    selector = {k: numbers[int(v[1:])] if isinstance(v, str) and v.startswith("#") else v for k, v in selector.items()}

    # When a reader calls GetMedia and reads until the caught-up response closes
    data = get_media(kvs, arn, selector)

    # Then it got exactly the expected fragments, in order
    assert numbers_in(data) == [numbers[i] for i in expected]


def test_fragments_carry_kvs_tags_and_their_blocks(four_fragments) -> None:
    kvs, arn, numbers = four_fragments

    fragments = parse_fragments(get_media(kvs, arn, {"StartSelectorType": "EARLIEST"}))

    for k, fragment in enumerate(fragments):
        assert fragment.tags == {
            "ContactId": "contact-1",
            "AWS_KINESISVIDEO_FRAGMENT_NUMBER": numbers[k],
            "AWS_KINESISVIDEO_SERVER_TIMESTAMP": f"{1_800_000_000 + 10 * k}.000",
            "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP": f"{(T0_MS + k * 1000) // 1000}.000",
        }
        # millis behind now: how far this fragment's server time is from the newest fragment's
        assert fragment.trailing == {
            "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW": str((3 - k) * 10_000),
            "AWS_KINESISVIDEO_CONTINUATION_TOKEN": numbers[k],
        }
        assert {t.name for t in fragment.tracks.values()} == {"AUDIO_FROM_CUSTOMER", "AUDIO_TO_CUSTOMER"}
        assert [(f.track, f.timecode_ms, f.payload) for f in fragment.frames] == [
            (1, T0_MS + k * 1000, bytes([k]) * 1024),
            (2, T0_MS + k * 1000, bytes([100 + k]) * 1024),
        ]
    assert all(len(n) == 47 and n.isdigit() for n in numbers)
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers) and int(numbers[0]) >= FRAGMENT_NUMBER_BASE


def test_a_fragment_number_kvs_does_not_have_is_an_error_chunk(four_fragments) -> None:
    kvs, arn, _ = four_fragments
    missing = str(FRAGMENT_NUMBER_BASE - 1)

    [chunk] = parse_fragments(
        get_media(kvs, arn, {"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": missing})
    )

    assert chunk.tags["AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"] == "4000"
    assert chunk.tags["AWS_KINESISVIDEO_FRAGMENT_NUMBER"] == missing
    assert chunk.frames == []


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(st.integers(0, 100_000), min_size=1, max_size=8, unique=True).map(sorted),
    wanted=st.integers(-1000, 110_000),
)
def test_timestamp_selector_picks_the_last_fragment_starting_at_or_before(starts: list[int], wanted: int) -> None:
    # Given fragments at increasing producer timestamps
    stream = LocalStream("prop", "arn:aws:kinesisvideo:us-east-1:1:stream/prop/1", 0)
    for start in starts:
        stream.put_fragment(producer_timestamp_ms=T0_MS + start, tracks=TRACKS, tags=(), blocks=())

    # When a reader starts at a producer timestamp
    with stream.changed:
        cursor = stream.start({"StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": (T0_MS + wanted) / 1000})

    # Then it starts at the latest fragment starting at or before it, or the first if it precedes them all
    at_or_before = [i for i, s in enumerate(starts) if s <= wanted]
    assert not isinstance(cursor, bytes)
    assert cursor.index == (at_or_before[-1] if at_or_before else 0)


# -- live delivery ------------------------------------------------------------------------------------------------


def test_block_mode_delivers_each_block_as_it_is_added(kvs: LocalKvs) -> None:
    # Given a reader at the live edge of an empty stream (NOW)
    arn = kvs.create_stream("live")
    stream = kvs.stream(arn)
    reader = open_reader(kvs, arn, NOW)

    # When a fragment is produced block by block, 40 ms apart
    stream.begin_fragment(producer_timestamp_ms=T0_MS, tracks=TRACKS, tags=[("ContactId", "c")])
    sent = [(time.monotonic(), len(stream.fragments[-1].head))]
    for k in range(5):
        time.sleep(0.04)
        stream.add_block(1 + k % 2, T0_MS + 64 * (k // 2), bytes(1024))
        sent.append((time.monotonic(), len(stream.fragments[-1].data)))
    stream.end_fragment()
    reader.join()

    # Then every block reached the client within 100 ms of being added, and the fragment is whole
    latencies = [reader.arrival_of(size) - at for at, size in sent]
    assert max(latencies) < 0.1, latencies
    assert reader.error is None
    [fragment] = parse_fragments(bytes(reader.data))
    assert len(fragment.frames) == 5 and fragment.trailing["AWS_KINESISVIDEO_CONTINUATION_TOKEN"] == fragment.number


def test_botocore_raw_stream_read1_returns_each_block_without_waiting_for_more(kvs: LocalKvs) -> None:
    """StreamingBody.read(n) waits for n bytes; its urllib3 stream's read1 returns each HTTP chunk as it lands."""
    # Given a live GetMedia body and a fragment whose head the reader has consumed
    arn = kvs.create_stream("read1")
    stream = kvs.stream(arn)
    body = media_client(kvs, arn).get_media(StreamARN=arn, StartSelector=NOW)["Payload"]
    stream.begin_fragment(producer_timestamp_ms=T0_MS, tracks=TRACKS, tags=[])
    head = body._raw_stream.read1(1 << 16)

    # When one block is added
    stream.add_block(1, T0_MS, b"\x01" * 1024)
    added = time.monotonic()
    block = body._raw_stream.read1(1 << 16)

    # Then read1 returns exactly that block (the SimpleBlock element), promptly
    assert head == stream.fragments[-1].head
    assert block == stream.fragments[-1].blocks[0]
    assert time.monotonic() - added < 0.1
    body.close()


def test_now_starts_with_the_fragment_being_produced(kvs: LocalKvs) -> None:
    # Given a fragment in progress, one block in
    arn = kvs.create_stream("now")
    stream = kvs.stream(arn)
    put_fragments(stream, 1)
    number = stream.begin_fragment(producer_timestamp_ms=T0_MS + 1000, tracks=TRACKS, tags=[])
    stream.add_block(1, T0_MS + 1000, b"early")

    # When a reader asks for NOW and the fragment then completes
    reader = open_reader(kvs, arn, NOW)
    stream.add_block(1, T0_MS + 1064, b"late")
    stream.end_fragment()
    reader.join()

    # Then it gets that fragment from its start (both blocks), not the completed one before it
    [fragment] = parse_fragments(bytes(reader.data))
    assert fragment.number == number
    assert [f.payload for f in fragment.frames] == [b"early", b"late"]


def test_fragment_mode_delivers_only_whole_fragments(make_kvs) -> None:
    # Given a server in fragment-level delivery and a live reader (the fragment's blocks do not count as data for the
    # idle close, so it must outlast their production even on a loaded machine: 0.2 s did not in CI)
    kvs = make_kvs(delivery="fragment", idle_close_s=1.5)
    arn = kvs.create_stream("whole")
    stream = kvs.stream(arn)
    reader = open_reader(kvs, arn, NOW)

    # When a fragment is produced block by block
    stream.begin_fragment(producer_timestamp_ms=T0_MS, tracks=TRACKS, tags=[])
    for k in range(4):
        stream.add_block(1, T0_MS + 64 * k, bytes(1024))
        time.sleep(0.03)
    assert reader.data == b""  # nothing before the fragment is complete
    stream.end_fragment()
    ended = time.monotonic()
    reader.join()

    # Then the whole fragment arrived at once, promptly, including its trailing tags
    first_at, first_size = reader.arrivals[0]
    assert first_at - ended < 0.1
    [fragment] = parse_fragments(bytes(reader.data[:first_size]))
    assert len(fragment.frames) == 4 and "AWS_KINESISVIDEO_CONTINUATION_TOKEN" in fragment.trailing


def test_a_caught_up_response_ends_cleanly_after_idle_close(make_kvs) -> None:
    kvs = make_kvs(idle_close_s=0.3)
    arn = kvs.create_stream("idle")
    put_fragments(kvs.stream(arn), 1)

    began = time.monotonic()
    data = get_media(kvs, arn, {"StartSelectorType": "EARLIEST"})  # a clean end: read() raises on a broken body
    elapsed = time.monotonic() - began

    assert len(parse_fragments(data)) == 1
    assert 0.3 <= elapsed < 1.5


def test_concurrent_calls_each_stream_their_own_contact(make_kvs) -> None:
    # Given eight streams, each with a live reader
    kvs = make_kvs(idle_close_s=10)
    calls = 8
    arns = [kvs.create_stream(f"call-{i}") for i in range(calls)]
    readers = [open_reader(kvs, arn, NOW) for arn in arns]

    # When all eight calls play one second of audio at the same time (10x real time)
    producers = [KvsProducer(kvs.stream(arn), contact_id=f"contact-{i}", speed=10) for i, arn in enumerate(arns)]
    threads = [p.start(bytes([i]) * 16_000, bytes([i]) * 16_000) for i, p in enumerate(producers)]
    for thread in threads:
        thread.join()
    for reader, producer in zip(readers, producers, strict=True):
        reader.wait_for_fragment(producer.fragment_numbers[-1])

    # Then each reader got its own contact's audio, complete
    for i, reader in enumerate(readers):
        fragments = parse_fragments(bytes(reader.data))
        assert {f.tags["ContactId"] for f in fragments} == {f"contact-{i}"}
        assert b"".join(f.payload for fr in fragments for f in fr.frames) == bytes([i]) * 32_000


# -- limits -------------------------------------------------------------------------------------------------------


def test_more_get_media_calls_per_second_than_allowed_are_throttled(make_kvs) -> None:
    kvs = make_kvs(max_get_media_per_s=2, max_connections_per_stream=10, idle_close_s=0.05)
    arn = kvs.create_stream("busy")
    media = media_client(kvs, arn)

    for _ in range(2):
        media.get_media(StreamARN=arn, StartSelector=NOW)["Payload"].close()
    with pytest.raises(ClientError) as error:
        media.get_media(StreamARN=arn, StartSelector=NOW)
    time.sleep(1.0)  # the window is one second
    media.get_media(StreamARN=arn, StartSelector=NOW)["Payload"].close()

    assert error.value.response["Error"]["Code"] == "ClientLimitExceededException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [e["status"] for e in kvs.get_media_log] == [200, 200, 400, 200]
    assert all(e["stream"] == "busy" and e["selector"] == NOW for e in kvs.get_media_log)


def test_more_concurrent_connections_than_allowed_are_refused_until_one_closes(make_kvs) -> None:
    # Given two open GetMedia connections on a stream that allows two
    kvs = make_kvs(max_connections_per_stream=2, max_get_media_per_s=100, idle_close_s=5)
    arn = kvs.create_stream("crowded")
    other = kvs.create_stream("quiet")
    media = media_client(kvs, arn)
    first = media.get_media(StreamARN=arn, StartSelector=NOW)["Payload"]
    media.get_media(StreamARN=arn, StartSelector=NOW)

    # When a third connects, Then it is refused; another stream is not affected
    with pytest.raises(ClientError) as error:
        media.get_media(StreamARN=arn, StartSelector=NOW)
    assert error.value.response["Error"]["Code"] == "ConnectionLimitExceededException"
    media.get_media(StreamARN=other, StartSelector=NOW)

    # When one client hangs up, Then a new connection is accepted soon after
    first.close()
    deadline = time.monotonic() + 2
    while True:
        try:
            media.get_media(StreamARN=arn, StartSelector=NOW)
            break
        except ClientError:
            assert time.monotonic() < deadline, "the closed connection was never released"
            time.sleep(0.05)


# -- GetMediaForFragmentList --------------------------------------------------------------------------------------


def test_get_media_for_fragment_list_returns_the_named_fragments_in_order(four_fragments) -> None:
    kvs, arn, numbers = four_fragments
    control = aws_client("kinesisvideo", kvs.endpoint_url)
    endpoint = control.get_data_endpoint(StreamARN=arn, APIName="GET_MEDIA_FOR_FRAGMENT_LIST")["DataEndpoint"]
    archived = aws_client("kinesis-video-archived-media", endpoint)

    response = archived.get_media_for_fragment_list(StreamARN=arn, Fragments=[numbers[2], numbers[0]])
    fragments = parse_fragments(response["Payload"].read())
    missing = parse_fragments(archived.get_media_for_fragment_list(StreamARN=arn, Fragments=["1"])["Payload"].read())

    assert [f.number for f in fragments] == [numbers[2], numbers[0]]
    assert fragments[0].tags["AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"] == f"{(T0_MS + 2000) // 1000}.000"
    assert [len(f.frames) for f in fragments] == [2, 2] and fragments[0].trailing == {}
    assert missing[0].tags["AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"] == "4000"


def test_a_stream_is_served_while_it_is_being_written(kvs: LocalKvs) -> None:
    """Many writers and readers at once: the server never hands out a half-updated fragment."""
    arn = kvs.create_stream("busy-writer")
    stream = kvs.stream(arn)
    writer = threading.Thread(target=put_fragments, args=(stream, 40))
    writer.start()
    readers = [open_reader(kvs, arn, {"StartSelectorType": "EARLIEST"}) for _ in range(3)]
    writer.join()

    for reader in readers:
        reader.join()
        fragments = parse_fragments(bytes(reader.data))
        assert all(len(f.frames) == 2 for f in fragments)
        assert [f.number for f in fragments] == [f.number for f in stream.fragments[: len(fragments)]]
