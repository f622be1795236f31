"""The worker's job handling, with a fake queue and fake sessions: what happens to a job for every outcome,
visibility extension while a session runs, and the 12-hour re-send."""

from __future__ import annotations

import threading
import time
from typing import Any

from connect_transcribe.gateway.session import SessionDeps, SessionOutcome
from connect_transcribe.gateway.worker import Worker, WorkerSettings
from connect_transcribe.models.session import ReceivedJob, SessionJob

from tests.factories import session_job


def job(guid: str) -> SessionJob:
    return session_job(guid)


class FakeJobs:
    def __init__(self, items: list[ReceivedJob]) -> None:
        self.items = items
        self.calls: list[tuple[str, Any, Any]] = []

    def receive(self, max_jobs: int, wait_s: float) -> list[ReceivedJob]:
        taken, self.items = self.items[:max_jobs], self.items[max_jobs:]
        if not taken:
            time.sleep(0.01)
        return taken

    def extend(self, receipt: str, seconds: int) -> None:
        self.calls.append(("extend", receipt, seconds))

    def retry_later(self, receipt: str, seconds: int) -> None:
        self.calls.append(("retry_later", receipt, seconds))

    def delete(self, receipt: str) -> None:
        self.calls.append(("delete", receipt, None))

    def resend(self, job: SessionJob) -> None:
        self.calls.append(("resend", job.guid, None))


class FakeConversations:
    def get(self, guid: str) -> None:
        return None


class FakeSession:
    """Runs until released; ends with the outcome named by its guid."""

    def __init__(self, job: SessionJob, deps: SessionDeps, settings: object) -> None:
        self.job, self.guid = job, job.guid
        self.outcome: SessionOutcome | None = None
        self.error: str | None = None
        self.started = threading.Event()
        self.finishing = threading.Event()
        self.started.set()
        self.release = threading.Event()
        self.handed = False
        self.heartbeats = 0
        FakeSession.instances[job.guid] = self

    instances: dict[str, FakeSession] = {}

    def run(self) -> SessionOutcome:
        self.release.wait(5)
        self.outcome = SessionOutcome.HANDED_OVER if self.handed else SessionOutcome(self.guid.split("-")[0])
        return self.outcome

    def hand_over(self) -> None:
        self.handed = True
        self.release.set()

    def heartbeat(self) -> bool:
        self.heartbeats += 1
        return True

    def request_stop(self, stop_at_ms: int) -> None: ...

    def take_reconnects(self) -> int:
        return 0

    millis_behind_now = None


def deps() -> SessionDeps:
    return SessionDeps(
        worker_id="w",
        leases=None,
        conversations=FakeConversations(),
        record_event=lambda *a: None,
        media=None,
        engine=None,
        sink=None,
        metrics=type("M", (), {"count": lambda *a: None, "observe": lambda *a, **k: None})(),
    )


class FakeLiveness:
    def __init__(self, *, broken: bool = False) -> None:
        self.beats = 0
        self.cleared = False
        self.broken = broken

    def beat(self) -> None:
        self.beats += 1
        if self.broken:
            raise PermissionError("read-only file system")

    def clear(self) -> None:
        self.cleared = True


def run_worker(
    items: list[ReceivedJob], liveness: FakeLiveness | None = None, **settings: Any
) -> tuple[Worker, FakeJobs, threading.Thread]:
    jobs = FakeJobs(items)
    worker = Worker(
        jobs,
        deps(),
        WorkerSettings(supervise_every_s=0.02, **settings),
        session_factory=FakeSession,
        liveness=liveness,
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, jobs, thread


def wait(condition: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_each_outcome_decides_what_happens_to_the_job() -> None:
    names = ["DRAINED-1", "ENDED-1", "FAILED-1", "STALE-1", "BUSY-1", "LOST_LEASE-1"]
    worker, jobs, _ = run_worker([ReceivedJob(f"r-{n}", job(n)) for n in names], busy_retry_s=7)
    wait(lambda: len(FakeSession.instances.keys() & set(names)) == len(names))
    for n in names:
        FakeSession.instances[n].release.set()
    wait(lambda: len(worker.finished) >= len(names))
    worker.shutdown()
    ends = {c[1]: (c[0], c[2]) for c in jobs.calls if c[0] != "extend"}
    assert ends == {
        "r-DRAINED-1": ("delete", None),
        "r-ENDED-1": ("delete", None),
        "r-FAILED-1": ("delete", None),
        "r-STALE-1": ("delete", None),
        "r-BUSY-1": ("retry_later", 7),
    }  # LOST_LEASE: the message is left alone for its new owner


def test_an_invalid_job_is_never_deleted_by_hand() -> None:
    worker, jobs, _ = run_worker([ReceivedJob("r-bad", None, "invalid job: 3 errors")], crash_retry_s=9)
    wait(lambda: jobs.calls)
    worker.shutdown()
    assert jobs.calls == [("retry_later", "r-bad", 9)]  # it reaches the DLQ after the queue's max receives


def test_running_sessions_keep_their_job_invisible_and_get_heartbeats() -> None:
    worker, jobs, _ = run_worker([ReceivedJob("r-long", job("ENDED-long"))], visibility_s=3, heartbeat_every_s=0.05)
    wait(lambda: sum(1 for c in jobs.calls if c[0] == "extend") >= 2)
    session = FakeSession.instances["ENDED-long"]
    assert session.heartbeats >= 2
    assert ("extend", "r-long", 3) in jobs.calls
    session.release.set()
    wait(lambda: ("delete", "r-long", None) in jobs.calls)
    worker.shutdown()


def test_a_job_close_to_sqs_in_flight_limit_is_re_sent_and_its_old_message_deleted() -> None:
    worker, jobs, _ = run_worker([ReceivedJob("r-12h", job("ENDED-12h"))], max_in_flight_s=0.05)
    wait(lambda: ("resend", "ENDED-12h", None) in jobs.calls)
    assert ("delete", "r-12h", None) in jobs.calls
    FakeSession.instances["ENDED-12h"].release.set()
    wait(lambda: any(g == "ENDED-12h" for g, _ in tuple(worker.finished)))  # a snapshot: the worker appends as it runs
    worker.shutdown()
    assert [c for c in jobs.calls if c[0] == "delete"] == [("delete", "r-12h", None)]  # the copy lives on


def test_shutdown_hands_every_session_over_and_makes_its_job_visible_at_once() -> None:
    worker, jobs, thread = run_worker([ReceivedJob("r-a", job("ENDED-a")), ReceivedJob("r-b", job("ENDED-b"))])
    wait(lambda: {"ENDED-a", "ENDED-b"} <= FakeSession.instances.keys() and worker.active_sessions == 2)
    worker.shutdown()
    thread.join(5)
    assert worker.wait_stopped(0)
    assert {("retry_later", "r-a", 0), ("retry_later", "r-b", 0)} <= set(jobs.calls)


def test_the_worker_beats_while_it_runs_and_hands_over_then_clears_its_liveness_once_stopped() -> None:
    liveness = FakeLiveness()
    worker, _, thread = run_worker([ReceivedJob("r-live", job("ENDED-live"))], liveness=liveness)
    wait(lambda: liveness.beats >= 3)
    assert not liveness.cleared
    # still alive while a session is being handed over after SIGTERM
    worker.shutdown()
    thread.join(5)
    assert worker.wait_stopped(0)
    assert liveness.cleared


def test_a_liveness_file_that_cannot_be_written_does_not_stop_the_worker() -> None:
    liveness = FakeLiveness(broken=True)
    worker, jobs, thread = run_worker([ReceivedJob("r-on", job("ENDED-on"))], liveness=liveness)
    wait(lambda: liveness.beats >= 3)
    FakeSession.instances["ENDED-on"].release.set()
    wait(lambda: ("delete", "r-on", None) in jobs.calls)  # jobs are still taken and finished
    worker.shutdown()
    thread.join(5)
    assert worker.wait_stopped(0)
