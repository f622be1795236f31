"""One conversation on one worker: own the lease, read KVS from the right place, feed a recognizer per
participant, publish utterances as they are finalised, and finish (drain, end, fail or hand over) cleanly."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from enum import StrEnum

from connect_transcribe.control.state_machine import Event
from connect_transcribe.gateway.call_recording import CallRecorder, join_recording, with_retries
from connect_transcribe.gateway.ports import (
    ConversationBatchReader,
    ConversationReader,
    LeaseStore,
    Metrics,
    RecordingStore,
    StopSignals,
    UtteranceSink,
)
from connect_transcribe.gateway.redaction import OutputText, Redactor
from connect_transcribe.gateway.start_point import start_point
from connect_transcribe.gateway.track import ParticipantTrack, StartRecognizer
from connect_transcribe.gateway.utterance_messages import build_interim, build_message
from connect_transcribe.media.connect_stream import (
    AudioFrame,
    FragmentTagged,
    KvsStreamError,
    UnsupportedAudio,
)
from connect_transcribe.media.mkv import MkvError
from connect_transcribe.media.ports import MediaError, MediaSource
from connect_transcribe.media.reader import KvsReader, MediaEnded, ReaderSettings
from connect_transcribe.models.api import Role
from connect_transcribe.models.gateway import Checkpoint, StreamCheckpoint
from connect_transcribe.models.session import SessionJob, SessionState, StreamRecord
from connect_transcribe.models.utterance import UtteranceTimings
from connect_transcribe.observability import logger
from connect_transcribe.speech.interim import Interim
from connect_transcribe.speech.ports import Recognizer, SpeechEngine, StreamOptions
from connect_transcribe.speech.recognizer import Utterance
from connect_transcribe.speech.vocabulary import terms_from

_WORKING = frozenset({SessionState.STARTING, SessionState.STREAMING, SessionState.STOPPING})

# Per-utterance stage metrics (ms); see UtteranceTimings and the README's Media gateway section.
PUBLISH_LAG_METRIC = "PublishLagMs"  # end of speech (producer time) -> published
ENDPOINT_WAIT_METRIC = "EndpointWaitMs"
QUEUE_WAIT_METRIC = "QueueWaitMs"
DECODE_METRIC = "DecodeMs"
FALLBACK_DECODE_METRIC = "FallbackDecodeMs"  # only for utterances whose beam-search fallback ran
PUBLISH_QUEUE_METRIC = "PublishQueueMs"
REDACT_METRIC = "RedactMs"
PUBLISH_METRIC = "PublishMs"  # the sink's publish (DynamoDB put + SQS send), retries included
INTERIMS_PUBLISHED_METRIC = "InterimsPublished"
INTERIMS_SKIPPED_METRIC = "InterimsSkipped"  # perishable: its final was handed over first, or the enqueue failed
# Call recording (audioRecordingAllowed): segments written, write failures (retried), WAVs joined, recordings lost
RECORDING_SEGMENTS_METRIC = "RecordingSegmentsWritten"
RECORDING_WRITE_FAILURES_METRIC = "RecordingWriteFailures"
RECORDINGS_JOINED_METRIC = "RecordingsJoined"
RECORDING_FAILURES_METRIC = "RecordingFailures"


class SessionOutcome(StrEnum):
    DRAINED = "DRAINED"  # stop requested: read up to the stop point, published everything
    ENDED = "ENDED"  # the call's media ended (no new audio, or another contact took over the stream)
    FAILED = "FAILED"  # corrupt stream, error tag, access denied, KVS unreachable for too long
    HANDED_OVER = "HANDED_OVER"  # worker shutting down: checkpoint saved, lease released
    LOST_LEASE = "LOST_LEASE"  # another worker took the session over (we stalled past the lease)
    BUSY = "BUSY"  # another live worker owns this session
    STALE = "STALE"  # the job is for an older generation or an already-finished one


@dataclass(frozen=True)
class SessionSettings:
    lease_ms: int = 20_000
    # the checkpoint is saved with a heartbeat at most this often (the lease itself is renewed every heartbeat): a
    # crash's successor re-reads at most this much more audio, and publishes nothing twice
    checkpoint_every_s: float = 15.0
    drain_idle_s: float = 3.0  # after a stop: give up waiting for audio up to the stop point after this long idle
    publish_retry_s: float = 60.0  # keep retrying a failing publish this long before failing the session
    start_lookup_s: float = 5.0  # how long to wait for Connect's start fragment to become listable
    reader: ReaderSettings = field(default_factory=ReaderSettings)


@dataclass
class SessionDeps:
    worker_id: str
    leases: LeaseStore
    conversations: ConversationReader
    record_event: Callable[[str, int, Event], object]  # SessionService.record_gateway_event
    media: MediaSource
    engine: SpeechEngine
    sink: UtteranceSink
    metrics: Metrics
    redactor: Redactor = field(default_factory=Redactor)
    # the worker's stop check reads all its sessions in one request per pass; None: one `conversations.get` each
    conversation_batch: ConversationBatchReader | None = None
    # the control plane's per-worker stop signals: with them (and a batch reader) the supervisor reads a session's
    # conversation when it is signalled, once when it starts, and every WorkerSettings.recheck_every_s besides
    stop_signals: StopSignals | None = None
    # where calls with audioRecordingAllowed are recorded; None: not recorded (a warning per such session)
    recordings: RecordingStore | None = None
    now_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000
    monotonic: Callable[[], float] = time.monotonic


class Publisher:
    """Publishes one session's utterances on a thread of its own, in the order they were handed over, so a decode
    thread returns at once and a slow or failing store stalls only this session. After a publish fails, everything
    handed over later fails with the same error without being tried: nothing is published past a failure."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._cond = threading.Condition()
        self._queue: deque[tuple[Callable[[], None], Future[None]]] = deque()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._failure: BaseException | None = None

    def submit(self, publish: Callable[[], None]) -> Future[None]:
        """Queue `publish` (it raises on failure); the future completes once it has run."""
        future: Future[None] = Future()
        with self._cond:
            refused = self._failure or (RuntimeError("the session has finished") if self._closed else None)
            if refused is None:
                self._queue.append((publish, future))
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
                self._cond.notify()
        if refused is not None:
            future.set_exception(refused)
        return future

    def close(self) -> None:
        """No more work: the thread finishes what is queued, then ends."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                publish, future = self._queue.popleft()
                failure = self._failure
            if failure is not None:
                future.set_exception(failure)
                continue
            try:
                publish()
            except BaseException as exc:
                with self._cond:
                    self._failure = exc
                future.set_exception(exc)
            else:
                future.set_result(None)


class Session:
    def __init__(self, job: SessionJob, deps: SessionDeps, settings: SessionSettings | None = None) -> None:
        self.job = job
        self.deps = deps
        self.settings = settings or SessionSettings()
        self.guid = job.guid
        self.outcome: SessionOutcome | None = None
        self.error: str | None = None
        self._reader: KvsReader | None = None
        self._tracks: dict[Role, ParticipantTrack] = {}
        self._track_from: dict[Role, int] = {}  # per participant: frames before this were transcribed already
        self._recorder: CallRecorder | None = None
        self._checkpoint: Checkpoint | None = None
        self._lease_version = 0  # of the lease this run acquired: its checkpoint writes carry it
        self._saved_checkpoint: Checkpoint | None = None  # the last one a heartbeat saved, and when (monotonic)
        self._saved_at: float | None = None
        self._origin_ms: int | None = None
        self._restart_fragment_ts: int | None = None
        self._contact_id: str | None = None
        self._stop_at_ms: int | None = None
        self._stop_seen: float | None = None
        self._handover = threading.Event()
        self._lease_lost = threading.Event()
        self._publish_failed: BaseException | None = None
        self._publisher = Publisher(f"publish-{job.guid[:8]}")
        # per role: the last text redacted for the decoding context, its output and how long that took (_redact)
        self._redacted: dict[Role, tuple[str, OutputText, float]] = {}
        # Interims: an unfinished number cannot be classified yet, so every number in an interim is masked.
        self._interim_redactor = Redactor(replace(deps.redactor.policy, short_numbers=(1, 4)))
        self._finals_handed: dict[Role, int] = {}  # per role: the sequence of the last final handed to the publisher
        self._media_started = False
        self._last_progress = deps.monotonic()
        self._lock = threading.Lock()
        self._reconnects_reported = 0
        self.started = threading.Event()
        self.finishing = threading.Event()  # the lease is being released: no more heartbeats or job extensions
        self._lease_lock = threading.Lock()  # the lease is ours and the session is reading: heartbeats may begin

    # -- called by the worker's supervisor thread ------------------------------------------------

    def request_stop(self, stop_at_ms: int) -> None:
        """The conversation is STOPPING: read up to `stop_at_ms` (producer time), then finish."""
        if self._stop_at_ms is None:
            self._stop_at_ms = stop_at_ms
            self._stop_seen = self.deps.monotonic()
            logger.info("stop requested", extra={"guid": self.guid, "stop_at_ms": stop_at_ms})
        if self._reached_stop() or self._drain_idle():
            self._close_reader()

    def hand_over(self) -> None:
        """Worker shutting down: stop reading now; run() saves the checkpoint and releases the lease."""
        self._handover.set()
        self._close_reader()

    def heartbeat(self) -> bool:
        """Renew the lease with the latest checkpoint and counters (one write); False if the lease was lost."""
        with self._lease_lock:
            if self.finishing.is_set():
                return True  # released (or about to be): nothing to renew
            with self._lock:
                checkpoint = self._checkpoint
            now = self.deps.monotonic()
            due = checkpoint is not None and checkpoint != self._saved_checkpoint
            due = due and (self._saved_at is None or now - self._saved_at >= self.settings.checkpoint_every_s)
            renewed = self.deps.leases.renew(
                self.guid,
                self.deps.worker_id,
                now_ms=self.deps.now_ms(),
                lease_ms=self.settings.lease_ms,
                checkpoint=checkpoint if due else None,
                counters=self._stream_records(),
                version=self._lease_version,
            )
            if renewed and due:
                self._saved_checkpoint, self._saved_at = checkpoint, now
        if not renewed:
            logger.warning("lease lost to another worker", extra={"guid": self.guid})
            self._lease_lost.set()
            self._close_reader()
            return False
        return True

    def take_reconnects(self) -> int:
        """Reconnects since the last call (for the KvsReconnects metric)."""
        total = self._reader.reconnects if self._reader is not None else 0
        new, self._reconnects_reported = total - self._reconnects_reported, total
        return new

    @property
    def millis_behind_now(self) -> int | None:
        return self._reader.millis_behind_now if self._reader is not None else None

    # -- the session thread ----------------------------------------------------------------------

    def run(self) -> SessionOutcome:
        try:
            self.outcome = self._run()
        except Exception as exc:  # a bug or an outage of our own stores: hand back, keep the worker alive
            logger.exception("session crashed", extra={"guid": self.guid})
            self.error = f"{type(exc).__name__}: {exc}"
            self._release_quietly()
            self.outcome = SessionOutcome.HANDED_OVER
        finally:
            self._publisher.close()
        return self.outcome

    def _run(self) -> SessionOutcome:
        d, job = self.deps, self.job
        lease = d.leases.acquire(self.guid, d.worker_id, now_ms=d.now_ms(), lease_ms=self.settings.lease_ms)
        if lease is None:
            return SessionOutcome.BUSY
        self._lease_version = lease.version
        conv = d.conversations.get(self.guid)
        checkpoint = lease.checkpoint
        if (
            conv is None
            or conv.generation != job.generation
            or conv.state not in _WORKING
            or (checkpoint is not None and checkpoint.generation == job.generation and checkpoint.finished)
        ):
            self._release(checkpoint)
            return SessionOutcome.STALE
        if conv.state is SessionState.STOPPING and conv.stop_requested_at_ms is not None:
            self.request_stop(conv.stop_requested_at_ms)
        point = start_point(
            job,
            checkpoint,
            d.media,
            lookup_s=self.settings.start_lookup_s,
            cancelled=self._handover,
            monotonic=d.monotonic,
        )
        if not point.exact:
            logger.warning("start fragment not found; starting after it", extra={"guid": self.guid})
        takeover = point.takeover
        self._origin_ms = checkpoint.origin_ts_ms if checkpoint else None
        # until this owner has read a fragment, a takeover of it must restart where this one did
        self._restart_fragment_ts = checkpoint.fragment_ts_ms if takeover and checkpoint else None
        self._contact_id = checkpoint.contact_id if checkpoint else None
        for stream in job.streams:
            base = checkpoint.stream(stream.role) if checkpoint else StreamCheckpoint()
            self._tracks[stream.role] = ParticipantTrack(
                stream.role, base, self._recognizer_factory(stream.role), takeover=takeover
            )
        self._track_from = dict(point.skip_before_ms)
        skip_before_ms = self._start_recording(checkpoint if takeover else None, point.skip_before_ms)
        self._checkpoint = self._snapshot()
        self.started.set()
        self._reader = KvsReader(
            d.media, job.stream_arn, point.selector, settings=self.settings.reader, skip_before_ms=skip_before_ms
        )
        if self._handover.is_set():
            self._reader.close()
        d.metrics.count("SessionsStarted")
        if takeover:
            d.metrics.count("SessionsTakenOver")  # carrying on another owner's run (handover, crash, lost lease)
        logger.info(
            "session started",
            extra={
                "guid": self.guid,
                "generation": job.generation,
                "selector": point.selector.type.value,
                "takeover": takeover,
            },
        )
        outcome, event = self._read()
        return self._finish(outcome, event)

    def _read(self) -> tuple[SessionOutcome, Event | None]:
        assert self._reader is not None
        try:
            return self._consume(self._reader)
        except MediaEnded:
            if self._stop_at_ms is not None:
                return SessionOutcome.DRAINED, Event.DRAINED
            return SessionOutcome.ENDED, Event.MEDIA_ENDED
        except (MkvError, KvsStreamError, UnsupportedAudio, MediaError) as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            logger.error("session failed", extra={"guid": self.guid, "error": self.error})
            return SessionOutcome.FAILED, Event.FAILED
        finally:
            self._reader.close()

    def _consume(self, reader: KvsReader) -> tuple[SessionOutcome, Event | None]:
        for event in reader.events():
            if isinstance(event, AudioFrame):
                self._feed(event)
                if self._reached_stop():
                    break
            elif isinstance(event, FragmentTagged):
                contact = event.fragment.contact_id
                if self._contact_id is None:
                    self._contact_id = contact
                elif contact is not None and contact != self._contact_id:
                    logger.info("another contact took over the stream", extra={"guid": self.guid})
                    return SessionOutcome.ENDED, Event.MEDIA_ENDED
                self._write_recording()
                with self._lock:
                    self._checkpoint = self._snapshot()
            if self._publish_failed is not None:
                raise self._publish_failed
        if self._lease_lost.is_set():
            return SessionOutcome.LOST_LEASE, None
        if self._handover.is_set():
            return SessionOutcome.HANDED_OVER, None
        if self._stop_at_ms is not None:
            return SessionOutcome.DRAINED, Event.DRAINED
        return SessionOutcome.ENDED, Event.MEDIA_ENDED

    def _feed(self, frame: AudioFrame) -> None:
        if self._origin_ms is None:
            self._origin_ms = frame.timestamp_ms
        if self._recorder is not None:
            fragment_ts = frame.fragment.producer_ts_ms
            self._recorder.place(frame.role, frame.timestamp_ms, frame.pcm, fragment_ts, self._origin_ms)
        track = self._tracks.get(frame.role)
        if track is None or frame.timestamp_ms < self._track_from.get(frame.role, 0):
            return  # before the participant's resume point: read again for the recording only
        track.feed(frame.pcm, frame.timestamp_ms, frame.fragment.producer_ts_ms, self._origin_ms)
        self._last_progress = self.deps.monotonic()
        if not self._media_started:
            self._media_started = True
            self._report(Event.MEDIA_STARTED)

    def _finish(self, outcome: SessionOutcome, event: Event | None) -> SessionOutcome:
        d = self.deps
        if outcome is SessionOutcome.LOST_LEASE:
            return outcome  # the new owner carries on; anything we publish meanwhile has the same ids
        if outcome is SessionOutcome.HANDED_OVER:
            for track in self._tracks.values():
                if track.recognizer is not None:
                    track.recognizer.wait_idle()
            with self._lock:
                self._checkpoint = self._snapshot()
            d.leases.save_streams(self._stream_records())
            self._release(self._checkpoint)
            return outcome
        for track in self._tracks.values():
            if track.recognizer is not None:
                try:
                    track.recognizer.flush()  # the open utterance ends here; every utterance is published
                except Exception as exc:
                    self.error = self.error or f"{type(exc).__name__}: {exc}"
                    outcome, event = SessionOutcome.FAILED, Event.FAILED
        if self._publish_failed is not None:
            # nothing past the failed utterance is marked settled: leave the checkpoint where it was and retry
            self._release(self._checkpoint)
            raise self._publish_failed
        self._finish_recording(stop_at_ms=self._stop_at_ms if outcome is SessionOutcome.DRAINED else None)
        final = self._snapshot(final=True)
        d.leases.save_streams(self._stream_records())
        self._release(final)
        if event is not None:
            self._report(event)
        if outcome is SessionOutcome.FAILED:
            d.metrics.count("SessionsFailed")
        logger.info("session finished", extra={"guid": self.guid, "outcome": outcome.value, "error": self.error})
        return outcome

    # -- helpers ---------------------------------------------------------------------------------

    def _start_recording(self, checkpoint: Checkpoint | None, skip: dict[Role, int]) -> dict[Role, int]:
        """Record this run if the conversation allows it; returns where the reader starts passing each participant's
        frames on: on a takeover, no later than the recording's first segment the previous owner may not have
        written (the participant's track skips what it transcribed already)."""
        if not self.job.settings.audio_recording_allowed:
            return skip
        if self.deps.recordings is None:
            logger.warning("recording allowed but no recordings bucket is configured", extra={"guid": self.guid})
            return skip
        pending = checkpoint.recording_segment if checkpoint is not None else None
        self._recorder = CallRecorder(self.guid, self.deps.recordings, pending_segment=pending)
        restart = self._recorder.restart_ms(self._origin_ms) if self._origin_ms is not None else None
        if restart is None:
            return skip
        return {role: min(ms, restart) for role, ms in skip.items()}

    def _write_recording(self) -> None:
        """At each fragment: write the recording's segments the stream has passed. A failure is retried at the next
        fragment; until then the checkpoint keeps the segment pending, so a takeover reads it again."""
        if self._recorder is None:
            return
        try:
            written = self._recorder.write_due()
        except Exception as exc:
            self.deps.metrics.count(RECORDING_WRITE_FAILURES_METRIC)
            logger.warning(
                "recording segment not written; retrying",
                extra={"guid": self.guid, "error": f"{type(exc).__name__}: {exc}"},
            )
            return
        if written:
            self.deps.metrics.count(RECORDING_SEGMENTS_METRIC, written)

    def _finish_recording(self, *, stop_at_ms: int | None) -> None:
        """The run ends: write what is left (up to the stop point, if it stopped at one) and join the segments into
        the call's WAV. A recording that cannot be written is counted and logged; it never fails the transcript."""
        recorder, store = self._recorder, self.deps.recordings
        if recorder is None or store is None:
            return
        if stop_at_ms is not None and self._origin_ms is not None:
            recorder.cut(stop_at_ms, self._origin_ms)
        try:
            with_retries(recorder.write_all, attempts=5, wait=self._lease_lost.wait)
            with_retries(lambda: join_recording(self.guid, store), attempts=5, wait=self._lease_lost.wait)
        except Exception as exc:
            self.deps.metrics.count(RECORDING_FAILURES_METRIC)
            logger.error("recording not saved", extra={"guid": self.guid, "error": f"{type(exc).__name__}: {exc}"})
            return
        self.deps.metrics.count(RECORDINGS_JOINED_METRIC)
        if recorder.late_samples:
            logger.warning(
                "late audio left out of the recording", extra={"guid": self.guid, "samples": recorder.late_samples}
            )

    def _recognizer_factory(self, role: Role) -> StartRecognizer:
        settings = self.job.settings

        def start(offset_ms: int, base: StreamCheckpoint, floor: int, vad: bytes | None) -> Recognizer:
            options = StreamOptions(
                language=settings.language,
                detailed_token=settings.detailed_token,
                offset_ms=offset_ms,
                first_sequence=base.sequence,
                context=base.context,
                floor_samples=floor,
                # context is checkpointed: keep it in the form the conversation's messages are stored in
                context_filter=lambda text: self._redact(role, text).text,
                vad_state=vad,
                interim_results=bool(settings.interim_results),
                vocabulary=terms_from(settings.custom_vocabulary),  # the engine adds the deployment's list
            )
            return self.deps.engine.stream(
                options, lambda u: self._hand_to_publisher(role, u), lambda i: self._hand_interim(role, i)
            )

        return start

    def _redact(self, role: Role, text: str) -> OutputText:
        """The one place an utterance is redacted. The recognizer asks for the context form of each text it delivers
        (the next decode is conditioned on it, and it is checkpointed as stored), then hands the utterance over on
        the same decode thread: _hand_to_publisher takes this result instead of redacting the text again."""
        began = self.deps.monotonic()
        output = self.deps.redactor.output(text, self.job.settings.redaction_output)
        self._redacted[role] = (text, output, (self.deps.monotonic() - began) * 1000)
        return output

    def _hand_to_publisher(self, role: Role, utterance: Utterance) -> Future[None]:
        """Runs on a decode thread: queue the utterance for this session's publisher and return at once. The
        recognizer counts it as delivered (its settled point passes it) only once the future says it is published."""
        handed_at = self.deps.monotonic()
        last = self._redacted.pop(role, None)
        if last is None or last[0] != utterance.text:  # an engine that skipped the context form
            self._redact(role, utterance.text)
            last = self._redacted.pop(role)
        _, text, redact_ms = last
        self._finals_handed[role] = utterance.sequence
        return self._publisher.submit(lambda: self._publish(role, utterance, text, redact_ms, handed_at))

    def _hand_interim(self, role: Role, interim: Interim) -> None:
        """Runs on a decode thread, under the recognizer's hand-over lock: an interim is queued for the publisher
        before its final, never after it."""
        text = self._interim_redactor.output(interim.text, self.job.settings.redaction_output)
        self._publisher.submit(lambda: self._publish_interim(role, interim, text))

    def _publish_interim(self, role: Role, interim: Interim, text: OutputText) -> None:
        """On the publisher thread. Perishable: skipped once its final has been handed over, tried once, and a
        failure only counts (a final's publish retries and fails the session; an interim never does)."""
        d = self.deps
        if self._finals_handed.get(role, 0) >= interim.sequence or self._origin_ms is None:
            d.metrics.count(INTERIMS_SKIPPED_METRIC)
            return
        message = build_interim(self.job, role, interim, text, origin_ms=self._origin_ms, now_ms=d.now_ms())
        try:
            d.sink.publish_interim(message)
        except Exception:
            d.metrics.count(INTERIMS_SKIPPED_METRIC)
            logger.warning("interim not enqueued", extra={"guid": self.guid, "utterance_id": message.utterance_id})
            return
        d.metrics.count(INTERIMS_PUBLISHED_METRIC)

    def _publish(self, role: Role, utterance: Utterance, text: OutputText, redact_ms: float, handed_at: float) -> None:
        """Runs on the publisher thread, in order per session. Retries; the checkpoint never passes a failure."""
        d = self.deps
        assert self._origin_ms is not None
        waited_ms = (d.monotonic() - handed_at) * 1000
        message = build_message(
            self.job,
            role,
            utterance,
            text,
            origin_ms=self._origin_ms,
            now_ms=d.now_ms(),
            publish_queue_ms=waited_ms,
            redact_ms=redact_ms,
        )
        began = d.monotonic()
        deadline = began + self.settings.publish_retry_s
        attempt = 0
        while True:
            try:
                d.sink.publish(message)
                break
            except Exception as exc:
                attempt += 1
                if d.monotonic() >= deadline or self._lease_lost.is_set():
                    self._publish_failed = exc  # before the recognizer hears of it: _finish checks it after flush
                    logger.error("publish failed", extra={"guid": self.guid, "utterance_id": message.utterance_id})
                    raise
                # a lost lease ends the wait at once: the new owner publishes from its checkpoint
                self._lease_lost.wait(min(5.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311
        publish_ms = (d.monotonic() - began) * 1000
        d.metrics.count("UtterancesPublished")
        d.metrics.observe(PUBLISH_LAG_METRIC, max(0, d.now_ms() - message.audio_timestamp_ms))
        if message.timings is not None:
            _observe_stages(d.metrics, message.timings, publish_ms)

    def _reached_stop(self) -> bool:
        if self._stop_at_ms is None:
            return False
        ends = [t.last_end_ms for t in self._tracks.values() if t.last_end_ms is not None]
        return bool(ends) and min(ends) >= self._stop_at_ms

    def _drain_idle(self) -> bool:
        if self._stop_seen is None:
            return False
        idle_since = max(self._stop_seen, self._last_progress)
        return self.deps.monotonic() - idle_since >= self.settings.drain_idle_s

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()

    def _snapshot(self, *, final: bool = False) -> Checkpoint:
        streams: dict[Role, StreamCheckpoint] = {}
        fragment_ts: list[int] = []
        for role, track in self._tracks.items():
            if final:
                streams[role] = track.final_position()
                continue
            position = track.position()
            streams[role] = position.checkpoint
            if position.fragment_ts_ms is not None:
                fragment_ts.append(position.fragment_ts_ms)
        recording = self._recorder.pending_segment if self._recorder is not None else None
        if not final and self._recorder is not None and self._recorder.restart_fragment_ts_ms is not None:
            fragment_ts.append(self._recorder.restart_fragment_ts_ms)
        return Checkpoint(
            generation=self.job.generation,
            origin_ts_ms=self._origin_ms,
            contact_id=self._contact_id,
            fragment_ts_ms=min(fragment_ts) if fragment_ts else self._restart_fragment_ts,
            continuation_token=self._reader.continuation_token if self._reader else None,
            streams=streams,
            finished=final,
            recording_segment=None if final else recording,
        )

    def _stream_records(self) -> list[StreamRecord]:
        return [
            StreamRecord(
                guid=self.guid,
                role=role,
                stream_id=s.stream_id,
                total_audio_bytes=self._tracks[role].audio_bytes,
                audio_duration_ms=self._tracks[role].audio_ms,
                transcripts=self._tracks[role].delivered,
            )
            for s in self.job.streams
            if (role := s.role) in self._tracks
        ]

    def _report(self, event: Event) -> None:
        """Tell the control plane; a rejected transition (say, the call was stopped meanwhile) is not ours to fix."""
        try:
            self.deps.record_event(self.guid, self.job.generation, event)
        except Exception as exc:
            logger.warning(
                "session event not recorded",
                extra={"guid": self.guid, "event": event.value, "error": f"{type(exc).__name__}: {exc}"},
            )

    def _release(self, checkpoint: Checkpoint | None) -> None:
        with self._lease_lock:  # a heartbeat after this would find another owner (or none) and cry wolf
            self.finishing.set()
            self.deps.leases.release(self.guid, self.deps.worker_id, checkpoint=checkpoint, version=self._lease_version)

    def _release_quietly(self) -> None:
        try:
            self._release(self._checkpoint)
        except Exception:
            logger.exception("could not release the lease", extra={"guid": self.guid})


def _observe_stages(metrics: Metrics, timings: UtteranceTimings, publish_ms: float) -> None:
    metrics.observe(ENDPOINT_WAIT_METRIC, timings.endpoint_wait_ms)
    metrics.observe(QUEUE_WAIT_METRIC, timings.queue_wait_ms)
    metrics.observe(DECODE_METRIC, timings.decode_ms)
    if timings.fallback_ms > 0:
        metrics.observe(FALLBACK_DECODE_METRIC, timings.fallback_ms)
    metrics.observe(PUBLISH_QUEUE_METRIC, timings.publish_queue_ms)
    metrics.observe(REDACT_METRIC, timings.redact_ms)
    metrics.observe(PUBLISH_METRIC, round(publish_ms, 2))
