"""The speech benchmark's fast path (segments found once, decoded per option) gives what the product's stream
recognizer gives, so the options it ranks are ranked on the real streaming path."""

from __future__ import annotations

from pathlib import Path

from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import Utterance

from bench.speech.reference import load_call
from bench.speech.scoring import ALL, Participant, Scorer, by_family, decode, segment

SAMPLE = Path(__file__).parents[2] / "fixtures" / "calls" / "sample-01-balance-check.wav"


def streamed(engine: WhisperEngine, participant: Participant) -> list[Utterance]:
    heard: list[Utterance] = []
    stream = engine.stream(StreamOptions(), heard.append)
    pcm = participant.call.pcm(participant.role)
    for offset in range(0, len(pcm), 1024):
        stream.feed(pcm[offset : offset + 1024])
    stream.flush()
    return heard


def test_segment_then_decode_equals_the_stream_recognizer(engine: WhisperEngine) -> None:
    call = load_call(SAMPLE)
    for role in call.channels:
        participant = Participant(call, role)

        fast = decode(engine, segment(engine, participant, engine.endpoint_settings), engine.decode_options)

        assert [(h.start_ms, h.end_ms, h.text) for h in fast] == [
            (u.start_ms, u.end_ms, u.text) for u in streamed(engine, participant)
        ]


def test_scores_pool_per_voice_family(engine: WhisperEngine) -> None:
    call = load_call(SAMPLE)
    people = [Participant(call, role) for role in call.channels]
    scorer = Scorer(engine)
    try:
        scores = by_family(scorer.run(people, engine.decode_options, engine.endpoint_settings))
    finally:
        scorer.close()

    assert set(scores) == {"espeak", ALL}
    words = sum(len(u.text.split()) for u in call.utterances)
    assert scores[ALL].errors.reference_words == scores["espeak"].errors.reference_words >= words - 5
    assert scores[ALL].utterances > 0 and scores[ALL].non_speech == 0
