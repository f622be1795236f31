"""KvsReader against the local KVS server through real boto3 clients: start selectors, reconnects, stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from connect_transcribe.adapters.kvs import KvsMediaSource
from connect_transcribe.media.connect_stream import AudioFrame, FragmentTagged, KvsStreamError
from connect_transcribe.media.mkv import MkvError
from connect_transcribe.media.ports import MediaRejected, Selector, SelectorType
from connect_transcribe.media.reader import KvsReader, MediaEnded, ReaderSettings
from connect_transcribe.models.api import Role
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs

START_MS = 1_700_000_000_000
FAST = ReaderSettings(end_of_stream_s=0.6, min_call_interval_s=0.05, backoff_base_s=0.02, give_up_after_s=3)


def pcm(seconds: float, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return rng.integers(-4000, 4000, int(8000 * seconds), dtype=np.int16).tobytes()


@pytest.fixture
def kvs() -> Iterator[LocalKvs]:
    with LocalKvs(idle_close_s=0.3, max_get_media_per_s=5) as server:
        yield server


@pytest.fixture
def source(kvs: LocalKvs) -> KvsMediaSource:
    return KvsMediaSource(endpoint_url=kvs.endpoint_url, read_timeout_s=1.0)


def recorded(kvs: LocalKvs, seconds: float = 5.0, contact: str = "contact-1") -> tuple[str, KvsProducer, bytes, bytes]:
    """Given a stream that already holds `seconds` of two-party audio."""
    arn = kvs.create_stream(f"connect-{contact}")
    customer, agent = pcm(seconds, 1), pcm(seconds, 2)
    producer = KvsProducer(kvs.stream(arn), contact_id=contact, speed=0, start_ms=START_MS, track_numbers=(2, 1))
    producer.play_pcm(customer, agent)
    return arn, producer, customer, agent


def since(frames: list[AudioFrame], audio: bytes) -> bytes:
    """The produced audio from the first frame read on (16 bytes per ms)."""
    return audio[(frames[0].timestamp_ms - START_MS) * 16 :]


def read_all(reader: KvsReader) -> tuple[dict[Role, bytearray], list[AudioFrame]]:
    audio: dict[Role, bytearray] = {Role.CUSTOMER: bytearray(), Role.AGENT: bytearray()}
    frames: list[AudioFrame] = []
    with pytest.raises(MediaEnded):
        for event in reader.events():
            if isinstance(event, AudioFrame):
                audio[event.role] += event.pcm
                frames.append(event)
    return audio, frames


def test_earliest_reads_both_participants_byte_exact_by_track_name(kvs: LocalKvs, source: KvsMediaSource) -> None:
    # Given a recorded call whose customer track is number 2 (Connect does not fix the numbers)
    arn, _, customer, agent = recorded(kvs)
    # When it is read from the start
    audio, frames = read_all(KvsReader(source, arn, Selector(SelectorType.EARLIEST), settings=FAST))
    # Then each participant's audio is exactly what was produced, with producer timestamps
    assert bytes(audio[Role.CUSTOMER]) == customer
    assert bytes(audio[Role.AGENT]) == agent
    assert frames[0].timestamp_ms == START_MS
    assert frames[-1].timestamp_ms == START_MS + 4_992


def test_fragment_number_starts_after_that_fragment(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn, producer, customer, _ = recorded(kvs)
    second = producer.fragment_numbers[1]
    audio, frames = read_all(
        KvsReader(source, arn, Selector(SelectorType.FRAGMENT_NUMBER, fragment_number=second), settings=FAST)
    )
    # KVS semantics: the first fragment returned is the one after AfterFragmentNumber
    assert frames[0].fragment.number == producer.fragment_numbers[2]
    assert frames[0].timestamp_ms > START_MS + 1_000
    assert bytes(audio[Role.CUSTOMER]) == since(frames, customer)


def test_start_fragment_timestamp_lookup_keeps_connects_first_fragment(kvs: LocalKvs, source: KvsMediaSource) -> None:
    # Given Connect's StartFragmentNumber (the call's first fragment)
    arn, producer, customer, _ = recorded(kvs)
    first = producer.fragment_numbers[0]
    # When the reader starts at that fragment's producer timestamp instead of "after" it
    ts = source.fragment_timestamp_ms(arn, first)
    assert ts == START_MS
    audio, frames = read_all(
        KvsReader(source, arn, Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=ts), settings=FAST)
    )
    # Then no audio of the first fragment is lost
    assert frames[0].fragment.number == first
    assert bytes(audio[Role.CUSTOMER]) == customer


def test_unknown_fragment_number_has_no_timestamp(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn, _, _, _ = recorded(kvs, seconds=1)
    assert source.fragment_timestamp_ms(arn, "91343852333181432392682062607743920146159169392") is None


def test_producer_timestamp_starts_at_the_fragment_containing_it(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn, producer, customer, _ = recorded(kvs)
    audio, frames = read_all(
        KvsReader(source, arn, Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=START_MS + 3_500), settings=FAST)
    )
    assert frames[0].fragment.number == producer.fragment_numbers[3]
    assert frames[0].timestamp_ms <= START_MS + 3_500
    assert bytes(audio[Role.CUSTOMER]) == since(frames, customer)


def test_continuation_token_starts_after_the_tokens_fragment(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn, producer, customer, _ = recorded(kvs)
    token = producer.fragment_numbers[0]
    audio, frames = read_all(
        KvsReader(source, arn, Selector(SelectorType.CONTINUATION_TOKEN, token=token), settings=FAST)
    )
    assert frames[0].fragment.number == producer.fragment_numbers[1]
    assert bytes(audio[Role.CUSTOMER]) == since(frames, customer)


def test_now_starts_with_the_fragment_being_produced(kvs: LocalKvs, source: KvsMediaSource) -> None:
    # Given a live call, 2 s in
    arn = kvs.create_stream("connect-live")
    customer, agent = pcm(4, 3), pcm(4, 4)
    producer = KvsProducer(kvs.stream(arn), contact_id="live", speed=4.0, start_ms=START_MS)
    producer.start(customer, agent)
    while len(producer.fragment_numbers) < 3:
        threading.Event().wait(0.01)
    # When a reader starts at NOW
    audio, frames = read_all(KvsReader(source, arn, Selector(SelectorType.NOW), settings=FAST))
    # Then it gets the current fragment from its start, and everything after it
    first = producer.fragment_numbers.index(frames[0].fragment.number or "")
    assert first >= 2
    assert frames[0].timestamp_ms == kvs.stream(arn).fragment(frames[0].fragment.number or "").producer_timestamp_ms
    assert bytes(audio[Role.CUSTOMER]) == since(frames, customer)


@pytest.mark.parametrize("cut_at_bytes", [300, 9_000, 20_000])
def test_connection_cut_mid_fragment_resumes_byte_exact(
    kvs: LocalKvs, source: KvsMediaSource, cut_at_bytes: int
) -> None:
    # Given a live call whose GetMedia connection is cut in the middle of a fragment
    arn = kvs.create_stream("connect-cut")
    customer, agent = pcm(6, 5), pcm(6, 6)
    producer = KvsProducer(kvs.stream(arn), contact_id="cut", speed=8.0, start_ms=START_MS)
    producer.start(customer, agent)
    producer.started.wait(5)
    reader = KvsReader(source, arn, Selector(SelectorType.EARLIEST), settings=FAST)
    kvs.faults.cut_connections(arn, after_bytes=cut_at_bytes, next_connections=1)  # this stream only
    # When the reader carries on
    audio, _ = read_all(reader)
    # Then audio across the cut is exactly the produced audio: nothing lost, nothing repeated
    assert reader.reconnects >= 1
    assert bytes(audio[Role.CUSTOMER]) == customer
    assert bytes(audio[Role.AGENT]) == agent


def test_end_of_stream_after_no_new_audio(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn, _, _, _ = recorded(kvs, seconds=1)
    reader = KvsReader(source, arn, Selector(SelectorType.EARLIEST), settings=FAST)
    with pytest.raises(MediaEnded, match="no new audio"):
        for _ in reader.events():
            pass


def test_reconnects_stay_within_kvs_limits(kvs: LocalKvs, source: KvsMediaSource) -> None:
    # Given a stream with no audio whose connections close quickly (idle), read for ~1.5 s
    arn = kvs.create_stream("connect-idle")
    kvs.idle_close_s = 0.02
    settings = ReaderSettings(end_of_stream_s=1.5, min_call_interval_s=0.25)
    with pytest.raises(MediaEnded):
        for _ in KvsReader(source, arn, Selector(SelectorType.NOW), settings=settings).events():
            pass
    # Then no second saw more than 5 GetMedia calls (KVS' per-stream limit), and the server refused none
    times = [call["at"] for call in kvs.get_media_log]
    assert len(times) >= 3
    assert all(sum(1 for t in times if s <= t < s + 1.0) <= 5 for s in times)


def test_error_tag_surfaces_as_typed_error(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn, _, _, _ = recorded(kvs, seconds=2)
    kvs.faults.inject_error(arn, "ResourceNotFoundException", "Stream deleted")
    with pytest.raises(KvsStreamError) as err:
        for _ in KvsReader(source, arn, Selector(SelectorType.EARLIEST), settings=FAST).events():
            pass
    assert err.value.code == "ResourceNotFoundException"


def test_corrupt_bytes_fail_with_a_precise_parser_error(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn = kvs.create_stream("connect-corrupt")
    kvs.faults.corrupt_next(arn, nbytes=4)
    KvsProducer(kvs.stream(arn), contact_id="x", speed=0, start_ms=START_MS).play_pcm(pcm(2, 7), pcm(2, 8))
    with pytest.raises(MkvError) as err:
        for _ in KvsReader(source, arn, Selector(SelectorType.EARLIEST), settings=FAST).events():
            pass
    assert err.value.offset > 0


def test_unknown_stream_is_rejected_without_retrying(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/missing/1"
    with pytest.raises(MediaRejected):
        for _ in KvsReader(source, arn, Selector(SelectorType.NOW), settings=FAST).events():
            pass


def test_contact_id_tag_is_reported_per_fragment(kvs: LocalKvs, source: KvsMediaSource) -> None:
    arn, _, _, _ = recorded(kvs, seconds=2, contact="first")
    KvsProducer(kvs.stream(arn), contact_id="second", speed=0, start_ms=START_MS + 2_000).play_pcm(pcm(1, 9), pcm(1, 9))
    contacts = []
    with pytest.raises(MediaEnded):
        for event in KvsReader(source, arn, Selector(SelectorType.EARLIEST), settings=FAST).events():
            if isinstance(event, FragmentTagged):
                contacts.append(event.fragment.contact_id)
    assert contacts == ["first", "first", "second"]
