"""Speech benchmark: WER (oracle segmentation and the full streaming path) per engine configuration,
latency from end of speech to final text with N concurrent real-time streams, and CPU cost per stream.

    .venv/bin/python -m bench.speech.bench --data .build/speech-data [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from connect_transcribe.speech.engine import EngineSettings, StreamOptions, WhisperEngine
from connect_transcribe.speech.recognizer import Utterance
from connect_transcribe.speech.whisper import DecodeOptions, prepare

from bench.speech.reference import NO_ERRORS, Call, WordErrors, load_set, word_errors

TICK_MS = 64  # Connect delivers ~64 ms frames
CONFIGS: dict[str, DecodeOptions] = {
    "default (greedy, beam-5 fallback, 5 s window, repetition penalty 1.15)": DecodeOptions(),
    "no repetition penalty": DecodeOptions(repetition_penalty=1.0),
    "beam 5": DecodeOptions(beam_size=5),
    "previous-text context": DecodeOptions(use_previous_text=True),
    "domain prompt": DecodeOptions(
        initial_prompt="Customer service phone call. Card number, account number, "
        "phone number, email address, date of birth."
    ),
    "no fallback": DecodeOptions(fallback_beam_size=1),
    "30 s window (faster-whisper padding)": DecodeOptions(min_window_seconds=30.0),
    "no level normalisation": DecodeOptions(normalize_level=False),
    "linear-interpolation resampling": DecodeOptions(resampler="linear"),
}


def stream_call(engine: WhisperEngine, call: Call, role: str) -> list[Utterance]:
    out: list[Utterance] = []
    stream = engine.stream(StreamOptions(), out.append)
    pcm = call.pcm(role)
    step = 8 * TICK_MS * 2
    for i in range(0, len(pcm), step):
        stream.feed(pcm[i : i + step])
    stream.flush()
    return out


def oracle_errors(engine: WhisperEngine, calls: Iterable[Call]) -> WordErrors:
    """Each reference utterance decoded alone (cut with 150 ms margins): the decoder's own accuracy."""
    decoder, options = engine._decoder, engine.settings.decode
    total = NO_ERRORS
    for call in calls:
        for utt in call.utterances:
            channel = call.channel(utt.role).astype(np.float32) / 32768
            start, end = max(0, (utt.start_ms - 150) * 8), (utt.end_ms + 150) * 8
            audio = prepare(channel[start:end], options)
            total += word_errors(utt.text, decoder.decode(audio, options).text)
    return total


def streaming_errors(engine: WhisperEngine, calls: Iterable[Call]) -> tuple[WordErrors, int]:
    """The whole path per participant; also counts utterances that lie entirely in non-speech."""
    total, false_alarms = NO_ERRORS, 0
    for call in calls:
        for role in call.channels:
            hyps = stream_call(engine, call, role)
            total += word_errors(call.transcript(role), " ".join(u.text for u in hyps))
            speech = [(u.start_ms, u.end_ms) for u in call.utterances if u.role == role]
            false_alarms += sum(1 for h in hyps if not any(h.start_ms < e and s < h.end_ms for s, e in speech))
    return total, false_alarms


@dataclass
class LatencyRun:
    streams: int
    latencies_ms: list[float]
    cpu_seconds: float
    wall_seconds: float
    audio_seconds: float


def realtime(engine: WhisperEngine, calls: list[Call], streams: int, seconds: float | None = None) -> LatencyRun:
    """Feed `streams` participant channels in real time (64 ms ticks) and time each reference utterance
    from its end in the audio to the arrival of the utterance that contains it."""
    channels = [(call, role) for call in calls for role in call.channels][:streams]
    while len(channels) < streams:
        channels += channels[: streams - len(channels)]
    arrivals: list[list[tuple[float, Utterance]]] = [[] for _ in channels]
    recognizers = [engine.stream(StreamOptions(), _arrival_recorder(sink)) for sink in arrivals]
    pcms = [call.pcm(role) for call, role in channels]
    length = min(len(p) for p in pcms)
    if seconds is not None:
        length = min(length, int(seconds * 16000))
    step = 8 * TICK_MS * 2
    cpu0, t0 = time.process_time(), time.monotonic()
    for tick, offset in enumerate(range(0, length, step)):
        for recognizer, pcm in zip(recognizers, pcms, strict=True):
            recognizer.feed(pcm[offset : offset + step])
        delay = t0 + (tick + 1) * TICK_MS / 1000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    for recognizer in recognizers:
        recognizer.flush()
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    latencies: list[float] = []
    audio_end_ms = length // 16
    for (call, role), arrived in zip(channels, arrivals, strict=True):
        for ref in (u for u in call.utterances if u.role == role and u.end_ms <= audio_end_ms - 1000):
            matches = [t for t, u in arrived if u.start_ms - 300 <= ref.end_ms <= u.end_ms + 600]
            if matches:
                latencies.append((min(matches) - (t0 + ref.end_ms / 1000)) * 1000)
    return LatencyRun(streams, latencies, cpu, wall, streams * length / 16000)


def _arrival_recorder(sink: list[tuple[float, Utterance]]) -> Callable[[Utterance], None]:
    def record(utterance: Utterance) -> None:
        sink.append((time.monotonic(), utterance))

    return record


def cpu_per_stream(engine: WhisperEngine, calls: list[Call]) -> tuple[float, float]:
    """Audio seconds processed per CPU second through the full path (faster than real time)."""
    audio = 0.0
    cpu0 = time.process_time()
    for call in calls:
        for role in call.channels:
            stream_call(engine, call, role)
            audio += call.duration_ms / 1000
    cpu = time.process_time() - cpu0
    return audio, cpu


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(".build/speech-data"))
    parser.add_argument("--quick", action="store_true", help="default config only, shorter latency runs")
    parser.add_argument("--streams", default="1,10,20", help="concurrent streams for the latency runs")
    parser.add_argument("--configs", help="only configurations whose name contains one of these (comma-separated)")
    parser.add_argument("--wer-only", action="store_true", help="skip the CPU and latency measurements")
    parser.add_argument("--engine", default="tiny.en", help="tiny.en, base or dir:/path (see EngineSettings)")
    args = parser.parse_args(argv)

    sets = {name: load_set(args.data, name) for name in ("dev", "heldout")}
    configs = dict(list(CONFIGS.items())[:1]) if args.quick else CONFIGS
    if args.configs:
        configs = {name: o for name, o in CONFIGS.items() if any(k in name for k in args.configs.split(","))}
    cores = os.cpu_count() or 1
    print(f"# speech benchmark: {sum(len(c) for c in sets.values())} calls, {cores} cores, engine {args.engine} int8\n")

    print("| configuration | set | oracle WER | streaming WER | non-speech utterances |")
    print("|---|---|---|---|---|")
    for name, options in configs.items():
        engine = WhisperEngine(EngineSettings(engine=args.engine, decode=options, decode_workers=cores))
        for set_name, calls in sets.items():
            oracle = oracle_errors(engine, calls)
            streaming, false_alarms = streaming_errors(engine, calls)
            print(f"| {name} | {set_name} | {oracle.rate:.1%} | {streaming.rate:.1%} | {false_alarms} |", flush=True)
        engine.close()

    if args.wer_only:
        return
    print("\n| set | voices | oracle WER | streaming WER |  (default configuration, by text-to-speech engine)")
    print("|---|---|---|---|")
    engine = WhisperEngine(EngineSettings(engine=args.engine, decode_workers=cores))
    for set_name, calls in sets.items():
        for tts in ("flite", "espeak"):
            subset = [c for c in calls if c.utterances and c.utterances[0].voice.startswith(tts)]
            if subset:
                oracle, (streaming, _) = oracle_errors(engine, subset), streaming_errors(engine, subset)
                print(f"| {set_name} | {tts} | {oracle.rate:.1%} | {streaming.rate:.1%} |", flush=True)
    engine.close()

    engine = WhisperEngine(EngineSettings(engine=args.engine, decode_workers=1, threads_per_worker=1))
    audio, cpu = cpu_per_stream(engine, sets["dev"])
    engine.close()
    print(
        f"\nCPU: {audio:.0f} s of participant audio in {cpu:.1f} CPU-s (1 decode worker): real-time factor "
        f"{cpu / audio:.3f}, i.e. ~{audio / cpu:.0f} concurrent streams per core at this speech activity"
    )

    print("\n| streams | utterances | latency p50 | p95 | max | CPU cores used | RTF |")
    print("|---|---|---|---|---|---|---|")
    engine = WhisperEngine(EngineSettings(engine=args.engine, decode_workers=cores))
    calls = sets["dev"] + sets["heldout"]
    for streams in (int(s) for s in args.streams.split(",")):
        run = realtime(engine, calls, streams, seconds=40.0 if args.quick else None)
        lat = run.latencies_ms
        print(
            f"| {streams} | {len(lat)} | {percentile(lat, 50):.0f} ms | {percentile(lat, 95):.0f} ms | "
            f"{max(lat, default=float('nan')):.0f} ms | {run.cpu_seconds / run.wall_seconds:.2f} | "
            f"{run.cpu_seconds / run.audio_seconds:.3f} |",
            flush=True,
        )
    engine.close()


if __name__ == "__main__":
    main()
