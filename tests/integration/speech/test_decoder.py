"""The decoder's second pass (the fallback) with the real model: when it runs, with what, and which result is kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe.speech.whisper import DecodeOptions, prepare

from bench.speech.reference import load_call

SAMPLE = Path(__file__).parents[2] / "fixtures" / "calls" / "sample-01-balance-check.wav"


@pytest.fixture(scope="module")
def utterance() -> np.ndarray:
    call = load_call(SAMPLE)
    first = next(u for u in call.utterances if u.role == "agent")
    audio = call.channel("agent").astype(np.float32) / 32768.0
    return audio[first.start_ms * 8 - 2400 : first.end_ms * 8 + 1600]


def decode(engine: WhisperEngine, audio: np.ndarray, options: DecodeOptions):  # type: ignore[no-untyped-def]
    return engine._decoder.decode(prepare(audio, options), options)


def test_a_clean_first_pass_is_not_decoded_twice(engine: WhisperEngine, utterance: np.ndarray) -> None:
    decoded = decode(engine, utterance, DecodeOptions())
    assert decoded.text and decoded.fallback_ms == 0.0 and not decoded.retried


def test_a_retry_that_would_decode_the_same_way_is_skipped(engine: WhisperEngine, utterance: np.ndarray) -> None:
    # Every first pass "looks like a loop" (threshold 0), but the fallback has the same beam and penalty.
    options = replace(DecodeOptions(), beam_size=5, fallback_beam_size=5, compression_ratio_threshold=0.0)
    assert decode(engine, utterance, options).fallback_ms == 0.0


def test_a_looping_first_pass_is_retried_with_the_fallback_penalty(
    engine: WhisperEngine, utterance: np.ndarray
) -> None:
    options = replace(
        DecodeOptions(),
        beam_size=5,
        fallback_beam_size=5,
        repetition_penalty=1.0,
        fallback_repetition_penalty=1.3,
        compression_ratio_threshold=0.0,
    )
    decoded = decode(engine, utterance, options)
    first = decode(engine, utterance, replace(options, fallback_repetition_penalty=None))
    assert decoded.fallback_ms > 0.0
    # A loop is judged by how much it repeats: the retry is kept only if it repeats less.
    assert decoded.retried == (decoded.compression_ratio < first.compression_ratio)
    assert decoded.text if decoded.retried else decoded.text == first.text
