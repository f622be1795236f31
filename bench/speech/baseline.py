"""The bar to clear: plain faster-whisper, with the same weights and compute type, on each whole participant channel.

`WhisperModel.transcribe` with its own defaults (beam 5, 30 s windows, conditioning on the previous text, its
temperature fallback), English, no VAD filter: what a user would get by running the library on the recording.
It sees the whole call at once, so it is an offline figure, not a streaming one.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from connect_transcribe.speech.audio import to_whisper_rate
from connect_transcribe.speech.engine import WhisperEngine

from bench.speech.scoring import Hypothesis, Participant, Score, score


def transcribe(engine: WhisperEngine, participant: Participant) -> list[Hypothesis]:
    model = engine._decoder._model
    segments, _ = model.transcribe(to_whisper_rate(participant.audio), language="en", beam_size=5)
    return [Hypothesis(round(s.start * 1000), round(s.end * 1000), s.text) for s in segments]


def run(engine: WhisperEngine, people: list[Participant]) -> list[tuple[Participant, Score]]:
    with ThreadPoolExecutor(max_workers=engine.settings.decode_workers) as pool:
        results = list(pool.map(lambda p: transcribe(engine, p), people))
    return [(p, score(p, hyps)) for p, hyps in zip(people, results, strict=True)]
