"""The batching benchmark decodes what the engine decodes: a batch gives each utterance the text it gets alone."""

from __future__ import annotations

from pathlib import Path

from connect_transcribe.speech.engine import WhisperEngine

from bench.speech.batching import decode_batch, measure, window_features
from bench.speech.reference import load_call
from bench.speech.scoring import Participant

SAMPLE = Path(__file__).parents[2] / "fixtures" / "calls" / "sample-01-balance-check.wav"


def test_a_batch_decodes_each_utterance_as_it_decodes_alone(engine: WhisperEngine) -> None:
    call = load_call(SAMPLE)
    features = window_features(engine, [Participant(call, role) for role in call.channels], limit=4)
    assert len(features) == 4
    assert len({f.shape for f in features}) == 1

    alone = [decode_batch(engine, [f], beam_size=1)[0] for f in features]
    together = decode_batch(engine, features, beam_size=1)

    assert together == alone
    assert all(alone)


def test_the_timing_counts_only_whole_batches(engine: WhisperEngine) -> None:
    call = load_call(SAMPLE)
    features = window_features(engine, [Participant(call, "customer")], limit=3)

    timing = measure(engine, features, batch=2, beam_size=1)

    assert (timing.batch, timing.utterances) == (2, 2)
    assert timing.per_batch_ms >= timing.per_utterance_ms > 0
