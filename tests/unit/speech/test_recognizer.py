"""The streaming recognizer with a fake VAD, decoder, clock and pool: the stage timings each utterance carries, and
delivery handed to someone else (a Future) counting only once it completes."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from connect_transcribe.speech.recognizer import Utterance

from tests.unit.speech.fakes import FakeClock, FakeDecoder, ManualPool, recognizer, silence, tone

CHUNK = 1024  # bytes: 64 ms, as the gateway feeds


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
    stream = recognizer(heard.append, clock=clock, decoder=decoder, pool=pool)
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
