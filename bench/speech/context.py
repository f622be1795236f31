"""What decoding each utterance after its stream's recent speech would buy: the audio of the earlier utterances that
start within a window of seconds before this one ends (contiguous, silences included) is put in front of it, and their
delivered text is forced as the decoder's prefix, so Whisper hears the call as it was trained to (a long window of
real speech) but generates only the new words. Scored on a set as `bench.speech.scoring` scores the defaults, with
the process CPU it took.

    .venv/bin/python -m bench.speech.context [--data .build/speech-data] [--set dev] [--engine tiny.en] \\
        [--windows 0,8,15]

Window 0 is the engine as it runs (each utterance alone, padded with silence).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
from connect_transcribe.speech import filters
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.whisper import (
    WHISPER_RATE,
    Decoded,
    DecodeOptions,
    _fallback_penalty,
    generation_limit,
    prepare,
)

from bench.speech.reference import load_set
from bench.speech.scoring import ALL, Hypothesis, Segmented, by_family, participants, score, segment

MAX_PREFIX_TOKENS = 200


def decode_after(
    engine: WhisperEngine, audio: np.ndarray, context: np.ndarray, prefix: str, options: DecodeOptions
) -> Decoded:
    """`audio` (16 kHz) decoded after `context` (16 kHz, may be empty) whose words are `prefix`: only the new text."""
    decoder = engine._decoder
    tokenizer = decoder.tokenizer("en")
    encoded, _ = decoder.encode(np.concatenate((context, audio)), options)
    forced = tokenizer.encode(" " + prefix.strip())[-MAX_PREFIX_TOKENS:] if prefix.strip() else []
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps, *forced]
    budget = len(forced) + int(10 + options.max_tokens_per_second * audio.size / WHISPER_RATE)
    max_length = generation_limit(budget, len(prompt) - len(forced))  # forced tokens count as generated

    def generate(beam: int, penalty: float) -> Decoded:
        return decoder._generate(
            tokenizer,
            encoded,
            prompt,
            beam_size=beam,
            max_length=max_length,
            options=options,
            repetition_penalty=penalty,
            forced=len(forced),
        )

    decoded = generate(options.beam_size, options.repetition_penalty)
    if decoded.compression_ratio > options.compression_ratio_threshold:  # the engine's loop retry
        retry = generate(max(options.fallback_beam_size, options.beam_size), _fallback_penalty(options))
        if retry.compression_ratio < decoded.compression_ratio:
            decoded = retry
    return decoded


def decode_stream(
    engine: WhisperEngine, segmented: Segmented, options: DecodeOptions, window_s: float, shorter_than_s: float = 0.0
) -> list[Hypothesis]:
    """Each closed segment in order, after the kept segments that start within `window_s` before its end; with
    `shorter_than_s`, only segments shorter than that get the context."""
    audio = segmented.participant.audio
    kept: list[tuple[int, Hypothesis]] = []  # (segment start sample, what was delivered)
    for seg, samples in segmented.segments:
        wanted = window_s and (not shorter_than_s or samples.size < shorter_than_s * 8000)
        earlier = [(start, h) for start, h in kept if wanted and start >= seg.end - window_s * 8000]
        context = audio[earlier[0][0] : seg.start] if earlier else audio[:0]
        both = prepare(np.concatenate((context, samples)), options)
        split = both.size - 2 * samples.size
        decoded = decode_after(engine, both[split:], both[:split], " ".join(h.text for _, h in earlier), options)
        if filters.keep(decoded, seg):
            kept.append((seg.start, Hypothesis(seg.speech_start // 8, seg.speech_end // 8, decoded.text)))
    return [h for _, h in kept]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(".build/speech-data"))
    parser.add_argument("--set", default="dev")
    parser.add_argument("--engine", default="tiny.en")
    parser.add_argument("--windows", default="0,8,15", help="seconds of earlier speech heard before each utterance")
    parser.add_argument("--shorter-than", type=float, default=0.0, help="context only for segments shorter (s)")
    args = parser.parse_args(argv)
    engine = WhisperEngine(EngineSettings(engine=args.engine, decode_workers=2))
    options, endpoint = engine.decode_options, engine.endpoint_settings
    people = participants(load_set(args.data, args.set))
    segmented = [segment(engine, p, endpoint) for p in people]
    print(f"# {args.set} set, {args.engine} with its defaults; earlier speech as context, its text as prefix\n")
    print("| window | WER | S / D / I | per family | process CPU |")
    print("|---|---|---|---|---|")
    with ThreadPoolExecutor(max_workers=2) as pool:  # streams in parallel, each in order
        for window_s in (float(w) for w in args.windows.split(",")):
            began = time.process_time()
            hypotheses = list(
                pool.map(
                    partial(
                        decode_stream, engine, options=options, window_s=window_s, shorter_than_s=args.shorter_than
                    ),
                    segmented,
                )
            )
            scores = by_family([(p, score(p, h)) for p, h in zip(people, hypotheses, strict=True)])
            e = scores.pop(ALL).errors
            families = ", ".join(f"{k} {v.errors.rate * 100:.1f}" for k, v in sorted(scores.items()))
            cpu = time.process_time() - began
            print(
                f"| {window_s:g} s | {e.rate * 100:.1f} % | {e.substitutions} / {e.deletions} / {e.insertions} "
                f"| {families} | {cpu:.0f} s |",
                flush=True,
            )
    engine.close()


if __name__ == "__main__":
    main()
