"""The worker process: take session jobs while there is capacity, run each session on its own thread, and
supervise them (stop requests within a second, lease heartbeats, job visibility, metrics, clean handover)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from connect_transcribe.gateway.ports import JobSource, Liveness
from connect_transcribe.gateway.session import Session, SessionDeps, SessionOutcome, SessionSettings
from connect_transcribe.models.session import Conversation, ReceivedJob, SessionState
from connect_transcribe.observability import logger

_DONE = frozenset({SessionOutcome.DRAINED, SessionOutcome.ENDED, SessionOutcome.FAILED, SessionOutcome.STALE})


@dataclass(frozen=True)
class WorkerSettings:
    max_sessions: int = 12  # per task (2 vCPU): see the gateway benchmark in README
    receive_wait_s: float = 5.0  # SQS long poll (returns as soon as a job arrives)
    supervise_every_s: float = 0.5  # stop requests are seen within this (+ one DynamoDB read for all sessions)
    # with stop signals (SessionDeps.stop_signals) a session's conversation is read when signalled, when the session
    # starts, and this often besides: the bound on a stop whose signal was lost
    recheck_every_s: float = 10.0
    # lease renewal with the stop-summary counters (one small write; the checkpoint rides along at most every
    # SessionSettings.checkpoint_every_s): 4 renewals per 20 s lease
    heartbeat_every_s: float = 5.0
    # a running session's job stays invisible this long past each extension: a dead worker's sessions reappear
    # for others within it (keep it near the lease)
    visibility_s: int = 20
    busy_retry_s: int = 5  # another worker owns the session: look again after this
    crash_retry_s: int = 5
    max_in_flight_s: float = 11.5 * 3600  # SQS keeps a message in flight at most 12 h: re-send a copy before
    metrics_every_s: float = 10.0
    handover_timeout_s: float = 60.0
    session: SessionSettings = field(default_factory=SessionSettings)


@dataclass
class _Running:
    session: Session
    received: ReceivedJob
    thread: threading.Thread
    received_at: float
    extended_at: float
    heartbeat_at: float = 0.0
    checked_at: float | None = None  # when its conversation was last read by the stop check
    receipt: str | None = None  # None once the job was re-sent (the copy carries it on)


class Worker:
    def __init__(
        self,
        jobs: JobSource,
        deps: SessionDeps,
        settings: WorkerSettings | None = None,
        *,
        session_factory: Callable[..., Session] = Session,
        liveness: Liveness | None = None,
    ) -> None:
        self.jobs = jobs
        self.deps = deps
        self.settings = settings or WorkerSettings()
        self._session_factory = session_factory
        self._liveness = liveness
        self._liveness_failed = False
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.id = deps.worker_id or f"worker-{uuid.uuid4()}"
        # (guid, outcome) of recent sessions, for tests and the local demo; bounded for a process that runs for weeks
        self.finished: deque[tuple[str, SessionOutcome]] = deque(maxlen=10_000)

    @property
    def active_sessions(self) -> int:
        with self._lock:
            return len(self._running)

    def sessions(self) -> list[Session]:
        with self._lock:
            return [r.session for r in self._running.values()]

    # -- lifecycle -------------------------------------------------------------------------------

    def run(self) -> None:
        """Take jobs until shutdown(); returns once every session has finished or been handed over."""
        self._supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
        self._supervisor.start()
        logger.info("worker started", extra={"worker_id": self.id, "max_sessions": self.settings.max_sessions})
        while not self._stopping.is_set():
            free = self.settings.max_sessions - self.active_sessions
            if free <= 0:
                self._stopping.wait(0.2)
                continue
            try:
                received = self.jobs.receive(min(10, free), self.settings.receive_wait_s)
            except Exception:
                logger.exception("receiving jobs failed")
                self._stopping.wait(1.0)
                continue
            for item in received:
                self._start(item)
        self._hand_over_all()
        self._stopped.set()
        if self._liveness is not None:
            self._supervisor.join(timeout=5)  # its last beat must not come after the clear
            with contextlib.suppress(OSError):
                self._liveness.clear()
        logger.info("worker stopped", extra={"worker_id": self.id})

    def shutdown(self) -> None:
        """SIGTERM: take no more jobs, hand every session over (checkpoint, release), let run() return."""
        self._stopping.set()

    def wait_stopped(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)

    # -- sessions --------------------------------------------------------------------------------

    def _start(self, item: ReceivedJob) -> None:
        if item.job is None:
            # never dropped: left on the queue, it reaches the dead-letter queue (and its alarm) after retries
            logger.error("invalid session job", extra={"error": item.error})
            with contextlib.suppress(Exception):
                self.jobs.retry_later(item.receipt, self.settings.crash_retry_s)
            return
        job = item.job
        with self._lock:
            if job.guid in self._running:  # a duplicate of a job we are running: it returns later, or goes STALE
                with contextlib.suppress(Exception):
                    self.jobs.retry_later(item.receipt, self.settings.busy_retry_s)
                return
            session = self._session_factory(job, self.deps, self.settings.session)
            now = time.monotonic()
            thread = threading.Thread(target=self._run_session, args=(session,), name=f"session-{job.guid[:8]}")
            self._running[job.guid] = _Running(session, item, thread, now, now, receipt=item.receipt)
        thread.start()

    def _run_session(self, session: Session) -> None:
        outcome = session.run()
        with self._lock:
            running = self._running.pop(session.guid, None)
        self.finished.append((session.guid, outcome))
        if running is None or running.receipt is None:
            return
        try:
            if outcome in _DONE:
                self.jobs.delete(running.receipt)
            elif outcome is SessionOutcome.BUSY:
                self.jobs.retry_later(running.receipt, self.settings.busy_retry_s)
            elif outcome is SessionOutcome.HANDED_OVER:
                delay = 0 if session.error is None else self.settings.crash_retry_s
                self.jobs.retry_later(running.receipt, delay)
            # LOST_LEASE: another worker owns the session now; leave the message alone
        except Exception:
            logger.exception("updating the session job failed", extra={"guid": session.guid})

    def _hand_over_all(self) -> None:
        with self._lock:
            running = list(self._running.values())
        for r in running:
            r.session.hand_over()
        deadline = time.monotonic() + self.settings.handover_timeout_s
        for r in running:
            r.thread.join(max(0.0, deadline - time.monotonic()))

    # -- supervision -----------------------------------------------------------------------------

    def _supervise(self) -> None:
        s = self.settings
        last_metrics = time.monotonic()
        while not self._stopped.is_set():
            began = time.monotonic()
            self._beat()
            running = self._supervise_pass(began)
            if began - last_metrics >= s.metrics_every_s:
                last_metrics = began
                self._emit_metrics(running)
            self._stopped.wait(max(0.0, s.supervise_every_s - (time.monotonic() - began)))

    def _supervise_pass(self, now: float) -> list[_Running]:
        """One pass over the running sessions at monotonic time `now`: stop check, heartbeats, job visibility."""
        with self._lock:
            running = list(self._running.values())
        conversations = self._read_conversations(running, now)
        for r in running:
            try:
                self._supervise_one(r, now, conversations)
            except Exception:
                logger.exception("supervising a session failed", extra={"guid": r.session.guid})
        return running

    def _beat(self) -> None:
        """Also while handing over after SIGTERM: the worker is alive until run() returns."""
        if self._liveness is None:
            return
        try:
            self._liveness.beat()
        except OSError:
            if not self._liveness_failed:  # once, not twice a second: the health check will say the rest
                logger.exception("writing the liveness file failed")
            self._liveness_failed = True
        else:
            self._liveness_failed = False

    @staticmethod
    def _watched(session: Session) -> bool:
        return session.started.is_set() and not session.finishing.is_set() and session.outcome is None

    def _read_conversations(self, running: list[_Running], now: float) -> dict[str, Conversation] | None:
        """The conversations of this pass's stop check in one batch read (None: no batch reader, read each watched
        session's one by one). Without stop signals every watched session is read each pass; with them, only those
        signalled, new, or due for their re-check. A failed read skips this pass's stop check, not the heartbeats."""
        batch = self.deps.conversation_batch
        if batch is None:
            return None
        due = self._due(running, now)
        if not due:
            return {}
        try:
            found = batch.get_many([r.session.guid for r in due])
        except Exception:
            logger.exception("reading the conversations failed", extra={"sessions": len(due)})
            return {}
        for r in due:
            r.checked_at = now
        return found

    def _due(self, running: list[_Running], now: float) -> list[_Running]:
        watched = [r for r in running if self._watched(r.session)]
        signals = self.deps.stop_signals
        if signals is None or not watched:
            return watched
        try:
            signalled = signals.take(self.id)
        except Exception:
            logger.exception("reading the stop signals failed")
            return watched  # this pass reads them all, as without signals
        recheck = self.settings.recheck_every_s
        return [
            r for r in watched if r.session.guid in signalled or r.checked_at is None or now - r.checked_at >= recheck
        ]

    def _supervise_one(self, r: _Running, now: float, conversations: dict[str, Conversation] | None = None) -> None:
        s, session = self.settings, r.session
        if not self._watched(session):
            return
        conv = (conversations if conversations is not None else self.deps.conversations).get(session.guid)
        if conv is not None:
            if conv.state is SessionState.STOPPING and conv.generation == session.job.generation:
                session.request_stop(conv.stop_requested_at_ms or self.deps.now_ms())
            elif conv.generation != session.job.generation or conv.state not in (
                SessionState.STARTING,
                SessionState.STREAMING,
                SessionState.STOPPING,
            ):
                # stopped and already resumed (new generation), or ended elsewhere: finish this generation
                session.request_stop(conv.stop_requested_at_ms or self.deps.now_ms())
        if now - r.heartbeat_at >= s.heartbeat_every_s:
            r.heartbeat_at = now
            session.heartbeat()
        if r.receipt is not None and now - r.extended_at >= s.visibility_s / 3:
            r.extended_at = now
            self.jobs.extend(r.receipt, s.visibility_s)
        if r.receipt is not None and now - r.received_at >= s.max_in_flight_s:
            self.jobs.resend(session.job)  # the copy waits (BUSY) while we run, and takes over if we die
            self.jobs.delete(r.receipt)
            r.receipt = None

    def _emit_metrics(self, running: list[_Running]) -> None:
        m = self.deps.metrics
        m.observe("ActiveSessions", len(running), unit="Count")
        m.observe("SessionCapacity", self.settings.max_sessions, unit="Count")
        for r in running:
            behind = r.session.millis_behind_now
            if behind is not None:
                m.observe("MillisBehindNow", behind)
            reconnects = r.session.take_reconnects()
            if reconnects:
                m.count("KvsReconnects", reconnects)
        flush = getattr(m, "flush", None)
        if flush is not None:
            flush()
