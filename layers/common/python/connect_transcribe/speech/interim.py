"""Interim transcripts: while a participant speaks, the open utterance decoded so far, at most once per
`every_ms`, on a decode worker nobody else needs. The final utterance supersedes them; an interim never delays or
reorders a final (StreamRecognizer hands both over under one lock, and drops an interim whose final went first)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import ParamSpec, TypeVar

from connect_transcribe.speech.whisper import DecodeOptions

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class InterimSettings:
    every_ms: int = 500  # at most one interim per stream this often (stream time and wall clock both)
    min_speech_ms: int = 300  # no interim until the utterance has this much speech
    # The encoder's minimum window for interim decodes (None: the final's, 5 s). Measured on 8 real-time test streams
    # (bench.speech.interim, 2026-12-06): 5 s windows took 3.27x the CPU of no interims, 70 % of interim words matching
    # the reference, word p95 1,425 ms; 2 s windows 2.78x, 67 %, 1,370 ms.
    min_window_seconds: float | None = 2.0


@dataclass(frozen=True)
class Interim:
    sequence: int  # the sequence the final that supersedes it will have
    revision: int  # per utterance, from 1
    start_ms: int  # same timeline as Utterance
    end_ms: int  # the end of the audio decoded so far
    text: str


OnInterim = Callable[[Interim], None]


def interim_options(options: DecodeOptions, settings: InterimSettings | None = None) -> DecodeOptions:
    """The cheapest decode of the final's options: greedy, no retry, no word timings (interims carry no tokens)."""
    window = options.min_window_seconds if settings is None else settings.min_window_seconds
    return replace(
        options,
        beam_size=1,
        fallback_beam_size=1,
        fallback_repetition_penalty=None,
        word_timestamps=False,
        min_window_seconds=options.min_window_seconds if window is None else window,
    )


class DecodePool(ThreadPoolExecutor):
    """The engine's decode pool, which knows how busy it is. An interim decode starts only when it leaves a worker
    free for finals (with two workers or more: when no other decode runs or waits), so it never queues in front of a
    final's decode. Measured on 8 real-time streams, 2 workers: letting interims take the last free worker moved the
    finals' p95 from 424 to 510 ms (bench.speech.interim)."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "decode") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self.workers = max_workers
        self._lock = threading.Lock()
        self._load = 0  # submitted and not finished

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._lock:
            self._load += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def has_room_for_optional(self) -> bool:
        """True when a decode may start now and still leave a worker idle for a final (one worker: when idle)."""
        with self._lock:
            return self._load + min(1, self.workers - 1) < self.workers

    def _finished(self, _: object) -> None:
        with self._lock:
            self._load -= 1
