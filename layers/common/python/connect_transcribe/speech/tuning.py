"""Decoding and endpointing defaults per engine, looked up by engine name; measured on the dev calls with
`make bench-speech-sweep` (README, Speech engine). A `dir:` model gets the class defaults."""

from __future__ import annotations

from dataclasses import replace

from connect_transcribe.speech.endpointer import EndpointSettings
from connect_transcribe.speech.vocabulary import VocabularySettings
from connect_transcribe.speech.whisper import DecodeOptions

# Measured on dev (16 calls, 42.6 min; README "Test calls and benchmark"), tiny.en: class defaults 29.4 %; beam 5,
# no repetition penalty, 12 tokens/s and a 10 s window 25.8 %; with a 15 s window 22.0 % (30 s: 22.4 % at 2.3x the
# CPU); a loop fallback with penalty 1.15 a further -0.1 point. Those options cost 4.5x the decode CPU and are not
# the defaults yet: their end-to-end latency at 10 calls is unmeasured (issue 13). TINY_EN_ACCURATE holds the
# search's best, so the next measurement starts from it.
TINY_EN_ACCURATE = DecodeOptions(
    beam_size=5,
    fallback_beam_size=5,
    repetition_penalty=1.0,
    fallback_repetition_penalty=1.15,
    max_tokens_per_second=12.0,
    min_window_seconds=15.0,
)
# Fallback only for loops (logprob_threshold -10 never fires on its own), both engines. For tiny.en the beam-5 retry
# of every unsure first pass ran on a third of the utterances, on the latency path: with it, 10 concurrent test calls
# measured p95 2,419-2,990 ms end to end, without it 1,288 ms, for +0.5 point of dev WER (27.9 -> 28.4 %; -1.5:
# 28.4 %), 2026-12-03. The rule: no second decode unless the first is actually bad.
# First-pass beam 3, measured on dev with the other defaults (2026-12-03, README "Beam width"): tiny.en greedy 28.5 %,
# beam 2 27.0 %, beam 3 25.8 %, beam 4 26.2 %, beam 5 26.0 %; one decode of a test utterance, one thread, mean 83 ms
# greedy, 87 ms beam 3, 99 ms beam 5 (the 5 s window's decoder steps are cheap to widen). base: greedy 27.3 %, beam 3
# 25.1 % (loop-only fallback; 25.3 % with the unsure retry as well).
BEAM_3_LOOP_RETRY = DecodeOptions(beam_size=3, logprob_threshold=-10.0)
# Until 2026-12-04 CTranslate2 gave Whisper about half the token budget asked for (whisper.generation_limit), so
# 6 tokens/s meant ~3 tokens/s plus 5, and long utterances lost their last words. With the whole budget, tiny.en on dev
# (beam 3, loop-only retry): 3 tokens/s 25.7 %, 4 25.5 %, 5 25.6 %, 6 25.8 % (the halved budget: 25.8 %).
# base, searched on dev with the whole budget (2026-12-04, bench.speech.scoring.Scorer, each change alone from
# BEAM_3_LOOP_RETRY's 25.5 %, S/D/I 1166/227/276, 371 s CPU): 10 s window 24.3 % (469 s CPU); repetition penalty 1.0
# 36.7 % (loops: 1,158 insertions), 1.05 26.9 %, 1.1 24.8 %; VAD threshold 0.6 / release 0.45 26.1 %. Together, a 10 s
# window and penalty 1.1: 22.9 % (1060/188/254), test 24.9 %. But end to end the 10 s window does not keep up: 10 test
# calls on 2 cores queued decodes for 18.5 s at p50 (decode p50 604 ms, CPU 176 %; make bench-e2e's block mode). So
# base takes the penalty alone, which costs nothing; the window waits for a larger task or batched decodes.
DECODE: dict[str, DecodeOptions] = {
    "tiny.en": replace(BEAM_3_LOOP_RETRY, max_tokens_per_second=4.0),
    "base": replace(BEAM_3_LOOP_RETRY, repetition_penalty=1.1),
}
# tiny.en post-pad, measured on dev with the engine's defaults (bench.speech.scoring; 2026-12-03): 200 ms 29.9 %,
# 150 ms 28.7 %, 100 ms 29.0 %, 50 ms 27.9 %, 25 ms 28.5 %, 0 ms 28.5 %. Trailing silence makes Whisper insert words
# (insertions 442 -> 374 at 50 ms); the early decode waits for its own early_decode_after_ms of silence (below). A
# shorter minimum silence costs WER (200 ms: 31.2 %, 250 ms: 31.1 %), and so do pre-roll 200 ms and threshold 0.4.
# With beam 3, 100 ms scores 26.4 % against 25.8 % at 50 ms. base keeps 200 ms: 50 ms scored 27.5 % against 27.1 %.
# tiny.en early decode after 150 ms of silence, measured end to end (10 test calls, make bench-e2e's block mode,
# 2026-12-03): 200 ms p50 476 / p95 720 ms, CPU 89 %; 150 ms 440 / 686 ms, 96 %; 100 ms 440 / 756 ms, 102 % (each
# earlier start wastes more decodes on pauses between words). WER does not depend on it.
ENDPOINT: dict[str, EndpointSettings] = {
    "tiny.en": EndpointSettings(post_pad_ms=50, early_decode_after_ms=150),
    "base": EndpointSettings(),
}


# Custom vocabulary, measured on names-dev (bench/speech/vocabulary.py: 8 calls, 28 names, 2026-12-06), name recall /
# WER on the other words. tiny.en (VocabularySettings' defaults): none 1.6 % / 23.8 %; list prompt on every utterance
# 53.9 % / 25.0 % (it wrote names on backchannels); from 3 s, with the correction (fuzzy 0.7) 56.2 % / 23.2 %.
# base: none 3.1 % / 20.7 %; list prompt 78.9 % / 20.8 %; sentence prompt 78.1 % / 19.3 %, with the correction
# 85.9 % / 19.3 %; from 3 s, with the list and fuzzy 0.7, 69.5 % / 23.0 % (short replies did better with it).
VOCABULARY: dict[str, VocabularySettings] = {
    "tiny.en": VocabularySettings(),
    "base": VocabularySettings(style="sentence", min_seconds=0.0),
}


def vocabulary_settings(engine: str) -> VocabularySettings:
    return VOCABULARY.get(engine, VocabularySettings())


def decode_options(engine: str) -> DecodeOptions:
    return DECODE.get(engine, DecodeOptions())


def endpoint_settings(engine: str) -> EndpointSettings:
    return ENDPOINT.get(engine, EndpointSettings())
