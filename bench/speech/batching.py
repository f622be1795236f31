"""What CTranslate2 batching across streams would buy: the short utterances of a set (those the engine decodes in
its minimum window, so their features have one shape) encoded and decoded in batches of 1, 2, 4 and 8, on one
thread, timed per utterance and per batch. A batch holds every utterance in it until the whole batch is done.

    .venv/bin/python -m bench.speech.batching [--data .build/speech-data] [--set dev] [--beam 1] [--batches 1,2,4,8]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import ctranslate2
import numpy as np
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.whisper import HOP, WHISPER_RATE, _prompt, generation_limit, prepare

from bench.speech.reference import load_set
from bench.speech.scoring import Participant, participants, segment


@dataclass(frozen=True)
class BatchTiming:
    batch: int
    utterances: int
    per_utterance_ms: float
    per_batch_ms: float


def window_features(engine: WhisperEngine, people: list[Participant], limit: int) -> list[np.ndarray]:
    """Log-mel features of the utterances that fit the minimum window, each cut to exactly that window."""
    options = engine.decode_options
    model = engine._decoder._model
    frames = int(options.min_window_seconds * WHISPER_RATE) // HOP
    out: list[np.ndarray] = []
    for person in people:
        for _, audio in segment(engine, person, engine.endpoint_settings).segments:
            samples = prepare(audio, options)
            if samples.size > (options.min_window_seconds - options.pad_seconds) * WHISPER_RATE:
                continue
            window = np.zeros(int(options.min_window_seconds * WHISPER_RATE) + HOP, dtype=np.float32)
            window[: samples.size] = samples
            out.append(model.feature_extractor(window, padding=0)[:, :frames])
            if len(out) == limit:
                return out
    return out


def decode_batch(engine: WhisperEngine, features: list[np.ndarray], beam_size: int) -> list[str]:
    decoder, options = engine._decoder, engine.decode_options
    tokenizer = decoder.tokenizer("en")
    prompt = _prompt(tokenizer, None)
    encoded = decoder._model.model.encode(ctranslate2.StorageView.from_array(np.stack(features)), to_cpu=False)
    results = decoder._model.model.generate(
        encoded,
        [prompt] * len(features),
        beam_size=beam_size,
        max_length=generation_limit(40, len(prompt)),
        suppress_blank=True,
        suppress_tokens=decoder._suppress,
        repetition_penalty=options.repetition_penalty,
    )
    return [tokenizer.decode([t for t in r.sequences_ids[0] if t < tokenizer.eot]).strip() for r in results]


def measure(engine: WhisperEngine, features: list[np.ndarray], batch: int, beam_size: int) -> BatchTiming:
    groups = [features[i : i + batch] for i in range(0, len(features) - batch + 1, batch)]
    began = time.perf_counter()
    for group in groups:
        decode_batch(engine, group, beam_size)
    elapsed_ms = (time.perf_counter() - began) * 1000
    done = batch * len(groups)
    return BatchTiming(batch, done, elapsed_ms / max(1, done), elapsed_ms / max(1, len(groups)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(".build/speech-data"))
    parser.add_argument("--set", default="dev")
    parser.add_argument("--engine", default="tiny.en")
    parser.add_argument("--beam", type=int, default=None, help="first-pass beam (default: the engine's)")
    parser.add_argument("--batches", default="1,2,4,8")
    parser.add_argument("--utterances", type=int, default=160)
    args = parser.parse_args(argv)
    engine = WhisperEngine(EngineSettings(engine=args.engine, decode_workers=1))
    beam = args.beam or engine.decode_options.beam_size
    features = window_features(engine, participants(load_set(args.data, args.set)), args.utterances)
    window_s = engine.decode_options.min_window_seconds
    print(
        f"# {len(features)} utterances of the {args.set} set in {window_s:g} s windows, {args.engine}, "
        f"beam {beam}, 1 thread\n"
    )
    print("| batch | utterances | per utterance | per batch (each utterance waits for it) |")
    print("|---|---|---|---|")
    for batch in (int(b) for b in args.batches.split(",")):
        t = measure(engine, features, batch, beam)
        print(f"| {t.batch} | {t.utterances} | {t.per_utterance_ms:.0f} ms | {t.per_batch_ms:.0f} ms |", flush=True)
    engine.close()


if __name__ == "__main__":
    main()
