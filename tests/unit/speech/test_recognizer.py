"""The streaming recognizer with a fake VAD, decoder, clock and pool: the stage timings each utterance carries, and
delivery handed to someone else (a Future) counting only once it completes."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from connect_transcribe.speech.endpointer import EndpointSettings
from connect_transcribe.speech.recognizer import Utterance

from tests.unit.speech.fakes import FakeClock, FakeDecoder, ManualPool, recognizer, silence, tone

CHUNK = 1024  # bytes: 64 ms, as the gateway feeds
PLAIN = EndpointSettings(early_decode=False)  # every decode after the close


def feed_in_real_time(stream, pcm: bytes, clock: FakeClock) -> None:
    """64 ms chunks, each fed when its last sample has been spoken."""
    for offset in range(0, len(pcm), CHUNK):
        clock.advance(0.064)
        stream.feed(pcm[offset : offset + CHUNK])


def test_each_utterance_carries_where_its_latency_went() -> None:
    # Given a stream fed in real time: 1,024 ms of speech, then silence; the pool starts decoding 150 ms after the
    # close, and a decode takes 40 ms (35 ms first pass, no fallback)
    clock, pool, heard = FakeClock(), ManualPool(), []
    decoder = FakeDecoder(clock, cost_s=0.040, first_pass_ms=35.0)
    stream = recognizer(heard.append, clock=clock, decoder=decoder, pool=pool, endpoint=PLAIN)
    feed_in_real_time(stream, tone(1024) + silence(320), clock)  # closed by the last chunk
    assert pool.work  # closed and waiting for the pool
    clock.advance(0.150)

    # When the pool gets to it
    pool.run_all()

    # Then the utterance says how much audio after the end of speech closed it (300 ms minimum silence: nine 32 ms
    # windows), how long that took in wall time (the speech ended in the 16th chunk, the close came in the 21st),
    # how long it queued and how long it decoded
    [u] = heard
    assert (u.start_ms, u.end_ms) == (0, 1024)
    assert u.timings.endpoint_wait_ms == 288
    assert u.timings.endpoint_wait_wall_ms == pytest.approx(5 * 64)
    assert u.timings.queue_wait_ms == pytest.approx(150)
    assert u.decode_ms == pytest.approx(40, abs=0.1)
    assert (u.timings.first_pass_ms, u.timings.fallback_ms) == (35.0, 0.0)


def test_the_fallback_time_is_reported_separately() -> None:
    clock, pool, heard = FakeClock(), ManualPool(), []
    stream = recognizer(
        heard.append, clock=clock, decoder=FakeDecoder(clock, first_pass_ms=20.0, fallback_ms=55.0), pool=pool
    )
    feed_in_real_time(stream, tone(640) + silence(600), clock)
    pool.run_all()
    [u] = heard
    assert (u.timings.first_pass_ms, u.timings.fallback_ms) == (20.0, 55.0)


def test_a_segment_closed_at_the_end_of_the_stream_waited_for_the_audio_that_followed_its_speech() -> None:
    clock, heard = FakeClock(), []
    with ThreadPoolExecutor(max_workers=1) as pool:
        stream = recognizer(heard.append, clock=clock, pool=pool)
        feed_in_real_time(stream, tone(1024) + silence(128), clock)  # less silence than the endpointer waits for
        assert not heard
        stream.flush()
    [u] = heard
    assert u.timings.endpoint_wait_ms == 128


def test_a_handed_over_utterance_is_settled_only_once_its_future_succeeds() -> None:
    # Given a consumer that takes utterances over and completes them later (a publisher)
    clock, pool = FakeClock(), ManualPool()
    handed: list[tuple[Utterance, Future[None]]] = []

    def hand_over(u: Utterance) -> Future[None]:
        future: Future[None] = Future()
        handed.append((u, future))
        return future

    stream = recognizer(hand_over, clock=clock, pool=pool)
    feed_in_real_time(stream, tone(640) + silence(600) + tone(640) + silence(600), clock)
    pool.run_all()
    assert [u.sequence for u, _ in handed] == [1, 2]

    # When the second completes first
    handed[1][1].set_result(None)

    # Then nothing is settled past the first (still in flight), and the stream is not idle
    first_start = stream.settled().sample
    assert stream.settled().sequence == 0
    assert not stream.wait_idle(0)

    # When the first completes too, both count as delivered, with the second's text as the next context
    handed[0][1].set_result(None)
    settled = stream.settled()
    assert settled.sequence == 2 and settled.context == "utterance 2" and settled.sample > first_start
    assert stream.wait_idle(0)


def test_a_failed_hand_over_fails_the_stream_and_nothing_is_settled_past_it() -> None:
    clock, pool = FakeClock(), ManualPool()
    handed: list[Future[None]] = []

    def hand_over(u: Utterance) -> Future[None]:
        handed.append(future := Future())
        return future

    stream = recognizer(hand_over, clock=clock, pool=pool)
    feed_in_real_time(stream, tone(640) + silence(600), clock)
    pool.run_all()
    before = stream.settled()

    # When the publish fails
    handed[0].set_exception(ConnectionError("DynamoDB unavailable"))

    # Then the stream is idle (nothing more will happen), flush raises the failure, and settled() has not moved
    assert stream.wait_idle(0)
    with pytest.raises(ConnectionError):
        stream.flush()
    assert stream.settled() == before and before.sequence == 0
    # and later speech is not delivered: no gaps in the sequence
    feed_in_real_time(stream, tone(640) + silence(600), clock)
    pool.run_all()
    assert len(handed) == 1


def test_a_plain_callback_still_counts_as_delivered_when_it_returns() -> None:
    clock, pool, heard = FakeClock(), ManualPool(), []
    stream = recognizer(heard.append, clock=clock, pool=pool)
    feed_in_real_time(stream, tone(640) + silence(600), clock)
    pool.run_all()
    assert [u.sequence for u in heard] == [1]
    assert stream.settled().sequence == 1 and stream.wait_idle(0)


# Early decoding: the open utterance is decoded once early_decode_after_ms (200) of silence has passed, and the endpoint
# (min_silence_ms, 300) then delivers that result instead of decoding again.


def test_an_utterance_is_decoded_at_the_pause_and_delivered_at_the_endpoint_without_a_second_decode() -> None:
    # Given speech, then 256 ms of silence: more than the post-pad, less than the endpointer waits for
    clock, pool, heard = FakeClock(), ManualPool(), []
    decoder = FakeDecoder(clock, cost_s=0.080, first_pass_ms=75.0)
    stream = recognizer(heard.append, clock=clock, decoder=decoder, pool=pool)
    feed_in_real_time(stream, tone(1024) + silence(256), clock)

    # When the decode pool runs meanwhile
    pool.run_all()

    # Then the segment is decoded already, before the endpoint has fired
    assert (decoder.decodes, heard) == (1, [])
    # and when the silence reaches the endpoint, the utterance is delivered with that decode, at once
    feed_in_real_time(stream, silence(64), clock)
    pool.run_all()
    [u] = heard
    assert (u.text, decoder.decodes) == ("utterance 1", 1)
    assert u.timings.early_decode and u.timings.first_pass_ms == 75.0
    assert u.timings.queue_wait_ms == 0 and u.decode_ms == 0
    assert stream.early_decodes == {"used": 1, "wasted": 0}


def test_speech_that_resumes_after_the_early_decode_is_decoded_whole_at_its_endpoint() -> None:
    # Given a pause long enough for an early decode, then more speech from the same party
    clock, pool, heard = FakeClock(), ManualPool(), []
    decoder = FakeDecoder(clock)
    stream = recognizer(heard.append, clock=clock, decoder=decoder, pool=pool)
    feed_in_real_time(stream, tone(640) + silence(256), clock)
    pool.run_all()
    feed_in_real_time(stream, tone(640) + silence(640), clock)

    # When the endpoint closes the whole utterance
    pool.run_all()

    # Then it is one utterance covering both parts, decoded again at its own pause (the first early decode was of
    # its first part only, and is thrown away)
    [u] = heard
    assert (u.start_ms, u.end_ms, u.text) == (0, 1536, "utterance 2")
    assert u.timings.early_decode
    assert stream.early_decodes == {"used": 1, "wasted": 1}


def test_no_early_decode_while_the_stream_still_decodes_an_earlier_utterance() -> None:
    # Given an utterance closed and still waiting for the (busy) pool, and the next one pausing meanwhile
    clock, pool, heard = FakeClock(), ManualPool(), []
    decoder = FakeDecoder(clock)
    stream = recognizer(heard.append, clock=clock, decoder=decoder, pool=pool)
    feed_in_real_time(stream, tone(640) + silence(384) + tone(640) + silence(256), clock)

    # When the pool catches up, then only the first utterance was decoded (early, at its own pause): the second's
    # early decode never competed with it
    pool.run_all()
    assert decoder.decodes == 1 and [u.text for u in heard] == ["utterance 1"]
    # and the second is decoded once it closes
    feed_in_real_time(stream, silence(128), clock)
    pool.run_all()
    assert [(u.text, u.timings.early_decode) for u in heard] == [("utterance 1", True), ("utterance 2", False)]
    assert stream.early_decodes == {"used": 1, "wasted": 0}


@pytest.mark.parametrize("chunk", [160, 1024, 3200])
def test_early_decoding_delivers_exactly_what_decoding_at_the_endpoint_delivers(chunk: int) -> None:
    # Given the same conversation-like audio (pauses shorter and longer than the endpoint) through both
    pcm = (tone(900) + silence(250) + tone(500) + silence(700) + tone(300) + silence(230) + tone(1200)) * 3
    pcm += silence(100)
    results = {}
    for early in (True, False):
        heard: list[Utterance] = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            stream = recognizer(
                heard.append, pool=pool, decoder=FakeDecoder(), endpoint=EndpointSettings(early_decode=early)
            )
            for offset in range(0, len(pcm), chunk):
                stream.feed(pcm[offset : offset + chunk])
            stream.flush()
        results[early] = [(u.sequence, u.start_ms, u.end_ms) for u in heard]

    # Then the utterances are the same, in the same order
    assert results[True] == results[False] and len(results[True]) == 4  # 700 ms pauses split, shorter ones do not
