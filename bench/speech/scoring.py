"""Scores the speech engine on a call set exactly as the streaming path runs it, fast enough to compare many options.

The stream recognizer runs the VAD and the endpointer over a participant's audio, decodes each closed segment and
keeps what the hallucination filter keeps. Segmentation does not depend on the decoding options, so the segments of
one endpoint setting are found once and decoded under every decoding option (tests/integration/speech checks that
this gives what `WhisperEngine.stream` gives). WER is pooled per voice family: errors over reference words.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from connect_transcribe.speech import filters
from connect_transcribe.speech.endpointer import Endpointer, EndpointSettings, Segment
from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe.speech.whisper import DecodeOptions, prepare

from bench.speech.reference import NO_ERRORS, Call, WordErrors, word_errors

TICK_SAMPLES = 512  # Connect delivers ~64 ms frames
ALL = "all"


@dataclass(frozen=True, eq=False)
class Participant:
    call: Call
    role: str

    @property
    def family(self) -> str:
        """The text-to-speech engine that voiced this party ("flite", "festival", "piper", "pico", "espeak")."""
        families = {u.voice.split(":", 1)[0] for u in self.call.utterances if u.role == self.role}
        return families.pop() if len(families) == 1 else "mixed"

    @property
    def audio(self) -> np.ndarray:
        return self.call.channel(self.role).astype(np.float32) / 32768.0


@dataclass(frozen=True)
class Hypothesis:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Segmented:
    participant: Participant
    segments: tuple[tuple[Segment, np.ndarray], ...]  # each closed segment and its 8 kHz audio


@dataclass(frozen=True)
class Score:
    errors: WordErrors
    non_speech: int  # utterances lying entirely outside the party's speech (DTMF, hold music, noise)
    utterances: int


def participants(calls: Iterable[Call]) -> list[Participant]:
    return [Participant(call, role) for call in calls for role in call.channels]


def segment(engine: WhisperEngine, participant: Participant, endpoint: EndpointSettings) -> Segmented:
    """The segments the recognizer would close on this audio, fed in 64 ms ticks."""
    audio = participant.audio
    vad = engine.vad_stream(endpoint)
    endpointer = Endpointer(endpoint)
    closed: list[Segment] = []
    for offset in range(0, audio.size, TICK_SAMPLES):
        closed += endpointer.push(vad.feed(audio[offset : offset + TICK_SAMPLES]))
    closed += endpointer.flush()
    return Segmented(participant, tuple((s, audio[s.start : s.end]) for s in closed))


def decode(engine: WhisperEngine, segmented: Segmented, options: DecodeOptions) -> list[Hypothesis]:
    """What the recognizer delivers for these segments under `options`; like the recognizer, each decode gets the
    last kept text as its context (used only with `options.use_previous_text`)."""
    out: list[Hypothesis] = []
    for seg, audio in segmented.segments:
        previous = out[-1].text if out else None
        decoded = engine._decoder.decode(prepare(audio, options), options, previous, "en")
        if filters.keep(decoded, seg):
            out.append(Hypothesis(seg.speech_start // 8, seg.speech_end // 8, decoded.text))
    return out


def score(participant: Participant, hypotheses: list[Hypothesis]) -> Score:
    reference = participant.call.transcript(participant.role)
    speech = [(u.start_ms, u.end_ms) for u in participant.call.utterances if u.role == participant.role]
    stray = sum(1 for h in hypotheses if not any(h.start_ms < e and s < h.end_ms for s, e in speech))
    return Score(word_errors(reference, " ".join(h.text for h in hypotheses)), stray, len(hypotheses))


class Scorer:
    """One engine; segments cached per endpoint setting; decodes spread over the engine's decode workers."""

    def __init__(self, engine: WhisperEngine) -> None:
        self.engine = engine
        self._segments: dict[tuple[EndpointSettings, str], Segmented] = {}
        self._pool = ThreadPoolExecutor(max_workers=engine.settings.decode_workers)

    def segmented(self, participant: Participant, endpoint: EndpointSettings) -> Segmented:
        key = (endpoint, participant.call.name + "/" + participant.role)
        if key not in self._segments:
            self._segments[key] = segment(self.engine, participant, endpoint)
        return self._segments[key]

    def run(
        self, people: list[Participant], options: DecodeOptions, endpoint: EndpointSettings
    ) -> list[tuple[Participant, Score]]:
        segmented = [self.segmented(p, endpoint) for p in people]
        decoded = self._pool.map(lambda s: decode(self.engine, s, options), segmented)
        return [(p, score(p, hyps)) for p, hyps in zip(people, decoded, strict=True)]

    def close(self) -> None:
        self._pool.shutdown()


def by_family(scores: Iterable[tuple[Participant, Score]]) -> dict[str, Score]:
    """Pooled per voice family, plus ALL."""
    out: dict[str, Score] = {}
    for participant, s in scores:
        for key in (participant.family, ALL):
            held = out.get(key, Score(NO_ERRORS, 0, 0))
            out[key] = Score(held.errors + s.errors, held.non_speech + s.non_speech, held.utterances + s.utterances)
    return out
