"""One participant stream: PCM in (chunks of any size), final utterances out, in order, via a callback."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from connect_transcribe.speech import filters
from connect_transcribe.speech.audio import pcm16_to_float
from connect_transcribe.speech.endpointer import Endpointer, EndpointSettings, Segment
from connect_transcribe.speech.interim import DecodePool, Interim, InterimSettings, OnInterim, interim_options
from connect_transcribe.speech.language import LanguageVote
from connect_transcribe.speech.vad import WINDOW, VadStream
from connect_transcribe.speech.whisper import Decoded, DecodeOptions, WhisperDecoder, prepare


@dataclass(frozen=True)
class Token:
    text: str
    start_ms: int
    end_ms: int
    confidence: float


@dataclass(frozen=True)
class Timings:
    """Where an utterance's latency went inside the recognizer, in ms, each stage measured where it happens."""

    # Audio after the end of speech (the segment's speech_end) that the endpointer needed to close the segment:
    # the min-silence wait, in stream time (forced cuts: the audio between the cut and the window that made it).
    endpoint_wait_ms: float = 0.0
    endpoint_wait_wall_ms: float | None = None  # wall clock from the feed holding the end of speech to the close
    queue_wait_ms: float = 0.0  # closed -> decode began (behind this stream's previous decode and the shared pool)
    first_pass_ms: float = 0.0  # see Decoded
    fallback_ms: float = 0.0  # 0 when the beam fallback did not run
    early_decode: bool = False  # decoded at a pause before the close: first_pass_ms was spent before queue_wait_ms


@dataclass(frozen=True)
class Utterance:
    sequence: int  # per stream, from 1, in order of delivery
    start_ms: int  # from the first audio of the stream (plus the stream's offset)
    end_ms: int
    text: str
    tokens: tuple[Token, ...] = ()
    forced: bool = False  # cut at the maximum utterance length
    decode_ms: float = 0.0  # audio preparation + Decoded.first_pass_ms + Decoded.fallback_ms
    timings: Timings = field(default_factory=Timings)
    language: str | None = None  # ISO 639-1: the stream's language, or ("auto") the detected one; None: not known


# Called once per utterance, in order, from a decode thread. Returning None means "delivered" (published) on return;
# returning a Future hands delivery to someone else: the utterance counts as delivered (settled() may pass it) only
# once the future succeeds, and a failed future fails the stream as a raising callback would.
OnUtterance = Callable[[Utterance], Future[None] | None]


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


@dataclass(eq=False)
class _Closed:
    """A closed segment from the endpointer until it is delivered or dropped: settled() never passes it before."""

    segment: Segment
    audio: np.ndarray | None  # released once decoded
    closed_at: float  # clock() when the endpointer closed it
    endpoint_wait_ms: float
    endpoint_wait_wall_ms: float | None
    done: bool = False  # delivered (acknowledged) or dropped
    sequence: int | None = None  # delivered as this utterance
    context: str | None = None  # context_filter(text) once delivered
    early: Future[Decoded] | None = None  # its decode, begun before it closed (see EndpointSettings.early_decode)


@dataclass
class _InterimState:
    """The open utterance's interims so far (one interim decode runs at a time per stream, so no lock)."""

    start: int = -1  # the segment start of the utterance they are of
    end: int = 0  # where the last interim decode's audio ended
    at: float = 0.0  # clock() when it was submitted
    revision: int = 0  # interims handed over for this utterance
    text: str = ""  # the last one handed over


@dataclass(frozen=True)
class _Early:
    """A decode of the open utterance's would-be segment, begun at a pause before the endpoint fired."""

    segment: Segment
    context: str | None
    decoded: Future[Decoded]


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
        on_utterance: OnUtterance,
        language: str = "en",
        first_sequence: int = 0,
        context: str | None = None,
        floor: int = 0,
        context_filter: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        on_interim: OnInterim | None = None,
        interim: InterimSettings | None = None,
    ) -> None:
        """`first_sequence`, `context` and `floor` (no utterance starts before this sample) let a replacement
        recognizer carry on exactly where another one settled (see settled()). `context_filter` maps a delivered
        text to the form kept as decoding context, so the context can be checkpointed as stored (redacted).
        `clock` (seconds, monotonic) times the stages in Utterance.timings. With `on_interim`, the open utterance is
        decoded as it grows (speech/interim.py) and handed over as Interim transcripts, never after its final."""
        self._language = language  # "auto": detect per utterance until _vote fixes it
        self._vote = LanguageVote() if language == "auto" else None
        self._vad = vad
        self._decoder = decoder
        self._pool = pool
        self._options = decode_options
        self._endpointer = Endpointer(endpoint, floor=floor)
        self._endpoint_settings = endpoint
        self._context_filter = context_filter or (lambda text: text)
        self._offset_ms = offset_ms
        self._on_utterance = on_utterance
        self._clock = clock
        self._buffer = SampleBuffer()
        self._keep = endpoint.pre_roll_ms * 8 + 256
        self._windows = 0  # VAD windows pushed to the endpointer (its sample clock: windows * WINDOW)
        self._feeds: deque[tuple[int, float]] = deque()  # (buffer end after a feed, clock() at that feed)
        self._lock = threading.Lock()
        self._waiting: deque[_Closed] = deque()
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()
        self._previous_text: str | None = context  # what the next decode is conditioned on
        self._assigned = first_sequence  # utterances handed to on_utterance (the next one gets _assigned + 1)
        self._sequence = first_sequence  # utterances delivered (acknowledged)
        self._pending: deque[_Closed] = deque()  # closed segments, oldest first, until delivered or dropped
        self._unacknowledged = 0  # handed over as a Future that has not completed yet
        self._last_context: str | None = context  # context_filter(text) of the last delivered utterance
        self._early: _Early | None = None
        self.early_decodes = {"used": 0, "wasted": 0}
        self.error: BaseException | None = None
        # Interims: the final's hand-over and an interim's both happen under _handoff, so none follows its final.
        self._handoff = threading.Lock()
        self._on_interim = on_interim
        self._interim = interim or InterimSettings()
        self._interim_options = interim_options(decode_options, self._interim)
        self._interim_busy = False
        self._interim_last = _InterimState()
        self.interims = {"handed": 0, "stale": 0, "skipped_busy": 0}

    def feed(self, pcm: bytes) -> None:
        fed_at = self._clock()
        samples = pcm16_to_float(pcm)
        self._buffer.append(samples)
        self._feeds.append((self._buffer.end, fed_at))
        # one window at a time, so each segment knows the window that closed it (the endpointer is per window)
        for prob in self._vad.feed(samples):
            self._windows += 1
            for segment in self._endpointer.push((prob,)):
                self._enqueue(segment)
        if self._endpoint_settings.early_decode:
            self._decode_early()
        if self._on_interim is not None:
            self._decode_interim()
        open_since = self._endpointer.open_since
        drop = open_since if open_since is not None else self._buffer.end - self._keep
        self._buffer.drop_before(drop)
        while len(self._feeds) > 1 and self._feeds[0][0] <= drop:
            self._feeds.popleft()  # a future segment's speech ends after `drop`, so in a later feed

    def flush(self) -> None:
        for segment in self._endpointer.flush():
            self._enqueue(segment)
        self._idle.wait()
        if self.error is not None:
            raise self.error

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every closed segment is decoded and delivered (or the stream failed); the open utterance
        stays open."""
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
                sample = self._pending[0].segment.start
            else:
                open_since = self._endpointer.open_since
                sample = (
                    open_since
                    if open_since is not None
                    else max(self._endpointer.floor, self._buffer.end - self._keep, 0)
                )
            return Settled(sample, self._sequence, context)

    def _enqueue(self, segment: Segment) -> None:
        closed_at = self._clock()
        audio = self._buffer.slice(segment.start, segment.end)
        # the endpointer's sample clock: the window that closed the segment has been pushed
        waited = max(0, self._windows * WINDOW - segment.speech_end) / 8
        fed_at = next((t for end, t in self._feeds if end >= segment.speech_end), None)
        item = _Closed(
            segment,
            audio,
            closed_at,
            endpoint_wait_ms=float(waited),
            endpoint_wait_wall_ms=None if fed_at is None else round((closed_at - fed_at) * 1000, 2),
        )
        early, self._early = self._early, None
        if early is not None:
            if early.segment == segment and early.context == self._previous_text:
                item.early = early.decoded
                self.early_decodes["used"] += 1
            else:  # speech came back (or the utterance was cut): that decode was for another segment
                self.early_decodes["wasted"] += 1
        with self._lock:
            self._pending.append(item)
            self._waiting.append(item)
            self._idle.clear()
            if not self._busy:
                self._busy = True
                self._submit_next()

    def _decode_early(self) -> None:
        """At a pause long enough for the would-be segment to be whole, decode it now, while the endpointer waits
        for the rest of min_silence_ms. Only when this stream has nothing else to decode: then the context the
        segment will decode with is already known, and the early decode never delays an utterance that closed."""
        segment = self._endpointer.tentative()
        if segment is None or (self._early is not None and self._early.segment == segment):
            return
        with self._lock:
            if self._busy or self._waiting or self.error is not None:
                return
        if self._early is not None:
            self.early_decodes["wasted"] += 1
        audio = prepare(self._buffer.slice(segment.start, segment.end), self._options)
        context = self._previous_text
        decoded = self._pool.submit(self._decoder.decode, audio, self._options, context, self._language)
        self._early = _Early(segment, context, decoded)

    def _decode_interim(self) -> None:
        """From the feeding thread: decode the open utterance heard so far, when every closed segment has been
        delivered (so the sequence its final will get is known), no pause is being decoded early, this stream has no
        interim decode running, `every_ms` has passed in stream time and on the clock, and the pool has room for it
        (speech/interim.py: a worker stays free for finals)."""
        segment = self._endpointer.partial()
        if segment is None or self._interim_busy or self._endpointer.tentative() is not None:
            return  # a pause long enough for the early decode: the final is near
        settings = self._interim
        last = self._interim_last
        now = self._clock()
        if segment.start == last.start and (
            segment.end - last.end < settings.every_ms * 8 or now - last.at < settings.every_ms / 1000
        ):
            return
        if segment.speech_end - segment.speech_start < settings.min_speech_ms * 8:
            return
        with self._lock:
            if self._busy or self._waiting or self.error is not None:
                return
            sequence = self._assigned + 1
        if isinstance(self._pool, DecodePool) and not self._pool.has_room_for_optional():
            self.interims["skipped_busy"] += 1
            return
        audio = prepare(self._buffer.slice(segment.start, segment.end), self._interim_options)
        self._interim_busy = True
        if segment.start != last.start:  # a new utterance: revisions count again from 1
            last.start, last.revision, last.text = segment.start, 0, ""
        last.end, last.at = segment.end, now
        self._pool.submit(self._run_interim, segment, audio, sequence, self._previous_text)

    def _run_interim(self, segment: Segment, audio: np.ndarray, sequence: int, context: str | None) -> None:
        try:
            decoded = self._decoder.decode(audio, self._interim_options, context, self._language)
            if not filters.keep(decoded, segment):
                return
            with self._handoff:
                last = self._interim_last
                if self._assigned >= sequence or self.error is not None:
                    self.interims["stale"] += 1  # its final went first (or the stream failed)
                    return
                if decoded.text == last.text:
                    return  # nothing new to show
                last.revision, last.text = last.revision + 1, decoded.text
                self.interims["handed"] += 1
                assert self._on_interim is not None
                self._on_interim(
                    Interim(
                        sequence=sequence,
                        revision=last.revision,
                        start_ms=self._offset_ms + segment.speech_start // 8,
                        end_ms=self._offset_ms + segment.end // 8,
                        text=decoded.text,
                    )
                )
        except Exception:  # an interim is perishable: its failure never fails the stream
            self.interims["stale"] += 1
        finally:
            self._interim_busy = False

    def _submit_next(self) -> None:
        """Under the lock: decode the oldest waiting segment; if its early decode is still running, once it ends
        (so no pool thread waits on another)."""
        early = self._waiting[0].early
        if early is not None and not early.done():
            early.add_done_callback(lambda _: self._pool.submit(self._decode_next))
        else:
            self._pool.submit(self._decode_next)

    def _decode_next(self) -> None:
        """Decode the oldest waiting segment, deliver it, then chain the next: one decode in flight per
        stream keeps utterances in order and lets each use the previous text as context."""
        with self._lock:
            item = self._waiting.popleft()
        handed: Future[None] | None = None
        try:
            if self.error is None:  # after a failure nothing more is delivered: no gaps in the sequence
                began = self._clock()
                assert item.audio is not None
                if item.early is not None:
                    decoded = item.early.result()  # done: _submit_next waited for it
                else:
                    decoded = self._decoder.decode(
                        prepare(item.audio, self._options), self._options, self._previous_text, self._language
                    )
                if filters.keep(decoded, item.segment):
                    self._previous_text = self._context_filter(decoded.text)
                    with self._handoff:
                        handed = self._deliver(item, decoded, began, (self._clock() - began) * 1000)
        except BaseException as exc:
            with self._lock:
                self.error = self.error or exc
        item.audio = None
        with self._lock:
            if handed is not None:
                self._unacknowledged += 1  # done once the future completes: see _acknowledged
            elif self.error is None:  # a failed delivery stays pending: settled() never moves past it
                item.done = True  # delivered (the callback returned) or dropped by the filters
                self._settle()
            if self._waiting:
                self._submit_next()
            else:
                self._busy = False
            self._update_idle()
        if handed is not None:
            # outside the lock: a future that is already done runs the callback here and now
            handed.add_done_callback(partial(self._acknowledged, item))

    def _deliver(self, item: _Closed, decoded: Decoded, began: float, decode_ms: float) -> Future[None] | None:
        segment = item.segment
        sequence = self._assigned + 1
        language = decoded.language or (None if self._vote is not None else self._language)
        if self._vote is not None and decoded.language is not None:
            speech_s = (segment.speech_end - segment.speech_start) / 8000
            fixed = self._vote.add(decoded.language, decoded.language_probability or 0.0, speech_s)
            if fixed is not None:  # later decodes (early, interim, final) use it: no detection from here on
                self._language, self._vote = fixed, None
        base_ms = self._offset_ms + segment.start // 8
        tokens: list[Token] = []
        for w in decoded.words:
            start, end = base_ms + round(w.start_s * 1000), base_ms + round(w.end_s * 1000)
            if tokens and not any(ch.isalnum() for ch in w.text):
                last = tokens[-1]  # punctuation belongs to the word before it
                tokens[-1] = Token(last.text + w.text, last.start_ms, last.end_ms, last.confidence)
                continue
            tokens.append(Token(text=w.text, start_ms=start, end_ms=end, confidence=round(w.probability, 3)))
        result = self._on_utterance(
            Utterance(
                sequence=sequence,
                start_ms=self._offset_ms + segment.speech_start // 8,
                end_ms=self._offset_ms + segment.speech_end // 8,
                text=decoded.text,
                tokens=tuple(tokens),
                forced=segment.forced,
                decode_ms=round(decode_ms, 1),
                timings=Timings(
                    endpoint_wait_ms=item.endpoint_wait_ms,
                    endpoint_wait_wall_ms=item.endpoint_wait_wall_ms,
                    queue_wait_ms=round(max(0.0, began - item.closed_at) * 1000, 2),
                    first_pass_ms=decoded.first_pass_ms,
                    fallback_ms=decoded.fallback_ms,
                    early_decode=item.early is not None,
                ),
                language=language,
            )
        )
        self._assigned = sequence
        item.sequence, item.context = sequence, self._previous_text
        return result if isinstance(result, Future) else None

    def _acknowledged(self, item: _Closed, future: Future[None]) -> None:
        """The delivery of a handed-over utterance completed (on whichever thread completed it)."""
        try:
            failure = future.exception()
        except CancelledError as exc:
            failure = exc
        with self._lock:
            self._unacknowledged -= 1
            if failure is None:  # published, even if the stream failed meanwhile (then the head stays pending)
                item.done = True
                self._settle()
            else:
                self.error = self.error or failure
            self._update_idle()

    def _settle(self) -> None:
        """Under the lock: drop the delivered (or dropped) segments at the head; what is delivered counts now."""
        while self._pending and self._pending[0].done:
            item = self._pending.popleft()
            if item.sequence is not None:
                self._sequence, self._last_context = item.sequence, item.context

    def _update_idle(self) -> None:
        """Under the lock."""
        if not self._busy and not self._waiting and (self._unacknowledged == 0 or self.error is not None):
            self._idle.set()
        else:
            self._idle.clear()
