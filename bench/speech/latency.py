"""The engine alone in real time: N participant streams fed in 64 ms ticks, each reference utterance timed from its
end in the reference (not the engine's own end of speech) to the arrival of the text that covers it; CPU per stream."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe.speech.ports import Recognizer, StreamOptions
from connect_transcribe.speech.recognizer import Utterance

from bench.speech.scoring import TICK_SAMPLES, Participant

TICK_S = TICK_SAMPLES / 8000


@dataclass
class LatencyRun:
    streams: int
    latencies_ms: list[float]
    missed: int  # reference utterances no delivered utterance covered
    cpu_seconds: float
    wall_seconds: float
    audio_seconds: float


def realtime(
    engine: WhisperEngine, people: list[Participant], streams: int, seconds: float | None = None
) -> LatencyRun:
    chosen = [people[i % len(people)] for i in range(streams)]
    arrivals: list[list[tuple[float, Utterance]]] = [[] for _ in chosen]
    recognizers = [engine.stream(StreamOptions(), _recorder(sink)) for sink in arrivals]
    pcms = [p.call.pcm(p.role) for p in chosen]
    length = min(len(p) for p in pcms)
    if seconds is not None:
        length = min(length, int(seconds * 16000))
    cpu0 = time.process_time()
    t0 = feed_in_real_time(recognizers, pcms, length)
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    latencies: list[float] = []
    missed = 0
    audio_end_ms = length // 16
    for person, arrived in zip(chosen, arrivals, strict=True):
        for ref in (u for u in person.call.utterances if u.role == person.role and u.end_ms <= audio_end_ms - 1000):
            # the first delivered utterance that reaches the reference's end carries its last words
            covering = [t for t, u in arrived if u.start_ms < ref.end_ms and ref.end_ms <= u.end_ms + 600]
            if covering:
                latencies.append((min(covering) - (t0 + ref.end_ms / 1000)) * 1000)
            else:
                missed += 1
    return LatencyRun(streams, latencies, missed, cpu, wall, streams * length / 16000)


def feed_in_real_time(recognizers: Sequence[Recognizer], pcms: Sequence[bytes], length: int) -> float:
    """Feed each recognizer its PCM in 64 ms ticks at real-time pace, up to `length` bytes (a shorter PCM ends early),
    then flush them all. Returns when the feeding began (time.monotonic)."""
    step = TICK_SAMPLES * 2
    t0 = time.monotonic()
    for tick, offset in enumerate(range(0, length, step)):
        for recognizer, pcm in zip(recognizers, pcms, strict=True):
            if offset < len(pcm):
                recognizer.feed(pcm[offset : offset + step])
        delay = t0 + (tick + 1) * TICK_S - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    for recognizer in recognizers:
        recognizer.flush()
    return t0


def _recorder(sink: list[tuple[float, Utterance]]) -> Callable[[Utterance], None]:
    def record(utterance: Utterance) -> None:
        sink.append((time.monotonic(), utterance))

    return record


def cpu_per_audio_second(engine: WhisperEngine, people: list[Participant]) -> tuple[float, float]:
    """(audio seconds, CPU seconds) through the full streaming path, fed as fast as it goes."""
    audio = 0.0
    cpu0 = time.process_time()
    for person in people:
        stream = engine.stream(StreamOptions(), lambda _: None)
        pcm = person.call.pcm(person.role)
        for offset in range(0, len(pcm), TICK_SAMPLES * 2):
            stream.feed(pcm[offset : offset + TICK_SAMPLES * 2])
        stream.flush()
        audio += len(pcm) / 16000
    return audio, time.process_time() - cpu0
