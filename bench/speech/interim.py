"""Interim results on the realistic test calls, in real time: how soon a spoken word first shows, and what interims
cost in CPU and in final latency.

    python -m bench.speech.interim --calls 12            # make bench-interim

Every call of the set plays at once (both parties: 2 streams per call), fed in 64 ms ticks at real-time pace, once
with interim results off and once on, on the same engine settings. Words are timed by the reference: each reference
utterance is force-aligned (Whisper base's cross-attention alignment of the reference text, not of what the engine
heard) to find where each reference word ends in the call. A word "appears" in the first message (interim or final)
of its stream whose text, aligned to the reference utterance's words, contains it, and whose audio reaches the word's
end. Latency: that message's hand-over by the recognizer minus the moment the word's end was fed (the webhook's SQS
and POST come on top: make bench-delivery). Final latency is timed as in bench.speech.latency: from the reference
utterance's end to the first final that covers it.
"""

from __future__ import annotations

import argparse
import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from connect_transcribe.speech.audio import to_whisper_rate
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.interim import Interim, InterimSettings
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import StreamRecognizer, Utterance
from connect_transcribe.speech.weights import resolve
from connect_transcribe.speech.whisper import DecodeOptions, WhisperDecoder

from bench.speech.latency import feed_in_real_time
from bench.speech.reference import Call, load_set, normalize
from bench.speech.scoring import Participant, participants

TOLERANCE_MS = 120  # a word may show in a message whose audio ends this much before the word's aligned end


@dataclass(frozen=True)
class RefWord:
    utterance: int  # index into the participant's reference utterances
    text: str  # normalized
    end_ms: int  # in the call


@dataclass(frozen=True)
class Message:
    at: float  # monotonic, when the recognizer handed it over
    interim: bool
    start_ms: int
    end_ms: int
    words: tuple[str, ...]  # normalized


@dataclass
class Run:
    interims: bool
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    audio_seconds: float = 0.0
    messages: list[list[Message]] = field(default_factory=list)  # per stream
    t0: float = 0.0
    skipped_busy: int = 0
    stale: int = 0


def reference_words(aligner: WhisperDecoder, person: Participant) -> list[RefWord]:
    """Each reference word of `person` with where it ends in the call, by forced alignment of the reference text."""
    audio = person.audio
    options = DecodeOptions(min_window_seconds=0.0, pad_seconds=0.5)
    words: list[RefWord] = []
    refs = [u for u in person.call.utterances if u.role == person.role]
    for index, ref in enumerate(refs):
        start = max(0, ref.start_ms * 8 - 800)
        clip = audio[start : min(audio.size, ref.end_ms * 8 + 800)]
        offset_ms = start // 8
        for word in aligner.align(to_whisper_rate(clip)[: 30 * 16000], ref.text, options):
            end_ms = offset_ms + round(word.end_s * 1000)
            words += [RefWord(index, w, min(end_ms, ref.end_ms)) for w in normalize(word.text).split()]
    return words


def play(engine: WhisperEngine, people: list[Participant], *, interims: bool, seconds: float | None) -> Run:
    run = Run(interims=interims)
    run.messages = [[] for _ in people]
    recognizers: list[StreamRecognizer] = [
        engine.stream(StreamOptions(interim_results=interims), _on_final(run.messages[i]), _on_interim(run.messages[i]))
        for i in range(len(people))
    ]
    pcms = [p.call.pcm(p.role) for p in people]
    length = max(len(p) for p in pcms)
    if seconds is not None:
        length = min(length, int(seconds * 16000))
    cpu0 = time.process_time()
    run.t0 = t0 = feed_in_real_time(recognizers, pcms, length)
    for recognizer in recognizers:
        run.skipped_busy += recognizer.interims["skipped_busy"]
        run.stale += recognizer.interims["stale"]
    run.wall_seconds, run.cpu_seconds = time.monotonic() - t0, time.process_time() - cpu0
    run.audio_seconds = sum(min(len(p), length) for p in pcms) / 16000
    return run


def _on_final(sink: list[Message]) -> Callable[[Utterance], None]:
    def record(u: Utterance) -> None:
        sink.append(Message(time.monotonic(), False, u.start_ms, u.end_ms, tuple(normalize(u.text).split())))

    return record


def _on_interim(sink: list[Message]) -> Callable[[Interim], None]:
    def record(i: Interim) -> None:
        sink.append(Message(time.monotonic(), True, i.start_ms, i.end_ms, tuple(normalize(i.text).split())))

    return record


@dataclass
class WordTimes:
    first_any_ms: list[float] = field(default_factory=list)  # word end -> first message showing it
    first_interim_ms: list[float] = field(default_factory=list)  # the words whose first appearance was an interim
    # word end -> first message with a word at its place, right or wrong (how soon something shows there)
    first_cover_ms: list[float] = field(default_factory=list)
    final_ms: list[float] = field(default_factory=list)  # reference utterance end -> covering final
    words: int = 0
    shown: int = 0
    interim_words: int = 0  # words in interims near a reference utterance
    interim_matched: int = 0  # of those, words the alignment to the reference matched


def word_times(run: Run, people: list[Participant], refs: list[list[RefWord]], audio_end_ms: int) -> WordTimes:
    out = WordTimes()
    for person, messages, words in zip(people, run.messages, refs, strict=True):
        utterances = [u for u in person.call.utterances if u.role == person.role]
        for index, ref in enumerate(utterances):
            if ref.end_ms > audio_end_ms - 1500:
                continue
            ref_words = [w for w in words if w.utterance == index]
            nearby = [m for m in messages if m.start_ms < ref.end_ms + 300 and m.end_ms > ref.start_ms - 300]
            _time_words(out, ref_words, sorted(nearby, key=lambda m: m.at), run.t0)
            covering = [m.at for m in messages if not m.interim and m.start_ms < ref.end_ms <= m.end_ms + 600]
            if covering:
                out.final_ms.append((min(covering) - (run.t0 + ref.end_ms / 1000)) * 1000)
    return out


def _time_words(out: WordTimes, ref_words: list[RefWord], messages: list[Message], t0: float) -> None:
    """One reference utterance's words against the messages near it, in the order they were handed over."""
    first: dict[int, tuple[float, bool]] = {}  # word -> the first message showing it right
    covered: dict[int, float] = {}  # word -> the first message with a word at its place
    for message in messages:
        matcher = difflib.SequenceMatcher(None, [w.text for w in ref_words], message.words, autojunk=False)
        if message.interim:
            out.interim_words += len(message.words)
            out.interim_matched += sum(b.size for b in matcher.get_matching_blocks())
        for tag, a0, a1, _, _ in matcher.get_opcodes():
            for k in range(a0, a1) if tag in ("equal", "replace") else ():
                if message.end_ms < ref_words[k].end_ms - TOLERANCE_MS:
                    continue  # not spoken yet when the message's audio ended
                covered.setdefault(k, message.at)
                if tag == "equal":
                    first.setdefault(k, (message.at, message.interim))
    out.words += len(ref_words)
    out.shown += len(first)
    for k, (at, interim) in first.items():
        latency = (at - (t0 + ref_words[k].end_ms / 1000)) * 1000
        out.first_any_ms.append(latency)
        if interim:
            out.first_interim_ms.append(latency)
    out.first_cover_ms += [(at - (t0 + ref_words[k].end_ms / 1000)) * 1000 for k, at in covered.items()]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(run: Run, times: WordTimes, streams: int) -> str:
    interims = sum(m.interim for ms in run.messages for m in ms)
    lines = [
        f"interim results {'on' if run.interims else 'off'}: {streams} streams, {run.audio_seconds / 60:.1f} min of "
        f"audio in {run.wall_seconds:.0f} s; CPU {run.cpu_seconds:.1f} s "
        f"({run.cpu_seconds / run.audio_seconds * 100:.2f} % of one core per stream)",
        f"  finals: reference end -> covering final p50 {percentile(times.final_ms, 50):.0f} / "
        f"p95 {percentile(times.final_ms, 95):.0f} ms ({len(times.final_ms)} utterances)",
        f"  words: {times.shown}/{times.words} reference words shown; word end -> first message showing it p50 "
        f"{percentile(times.first_any_ms, 50):.0f} / p95 {percentile(times.first_any_ms, 95):.0f} ms",
    ]
    if run.interims:
        share = len(times.first_interim_ms) / max(1, times.shown) * 100
        lines += [
            f"  first shown in an interim: {len(times.first_interim_ms)} words ({share:.0f} %), word end -> that "
            f"interim p50 {percentile(times.first_interim_ms, 50):.0f} / "
            f"p95 {percentile(times.first_interim_ms, 95):.0f} ms; interim words matching the reference "
            f"{times.interim_matched / max(1, times.interim_words) * 100:.0f} %",
            f"  word end -> first message with a word at its place, right or wrong: p50 "
            f"{percentile(times.first_cover_ms, 50):.0f} / p90 {percentile(times.first_cover_ms, 90):.0f} / p95 "
            f"{percentile(times.first_cover_ms, 95):.0f} ms ({len(times.first_cover_ms)} words)",
            f"  interims handed over: {interims} ({interims / (run.audio_seconds / 60):.1f} per stream-minute of "
            f"audio); skipped for a busy decode pool {run.skipped_busy}, dropped after their final {run.stale}",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(".build/speech-data"))
    parser.add_argument("--set", default="test")
    parser.add_argument("--engine", default="tiny.en")
    parser.add_argument("--calls", type=int, default=12, help="calls played at once (2 streams each)")
    parser.add_argument("--seconds", type=float, default=None, help="play only this much of each call")
    parser.add_argument("--modes", default="off,on", help="comma list of off,on (in this order)")
    parser.add_argument("--every-ms", type=int, default=InterimSettings.every_ms)
    parser.add_argument(
        "--window",
        type=float,
        default=InterimSettings.min_window_seconds,
        help="interim decodes' minimum window, seconds (0: none; the default is the engine's)",
    )
    args = parser.parse_args(argv)

    calls: list[Call] = load_set(args.data, args.set)[: args.calls]
    people = participants(calls)
    print(f"aligning the reference words of {len(people)} streams (Whisper base)...", flush=True)
    aligner = WhisperDecoder(resolve("base", EngineSettings().cache_dir))
    refs = [reference_words(aligner, p) for p in people]
    del aligner
    interim = InterimSettings(every_ms=args.every_ms, min_window_seconds=args.window)
    engine = WhisperEngine(EngineSettings(engine=args.engine, interim=interim))
    print(f"engine {args.engine}, {interim}", flush=True)
    length_ms = max(c.duration_ms for c in calls)
    audio_end_ms = int(min(length_ms, args.seconds * 1000)) if args.seconds else length_ms
    cpu: dict[bool, float] = {}
    try:
        for mode in args.modes.split(","):
            on = mode.strip() == "on"
            run = play(engine, people, interims=on, seconds=args.seconds)
            cpu[on] = run.cpu_seconds
            print(report(run, word_times(run, people, refs, audio_end_ms), len(people)), flush=True)
    finally:
        engine.close()
    if len(cpu) == 2:
        print(f"CPU with interims / without: {cpu[True] / cpu[False]:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
