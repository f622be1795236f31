"""Interim transcripts from StreamRecognizer: their cadence, their order against the final, and when they are
skipped or dropped (speech/interim.py)."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pytest
from connect_transcribe.speech.interim import DecodePool, Interim, InterimSettings, interim_options
from connect_transcribe.speech.recognizer import StreamRecognizer, Utterance
from connect_transcribe.speech.whisper import Decoded, DecodeOptions

from tests.unit.speech.fakes import FakeClock, ManualPool, recognizer, silence, tone


class LengthDecoder:
    """Says how much audio it heard, so every interim of a growing utterance differs, and records its options."""

    def __init__(self) -> None:
        self.beams: list[int] = []

    def decode(
        self, audio: np.ndarray, options: Any, previous_text: str | None = None, language: str = "en"
    ) -> Decoded:
        self.beams.append(options.beam_size)
        return Decoded(text=f"heard {audio.size}", avg_logprob=-0.1, no_speech_prob=0.01, compression_ratio=1.0)


Event = tuple[str, int, int]  # ("interim" | "final", sequence, revision)


def stream(pool: Any, clock: FakeClock, decoder: Any, events: list[Event], **options: Any) -> StreamRecognizer:
    def final(u: Utterance) -> None:
        events.append(("final", u.sequence, 0))

    def interim(i: Interim) -> None:
        events.append(("interim", i.sequence, i.revision))
        interims.append(i)

    interims: list[Interim] = options.pop("interims", [])
    return recognizer(final, clock=clock, decoder=decoder, pool=pool, on_interim=interim, **options)


def speak(rec: StreamRecognizer, clock: FakeClock, pool: ManualPool, ms: int, *, chunk_ms: int = 100) -> None:
    """Real time: the clock moves with the audio; decodes run as soon as they are submitted."""
    for _ in range(ms // chunk_ms):
        rec.feed(tone(chunk_ms))
        clock.advance(chunk_ms / 1000)
        pool.run_all()


def pause(rec: StreamRecognizer, clock: FakeClock, pool: ManualPool, ms: int) -> None:
    for _ in range(ms // 100):
        rec.feed(silence(100))
        clock.advance(0.1)
        pool.run_all()


def test_a_growing_utterance_gets_an_interim_at_most_every_500_ms_then_its_final() -> None:
    clock, pool, decoder = FakeClock(), ManualPool(), LengthDecoder()
    events: list[Event] = []
    interims: list[Interim] = []
    rec = stream(pool, clock, decoder, events, interims=interims)
    speak(rec, clock, pool, 3000)
    pause(rec, clock, pool, 1000)
    rec.flush()

    assert events[-1] == ("final", 1, 0)
    interim_events = events[:-1]
    assert [e[0] for e in interim_events] == ["interim"] * len(interim_events)
    assert len(interim_events) in (5, 6)  # 3 s of speech, the first after 300 ms of it, then every 500 ms
    assert [e[2] for e in interim_events] == list(range(1, len(interim_events) + 1))
    assert all(i.sequence == 1 for i in interims)
    ends = [i.end_ms for i in interims]
    assert all(b - a >= 500 for a, b in itertools.pairwise(ends)), ends
    assert all(i.start_ms < i.end_ms <= 3000 for i in interims)
    assert len(decoder.beams) == len(interims) + 1  # one decode per interim, one for the final


def test_interim_decodes_are_greedy_without_retries_or_word_timings() -> None:
    final = DecodeOptions(beam_size=3, fallback_beam_size=5, fallback_repetition_penalty=1.2, word_timestamps=True)
    cheap = interim_options(final)
    assert (cheap.beam_size, cheap.fallback_beam_size, cheap.word_timestamps) == (1, 1, False)
    assert cheap.fallback_repetition_penalty is None and cheap.repetition_penalty == final.repetition_penalty


def test_the_next_utterance_starts_again_at_revision_1_with_the_next_sequence() -> None:
    clock, pool, decoder = FakeClock(), ManualPool(), LengthDecoder()
    events: list[Event] = []
    rec = stream(pool, clock, decoder, events)
    for _ in range(2):
        speak(rec, clock, pool, 1500)
        pause(rec, clock, pool, 1000)
    rec.flush()
    finals = [i for i, e in enumerate(events) if e[0] == "final"]
    assert [events[i][1] for i in finals] == [1, 2]
    second = events[finals[0] + 1 : finals[1]]
    assert second and second[0] == ("interim", 2, 1)
    assert all(e[1] == 2 for e in second)


def test_without_on_interim_nothing_but_finals_is_decoded() -> None:
    clock, pool, decoder = FakeClock(), ManualPool(), LengthDecoder()
    finals: list[Utterance] = []
    rec = recognizer(finals.append, clock=clock, decoder=decoder, pool=pool)
    speak(rec, clock, pool, 3000)
    pause(rec, clock, pool, 1000)
    rec.flush()
    assert len(finals) == 1 and len(decoder.beams) == 1


def test_the_wall_clock_also_bounds_the_rate_when_audio_arrives_in_a_burst() -> None:
    clock, pool, decoder = FakeClock(), ManualPool(), LengthDecoder()
    events: list[Event] = []
    rec = stream(pool, clock, decoder, events)
    for _ in range(30):  # 3 s of audio fed at once (a reader catching up): the clock does not move
        rec.feed(tone(100))
        pool.run_all()
    assert [e[0] for e in events] == ["interim"]


def test_an_interim_whose_final_was_handed_over_first_is_dropped() -> None:
    clock, pool, decoder = FakeClock(), ManualPool(), LengthDecoder()
    events: list[Event] = []
    rec = stream(pool, clock, decoder, events)
    for _ in range(10):  # 1 s of speech; the interim decode is submitted but does not run yet
        rec.feed(tone(100))
        clock.advance(0.1)
    assert len(pool.work) == 1
    interim_work = pool.work.pop()
    pause(rec, clock, pool, 1000)  # the final closes and is decoded and handed over
    assert events == [("final", 1, 0)]
    interim_work()
    assert events == [("final", 1, 0)]
    assert rec.interims["stale"] == 1


def test_no_interim_starts_while_every_decode_worker_is_busy() -> None:
    clock, decoder = FakeClock(), LengthDecoder()
    pool = DecodePool(max_workers=1)
    try:
        blocker = pool.submit(lambda: None)  # load 1 until the callback runs: hold a worker with a slow job
        blocker.result()
        release = threading.Event()
        pool.submit(release.wait)
        events: list[Event] = []
        rec = stream(pool, clock, decoder, events)
        for _ in range(20):
            rec.feed(tone(100))
            clock.advance(0.1)
        assert events == [] and rec.interims["skipped_busy"] > 0
        release.set()
    finally:
        pool.shutdown(wait=True)


@pytest.mark.parametrize("every_ms", [500, 1000])
def test_the_cadence_follows_the_settings(every_ms: int) -> None:
    clock, pool, decoder = FakeClock(), ManualPool(), LengthDecoder()
    events: list[Event] = []
    rec = stream(pool, clock, decoder, events, interim=InterimSettings(every_ms=every_ms))
    speak(rec, clock, pool, 4000)
    count = sum(e[0] == "interim" for e in events)
    assert count == pytest.approx(4000 / every_ms, abs=1)


def test_with_two_workers_an_interim_leaves_one_free_for_finals() -> None:
    pool = DecodePool(max_workers=2)
    release = threading.Event()
    try:
        assert pool.has_room_for_optional()
        pool.submit(release.wait)  # one decode running: the other worker is kept for a final
        assert not pool.has_room_for_optional()
        release.set()
        pool.shutdown(wait=True)
        assert pool.has_room_for_optional()
    finally:
        release.set()
