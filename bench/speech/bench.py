"""Speech benchmark on the realistic telephone calls (make speech-data): streaming whole-call WER per engine, set
and voice family, against plain faster-whisper on the same calls; the espeak-ng robustness set apart; latency from
the reference end of speech with N real-time streams; CPU per stream; and, with --sweep, every decoding and
endpointing option varied one at a time on dev (decisions are made on dev, figures reported on test).

    .venv/bin/python -m bench.speech.bench --data .build/speech-data [--engines tiny.en,base] [--baseline]
        [--latency 1,12,20] [--sweep] [--sets dev,test]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from connect_transcribe.speech.endpointer import EndpointSettings
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.whisper import DecodeOptions

from bench.speech import baseline, latency
from bench.speech.reference import load_set
from bench.speech.scoring import ALL, Participant, Score, Scorer, by_family, participants

FAMILIES = ("flite", "festival", "piper", "pico")
ROBUSTNESS = "robustness"


Knob = tuple[str, dict[str, object]]


def knob(name: str, **change: object) -> Knob:
    return name, change


DECODE_KNOBS: list[Knob] = [
    *[knob(f"window {w} s", min_window_seconds=float(w)) for w in (5, 10, 15, 30)],
    knob("beam 1, fallback 5", beam_size=1, fallback_beam_size=5),
    knob("beam 2", beam_size=2, fallback_beam_size=5),
    knob("beam 3", beam_size=3, fallback_beam_size=5),
    knob("beam 5", beam_size=5, fallback_beam_size=5),
    knob("beam 1, no fallback", beam_size=1, fallback_beam_size=1),
    *[knob(f"repetition penalty {r}", repetition_penalty=r) for r in (1.0, 1.05, 1.1, 1.15)],
    knob("no-repeat 3-grams", no_repeat_ngram_size=3),
    knob("level normalisation off", normalize_level=False),
    knob("level normalisation on", normalize_level=True),
    knob("linear resampling", resampler="linear"),
    knob("pad 0.2 s", pad_seconds=0.2),
    knob("pad 1.0 s", pad_seconds=1.0),
    knob("retry unsure first passes (log-probability < -1.0)", logprob_threshold=-1.0),
    knob("retry very unsure first passes (log-probability < -1.5)", logprob_threshold=-1.5),
    knob("retry loops only", logprob_threshold=-10.0),
    *[knob(f"{t} tokens/s", max_tokens_per_second=float(t)) for t in (3, 4, 5, 6, 8)],
]
ENDPOINT_KNOBS: list[Knob] = [
    *[knob(f"min silence {m} ms", min_silence_ms=m) for m in (200, 300, 400, 600)],
    *[knob(f"pre-roll {m} ms", pre_roll_ms=m) for m in (100, 200, 300, 500)],
    *[knob(f"post-pad {m} ms", post_pad_ms=m) for m in (0, 25, 50, 100, 150, 200, 300, 500)],
    knob("VAD threshold 0.4 / 0.25", threshold=0.4, release=0.25),
    knob("VAD threshold 0.5 / 0.35", threshold=0.5, release=0.35),
    knob("VAD threshold 0.6 / 0.45", threshold=0.6, release=0.45),
    *[knob(f"VAD reset after {m} ms of silence", vad_reset_after_ms=m) for m in (0, 500, 1000, 2000)],
    *[knob(f"max utterance {m // 1000} s", max_utterance_ms=m) for m in (10_000, 15_000, 20_000, 28_000)],
]


def sweep_options(
    decode: DecodeOptions, endpoint: EndpointSettings
) -> list[tuple[str, DecodeOptions, EndpointSettings]]:
    """Each knob moved on its own from the engine's defaults (the first row); knobs already at a default are skipped."""
    rows = [("defaults", decode, endpoint)]
    for name, change in DECODE_KNOBS:
        if (moved := replace(decode, **change)) != decode:  # type: ignore[arg-type]
            rows.append((name, moved, endpoint))
    for name, change in ENDPOINT_KNOBS:
        if (moved_e := replace(endpoint, **change)) != endpoint:  # type: ignore[arg-type]
            rows.append((name, decode, moved_e))
    return rows


def wer_cell(score: Score | None) -> str:
    if score is None:
        return "-"
    e = score.errors
    return f"{e.rate:.1%} ({e.reference_words} w)"


def print_wer_table(title: str, rows: list[tuple[str, str, dict[str, Score]]]) -> None:
    print(f"\n{title}\n")
    print("| engine | set | " + " | ".join((*FAMILIES, ALL)) + " | non-speech utterances |")
    print("|---|---|" + "---|" * (len(FAMILIES) + 2))
    for engine, set_name, fam in rows:
        cells = [wer_cell(fam.get(f)) for f in (*FAMILIES, ALL)]
        print(f"| {engine} | {set_name} | " + " | ".join(cells) + f" | {fam[ALL].non_speech} |", flush=True)


def robustness_line(engine: str, scores: dict[str, Score]) -> str:
    s = scores[ALL]
    return f"| {engine} | {s.errors.rate:.1%} ({s.errors.reference_words} words) | {s.non_speech} of {s.utterances} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(".build/speech-data"))
    parser.add_argument("--engines", default="tiny.en,base", help="comma list: tiny.en, base, dir:/path")
    parser.add_argument("--sets", default="dev,test", help="realistic sets to score (robustness is always added)")
    parser.add_argument("--baseline", action="store_true", help="also plain faster-whisper on the same calls")
    parser.add_argument("--sweep", action="store_true", help="every option moved on its own, on dev")
    parser.add_argument("--latency", default="", help="concurrent real-time streams, e.g. 1,12,20 (test set)")
    args = parser.parse_args(argv)

    engines = args.engines.split(",")
    cores = os.cpu_count() or 1
    set_names = [s for s in args.sets.split(",") if s]
    sets = {name: participants(load_set(args.data, name)) for name in [*set_names, ROBUSTNESS]}
    minutes = {name: sum(p.call.duration_ms for p in ps) / 120_000 for name, ps in sets.items()}
    print(
        f"# speech benchmark: {', '.join(f'{n} {minutes[n]:.1f} min' for n in sets)} of calls; "
        f"{cores} cores; engines {', '.join(engines)} (CTranslate2 int8)"
    )

    rows: list[tuple[str, str, dict[str, Score]]] = []
    baseline_rows: list[tuple[str, str, dict[str, Score]]] = []
    robust: list[str] = []
    capacity: list[str] = []
    for name in engines:
        engine = WhisperEngine(EngineSettings(engine=name, decode_workers=cores))
        scorer = Scorer(engine)
        decode, endpoint = engine.decode_options, engine.endpoint_settings
        if args.sweep:
            run_sweep(scorer, name, sets["dev"], decode, endpoint)
        for set_name in set_names:
            rows.append((name, set_name, by_family(scorer.run(sets[set_name], decode, endpoint))))
            if args.baseline:
                baseline_rows.append((name, set_name, by_family(baseline.run(engine, sets[set_name]))))
        robust.append(robustness_line(name, by_family(scorer.run(sets[ROBUSTNESS], decode, endpoint))))
        scorer.close()
        engine.close()
        capacity.append(measure_capacity(name, sets[set_names[-1]]))
        if args.latency:
            run_latency(name, sets[set_names[-1]], [int(n) for n in args.latency.split(",")], cores)

    print_wer_table("Streaming whole-call WER, engine defaults (WER per voice family; words scored)", rows)
    if baseline_rows:
        print_wer_table("Plain faster-whisper on the same calls (whole channel, beam 5, 30 s windows)", baseline_rows)
    print("\nRobustness set (espeak-ng voices, ring-back, DTMF, hold music), reported apart\n")
    print("| engine | WER | utterances made from non-speech |")
    print("|---|---|---|")
    print("\n".join(robust))
    print("\n| engine | real-time factor per participant stream (1 decode thread) | calls per vCPU |")
    print("|---|---|---|")
    print("\n".join(capacity))


def run_sweep(
    scorer: Scorer, name: str, dev: list[Participant], decode: DecodeOptions, endpoint: EndpointSettings
) -> None:
    print(f"\nSweep on dev, engine {name}: each option moved on its own from the defaults\n")
    print("| option | dev WER | Δ | subs / dels / ins | CPU ms per utterance | non-speech |")
    print("|---|---|---|---|---|---|")
    start: float | None = None
    for label, options, ends in sweep_options(decode, endpoint):
        began = time.process_time()
        fam = by_family(scorer.run(dev, options, ends))
        cpu_ms = (time.process_time() - began) * 1000 / max(1, fam[ALL].utterances)
        e = fam[ALL].errors
        start = e.rate if start is None else start
        print(
            f"| {label} | {e.rate:.2%} | {e.rate - start:+.2%} | {e.substitutions} / {e.deletions} / {e.insertions} "
            f"| {cpu_ms:.0f} | {fam[ALL].non_speech} |",
            flush=True,
        )


def measure_capacity(name: str, people: list[Participant]) -> str:
    engine = WhisperEngine(EngineSettings(engine=name, decode_workers=1, threads_per_worker=1))
    audio, cpu = latency.cpu_per_audio_second(engine, people)
    engine.close()
    rtf = cpu / audio
    return f"| {name} | {rtf:.3f} | {1 / (2 * rtf):.0f} |"


def run_latency(name: str, people: list[Participant], counts: list[int], cores: int) -> None:
    print(f"\nEngine {name} alone, real-time streams from the test set: reference end of speech → text\n")
    print("| streams | utterances | missed | p50 | p95 | max | CPU cores used |")
    print("|---|---|---|---|---|---|---|")
    engine = WhisperEngine(EngineSettings(engine=name, decode_workers=cores))
    for streams in counts:
        run = latency.realtime(engine, people, streams)
        lat = run.latencies_ms
        p50, p95 = (float(np.percentile(lat, q)) for q in (50, 95)) if lat else (float("nan"), float("nan"))
        print(
            f"| {streams} | {len(lat)} | {run.missed} | {p50:.0f} ms | {p95:.0f} ms | {max(lat, default=0):.0f} ms "
            f"| {run.cpu_seconds / run.wall_seconds:.2f} |",
            flush=True,
        )
    engine.close()


if __name__ == "__main__":
    main()
