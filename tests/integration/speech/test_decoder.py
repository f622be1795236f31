"""The decoder's second pass (the fallback) with the real model: when it runs, with what, and which result is kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe.speech.whisper import DecodeOptions, generation_limit, prepare

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


@pytest.fixture(scope="module")
def long_utterance() -> np.ndarray:
    call = load_call(SAMPLE)
    longest = max(call.utterances, key=lambda u: u.end_ms - u.start_ms)
    audio = call.channel(longest.role).astype(np.float32) / 32768.0
    return audio[longest.start_ms * 8 - 2400 : longest.end_ms * 8 + 1600]


@pytest.mark.parametrize("budget", [5, 9])
def test_the_generation_limit_gives_whisper_the_whole_token_budget(
    engine: WhisperEngine, long_utterance: np.ndarray, budget: int
) -> None:
    # CTranslate2 caps Whisper at half of max_length: prompt + budget (the old limit) yields about budget / 2 tokens.
    decoder = engine._decoder
    tokenizer = decoder.tokenizer("en")
    options = DecodeOptions()
    encoded, _ = decoder.encode(prepare(long_utterance, options), options)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    whole = decoder._model.model.generate(encoded, [prompt], beam_size=1)[0].sequences_ids[0]
    limited = decoder._model.model.generate(
        encoded, [prompt], beam_size=1, max_length=generation_limit(budget, len(prompt))
    )[0].sequences_ids[0]
    assert len(whole) > budget
    assert limited == whole[:budget]


def test_a_long_utterance_keeps_its_last_words(engine: WhisperEngine, long_utterance: np.ndarray) -> None:
    # 10 tokens plus 4 per second of audio: the longest sample utterance fits without being cut.
    options = replace(DecodeOptions(), max_tokens_per_second=4.0)
    decoded = decode(engine, long_utterance, options)
    unbounded = decode(engine, long_utterance, replace(options, max_tokens_per_second=40.0))
    assert decoded.text == unbounded.text
