"""Stand-ins for the speech engine's heavy parts, so recognizer and session logic run without the models: an
energy VAD, a scripted decoder, a clock the test moves, a pool that runs what it is given only when told, and an
engine that builds real StreamRecognizers from them."""

from __future__ import annotations

import math
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from connect_transcribe.speech.endpointer import EndpointSettings
from connect_transcribe.speech.interim import OnInterim
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import OnUtterance, StreamRecognizer
from connect_transcribe.speech.vad import WINDOW
from connect_transcribe.speech.whisper import Decoded, DecodeOptions

RATE = 8000


def tone(ms: int, amplitude: float = 0.3) -> bytes:
    """s16le 8 kHz: a 440 Hz tone, loud enough for FakeVad to call it speech."""
    n = ms * RATE // 1000
    return struct.pack(f"<{n}h", *(round(amplitude * 32767 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(n)))


def silence(ms: int) -> bytes:
    return bytes(ms * RATE // 1000 * 2)


class FakeClock:
    """Seconds, moved by the test (and by FakeDecoder, to stand for decoding time)."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.t += seconds


class FakeVad:
    """Speech where a 32 ms window is loud: probability 1.0 above a mean level, else 0.0."""

    def __init__(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        data = np.concatenate((self._pending, samples))
        count = data.size // WINDOW
        self._pending = data[count * WINDOW :]
        windows = data[: count * WINDOW].reshape(count, WINDOW)
        return (np.abs(windows).mean(axis=1) > 0.05).astype(np.float32)

    def snapshot(self) -> bytes:
        return b""

    def restore(self, snapshot: bytes) -> None:
        pass


class FakeDecoder:
    """Says "utterance N" for the Nth decode; each decode costs `cost_s` on `clock` and reports its passes."""

    def __init__(
        self,
        clock: FakeClock | None = None,
        *,
        cost_s: float = 0.0,
        first_pass_ms: float = 0.0,
        fallback_ms: float = 0.0,
        fail: bool = False,
    ) -> None:
        self.clock, self.cost_s = clock, cost_s
        self.first_pass_ms, self.fallback_ms = first_pass_ms, fallback_ms
        self.fail = fail
        self.decodes = 0
        self._lock = threading.Lock()

    def decode(
        self, audio: np.ndarray, options: Any, previous_text: str | None = None, language: str = "en"
    ) -> Decoded:
        if self.fail:
            raise RuntimeError("decoder broke")
        with self._lock:
            self.decodes += 1
            n = self.decodes
        if self.clock is not None:
            self.clock.advance(self.cost_s)
        return Decoded(
            text=f"utterance {n}",
            avg_logprob=-0.1,
            no_speech_prob=0.01,
            compression_ratio=1.0,
            first_pass_ms=self.first_pass_ms,
            fallback_ms=self.fallback_ms,
        )


class ManualPool(Executor):
    """Runs submitted work only when the test calls run_all(), on the test's thread."""

    def __init__(self) -> None:
        self.work: list[Callable[[], object]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        self.work.append(run)
        return future

    def run_all(self) -> None:
        while self.work:
            self.work.pop(0)()


def recognizer(
    on_utterance: OnUtterance,
    *,
    clock: FakeClock | None = None,
    decoder: FakeDecoder | None = None,
    pool: Executor | None = None,
    endpoint: EndpointSettings | None = None,
    **options: Any,
) -> StreamRecognizer:
    return StreamRecognizer(
        vad=FakeVad(),  # type: ignore[arg-type]
        decoder=decoder or FakeDecoder(clock),  # type: ignore[arg-type]
        pool=pool or ManualPool(),
        decode_options=DecodeOptions(),
        endpoint=endpoint or EndpointSettings(),
        offset_ms=options.pop("offset_ms", 0),
        on_utterance=on_utterance,
        clock=clock or FakeClock(),
        **options,
    )


class FakeEngine:
    """The SpeechEngine interface over real StreamRecognizers with FakeVad and FakeDecoder, sharing one decode
    pool as the real engine does (one worker by default: the pool every session on a task competes for)."""

    def __init__(
        self, *, workers: int = 1, decoder: FakeDecoder | None = None, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fake-decode")
        self.decoder = decoder or FakeDecoder()
        self.clock = clock

    @property
    def languages(self) -> tuple[str, ...]:
        return ("en-US",)

    def check_language(self, language: str) -> None:
        pass

    def stream(
        self, options: StreamOptions, on_utterance: OnUtterance, on_interim: OnInterim | None = None
    ) -> StreamRecognizer:
        return StreamRecognizer(
            vad=FakeVad(),  # type: ignore[arg-type]
            decoder=self.decoder,  # type: ignore[arg-type]
            pool=self.pool,
            decode_options=DecodeOptions(),
            endpoint=EndpointSettings(),
            offset_ms=options.offset_ms,
            on_utterance=on_utterance,
            first_sequence=options.first_sequence,
            context=options.context,
            floor=options.floor_samples,
            context_filter=options.context_filter,
            on_interim=on_interim if options.interim_results else None,
            clock=self.clock,
        )

    def close(self) -> None:
        self.pool.shutdown(wait=True)
