"""The context benchmark: with no window it decodes what the engine decodes; with one, only the new words."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from connect_transcribe.speech.engine import WhisperEngine

from bench.speech.context import decode_stream
from bench.speech.reference import load_call
from bench.speech.scoring import Participant, decode, segment

SAMPLE = Path(__file__).parents[2] / "fixtures" / "calls" / "sample-01-balance-check.wav"


def test_without_a_window_each_utterance_decodes_as_the_engine_decodes_it(engine: WhisperEngine) -> None:
    call = load_call(SAMPLE)
    segmented = segment(engine, Participant(call, "customer"), engine.endpoint_settings)

    alone = decode_stream(engine, segmented, engine.decode_options, window_s=0)

    assert alone == decode(engine, segmented, engine.decode_options)
    assert len(alone) >= 3


def test_with_a_window_the_earlier_words_are_not_repeated(engine: WhisperEngine) -> None:
    call = load_call(SAMPLE)
    segmented = segment(engine, Participant(call, "customer"), engine.endpoint_settings)

    after = decode_stream(engine, segmented, engine.decode_options, window_s=15)
    alone = decode_stream(engine, segmented, engine.decode_options, window_s=0)

    assert [(h.start_ms, h.end_ms) for h in after] == [(h.start_ms, h.end_ms) for h in alone]
    for earlier, later in pairwise(after):
        assert not later.text.lower().startswith(earlier.text.lower()[:12])
