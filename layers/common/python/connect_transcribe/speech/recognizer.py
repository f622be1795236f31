"""One participant stream: PCM in (chunks of any size), final utterances out, in order, via a callback."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from connect_transcribe.speech import filters
from connect_transcribe.speech.audio import pcm16_to_float
from connect_transcribe.speech.endpointer import Endpointer, EndpointSettings, Segment
from connect_transcribe.speech.vad import VadStream
from connect_transcribe.speech.whisper import Decoded, DecodeOptions, WhisperDecoder, prepare


@dataclass(frozen=True)
class Token:
    text: str
    start_ms: int
    end_ms: int
    confidence: float


@dataclass(frozen=True)
class Utterance:
    sequence: int  # per stream, from 1, in order of delivery
    start_ms: int  # from the first audio of the stream (plus the stream's offset)
    end_ms: int
    text: str
    tokens: tuple[Token, ...] = ()
    forced: bool = False  # cut at the maximum utterance length
    decode_ms: float = 0.0


@dataclass(frozen=True)
class Settled:
    """Audio before `sample` is fully handled: its utterances delivered (`sequence` of them), the rest silence."""

    sample: int
    sequence: int
    context: str | None  # what the next decode is conditioned on (the last delivered text, as context_filter made it)


class SampleBuffer:
    """The stream's recent samples, addressed by absolute sample index; old chunks are dropped whole."""

    def __init__(self) -> None:
        self._chunks: deque[tuple[int, np.ndarray]] = deque()
        self.end = 0

    def append(self, samples: np.ndarray) -> None:
        if samples.size:
            self._chunks.append((self.end, samples))
            self.end += samples.size

    def slice(self, start: int, end: int) -> np.ndarray:
        end = min(end, self.end)
        parts = [c[max(0, start - s) : max(0, end - s)] for s, c in self._chunks if s < end and s + c.size > start]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def drop_before(self, index: int) -> None:
        while self._chunks and self._chunks[0][0] + self._chunks[0][1].size <= index:
            self._chunks.popleft()


class StreamRecognizer:
    def __init__(
        self,
        *,
        vad: VadStream,
        decoder: WhisperDecoder,
        pool: Executor,
        decode_options: DecodeOptions,
        endpoint: EndpointSettings,
        offset_ms: int,
        on_utterance: Callable[[Utterance], None],
        language: str = "en",
        first_sequence: int = 0,
        context: str | None = None,
        floor: int = 0,
        context_filter: Callable[[str], str] | None = None,
    ) -> None:
        """`first_sequence`, `context` and `floor` (no utterance starts before this sample) let a replacement
        recognizer carry on exactly where another one settled (see settled()). `context_filter` maps a delivered
        text to the form kept as decoding context, so the context can be checkpointed as stored (redacted)."""
        self._language = language
        self._vad = vad
        self._decoder = decoder
        self._pool = pool
        self._options = decode_options
        self._endpointer = Endpointer(endpoint, floor=floor)
        self._context_filter = context_filter or (lambda text: text)
        self._offset_ms = offset_ms
        self._on_utterance = on_utterance
        self._buffer = SampleBuffer()
        self._keep = endpoint.pre_roll_ms * 8 + 256
        self._lock = threading.Lock()
        self._waiting: deque[tuple[Segment, np.ndarray]] = deque()
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()
        self._previous_text: str | None = context
        self._sequence = first_sequence  # utterances delivered (the next one gets _sequence + 1)
        self._pending: deque[int] = deque()  # start samples of closed segments not yet delivered or dropped
        self._last_context: str | None = context  # context_filter(text) of the last delivered utterance
        self.error: BaseException | None = None

    def feed(self, pcm: bytes) -> None:
        samples = pcm16_to_float(pcm)
        self._buffer.append(samples)
        for segment in self._endpointer.push(self._vad.feed(samples)):
            self._enqueue(segment)
        open_since = self._endpointer.open_since
        self._buffer.drop_before(open_since if open_since is not None else self._buffer.end - self._keep)

    def flush(self) -> None:
        for segment in self._endpointer.flush():
            self._enqueue(segment)
        self._idle.wait()
        if self.error is not None:
            raise self.error

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every closed segment is decoded and delivered; the open utterance stays open."""
        return self._idle.wait(timeout)

    @property
    def samples(self) -> int:
        """Samples fed so far."""
        return self._buffer.end

    def vad_state(self) -> bytes:
        """The VAD's exact state at this point of the stream (before the next feed)."""
        return self._vad.snapshot()

    def settled(self) -> Settled:
        """Where a replacement recognizer would carry on from (the checkpoint for taking a session over): fed
        from `sample` on (its VAD restored to its state there), with floor=`sample`, starting at `sequence` with
        `context`, it produces the same utterances as this one. Call it from the thread that feeds."""
        with self._lock:
            context = self._last_context  # the oldest undelivered segment decodes after the last delivered one
            if self._pending:
                sample = self._pending[0]
            else:
                open_since = self._endpointer.open_since
                sample = (
                    open_since
                    if open_since is not None
                    else max(self._endpointer.floor, self._buffer.end - self._keep, 0)
                )
            return Settled(sample, self._sequence, context)

    def _enqueue(self, segment: Segment) -> None:
        audio = self._buffer.slice(segment.start, segment.end)
        with self._lock:
            self._pending.append(segment.start)
            self._waiting.append((segment, audio))
            self._idle.clear()
            if not self._busy:
                self._busy = True
                self._pool.submit(self._decode_next)

    def _decode_next(self) -> None:
        """Decode the oldest waiting segment, deliver it, then chain the next: one decode in flight per
        stream keeps utterances in order and lets each use the previous text as context."""
        with self._lock:
            segment, audio = self._waiting.popleft()
        try:
            if self.error is None:  # after a failure nothing more is delivered: no gaps in the sequence
                began = time.perf_counter()
                decoded = self._decoder.decode(
                    prepare(audio, self._options), self._options, self._previous_text, self._language
                )
                if filters.keep(decoded, segment):
                    self._previous_text = self._context_filter(decoded.text)
                    self._deliver(segment, decoded, (time.perf_counter() - began) * 1000)
        except BaseException as exc:
            self.error = self.error or exc
        with self._lock:
            if self.error is None:  # a failed delivery stays pending: settled() never moves past it
                self._pending.popleft()
            if self._waiting:
                self._pool.submit(self._decode_next)
            else:
                self._busy = False
                self._idle.set()

    def _deliver(self, segment: Segment, decoded: Decoded, decode_ms: float) -> None:
        sequence = self._sequence + 1
        base_ms = self._offset_ms + segment.start // 8
        tokens: list[Token] = []
        for w in decoded.words:
            start, end = base_ms + round(w.start_s * 1000), base_ms + round(w.end_s * 1000)
            if tokens and not any(ch.isalnum() for ch in w.text):
                last = tokens[-1]  # punctuation belongs to the word before it
                tokens[-1] = Token(last.text + w.text, last.start_ms, last.end_ms, last.confidence)
                continue
            tokens.append(Token(text=w.text, start_ms=start, end_ms=end, confidence=round(w.probability, 3)))
        self._on_utterance(
            Utterance(
                sequence=sequence,
                start_ms=self._offset_ms + segment.speech_start // 8,
                end_ms=self._offset_ms + segment.speech_end // 8,
                text=decoded.text,
                tokens=tuple(tokens),
                forced=segment.forced,
                decode_ms=round(decode_ms, 1),
            )
        )
        with self._lock:  # counted only once the callback has returned (published), see settled()
            self._sequence = sequence
            self._last_context = self._previous_text
