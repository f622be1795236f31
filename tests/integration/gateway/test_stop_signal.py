"""The worker's stop check on moto: how many DynamoDB requests a running session costs (counted with a boto3 event
hook, on a fake clock), and how soon a stop drains a session at production cadence: with the control plane's stop
signal, and with the signal lost (the slow re-check)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.dynamodb_stop_signals import DynamoDbStopSignals
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore, conversation_item
from connect_transcribe.gateway.session import SessionDeps, SessionOutcome
from connect_transcribe.gateway.worker import Worker, WorkerSettings
from connect_transcribe.models.api import AutotranscribeParams, StartSelectorType
from connect_transcribe.models.session import Conversation, ReceivedJob, SessionJob, SessionState, StartSelector

from tests.conftest import AwsResources
from tests.factories import session_job

SESSIONS = 12  # a full task (WorkerSettings.max_sessions)


def conversation(
    guid: str, state: SessionState = SessionState.STREAMING, stop_at_ms: int | None = None
) -> Conversation:
    return Conversation(
        guid=guid,
        namespace="amazonconnect",
        state=state,
        customer_id="c",
        agent_id="a",
        customer_stream_id="c",
        agent_stream_id="a",
        stream_arn="arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1",
        start_selector=StartSelector(type=StartSelectorType.NOW),
        settings=AutotranscribeParams(),
        created_at_ms=0,
        updated_at_ms=0,
        stop_requested_at_ms=stop_at_ms,
    )


class NoJobs:
    def __init__(self, guids: list[str]) -> None:
        self.items = [ReceivedJob(receipt=g, job=session_job(g)) for g in guids]

    def receive(self, max_jobs: int, wait_s: float) -> list[ReceivedJob]:
        taken, self.items = self.items[:max_jobs], self.items[max_jobs:]
        if not taken:
            time.sleep(0.02)
        return taken

    def extend(self, receipt: str, seconds: int) -> None: ...

    def retry_later(self, receipt: str, seconds: int) -> None: ...

    def delete(self, receipt: str) -> None: ...

    def resend(self, job: SessionJob) -> None: ...


class StoppableSession:
    """Holds its lease on moto (heartbeats renew it for real) and drains as soon as a stop is requested."""

    def __init__(self, job: SessionJob, deps: SessionDeps, settings: object) -> None:
        self.job, self.guid, self.deps = job, job.guid, deps
        self.outcome: SessionOutcome | None = None
        self.error: str | None = None
        self.started, self.finishing, self.done = threading.Event(), threading.Event(), threading.Event()
        self.handed = False
        deps.leases.acquire(self.guid, deps.worker_id, now_ms=0, lease_ms=60_000)
        self.started.set()

    def run(self) -> SessionOutcome:
        self.done.wait(30)
        self.outcome = SessionOutcome.HANDED_OVER if self.handed else SessionOutcome.DRAINED
        return self.outcome

    def request_stop(self, stop_at_ms: int) -> None:
        self.done.set()

    def hand_over(self) -> None:
        self.handed = True
        self.done.set()

    def heartbeat(self) -> bool:
        return self.deps.leases.renew(self.guid, self.deps.worker_id, now_ms=1, lease_ms=60_000, checkpoint=None)

    def take_reconnects(self) -> int:
        return 0

    millis_behind_now = None


def make_worker(
    aws: AwsResources, guids: list[str], *, batched: bool, signals: bool = False, **settings: Any
) -> Worker:
    for guid in guids:
        aws.table.put_item(Item=conversation_item(conversation(guid)))
    store = DynamoDbGatewayStore(aws.table)
    deps = SessionDeps(
        worker_id="worker-a",
        leases=store,
        conversations=DynamoDbConversationStore(aws.table),
        record_event=lambda *a: None,
        media=None,  # type: ignore[arg-type]
        engine=None,  # type: ignore[arg-type]
        sink=None,  # type: ignore[arg-type]
        metrics=None,  # type: ignore[arg-type]
        conversation_batch=store if batched else None,
        stop_signals=DynamoDbStopSignals(aws.table) if signals else None,
    )
    return Worker(NoJobs(guids), deps, WorkerSettings(**settings), session_factory=StoppableSession)


def count_requests(aws: AwsResources) -> Counter[str]:
    counts: Counter[str] = Counter()
    aws.table.meta.client.meta.events.register("before-call.dynamodb", lambda model, **_: counts.update([model.name]))
    return counts


@pytest.mark.parametrize(
    ("batched", "signals", "per_session_minute"),
    [
        (False, False, {"GetItem": 120, "UpdateItem": 12}),  # a GetItem per session every 0.5 s, a renewal each 5 s
        (True, False, {"BatchGetItem": 120 / SESSIONS, "UpdateItem": 12}),  # one BatchGetItem per pass for all
        # with stop signals: one GetItem of the worker's signals per pass, and each session's conversation read when
        # it starts and every 10 s (6 passes a minute read all 12)
        (True, True, {"GetItem": 120 / SESSIONS, "BatchGetItem": 6 / SESSIONS, "UpdateItem": 12}),
    ],
)
def test_dynamodb_requests_per_running_session(
    aws: AwsResources, batched: bool, signals: bool, per_session_minute: dict[str, float]
) -> None:
    # Given a full task of running sessions
    guids = [f"g-{i:02d}" for i in range(SESSIONS)]
    worker = make_worker(aws, guids, batched=batched, signals=signals)
    for item in worker.jobs.receive(SESSIONS, 0):
        worker._start(item)
    counts = count_requests(aws)
    # When the supervisor runs for one minute on a fake clock, at its production cadence (a pass every 0.5 s)
    passes = round(60 / worker.settings.supervise_every_s)
    for i in range(passes):
        worker._supervise_pass(1_000.0 + i * worker.settings.supervise_every_s)
    # Then each session costs this many requests per minute (with signals, the reads of conversations fall from
    # 120 to 6 items per session-minute, and the signal read does not grow with the sessions)
    measured = {op: n / SESSIONS for op, n in counts.items()}
    print(f"\nbatched={batched}: DynamoDB requests per session-minute {measured}")
    assert measured == pytest.approx(per_session_minute)
    assert all(not r.session.done.is_set() for r in worker._running.values())  # nothing stopped
    worker._hand_over_all()


@pytest.mark.parametrize(("signals", "bound_s"), [(False, 1.0), (True, 1.0), ("lost", 2.0)])
def test_a_stop_drains_its_session_within_a_second_at_production_cadence(
    aws: AwsResources, signals: bool | str, bound_s: float
) -> None:
    # Given a worker running a full task of sessions with the production supervisor cadence and batched reads
    # (with stop signals: sent as the API sends them, or lost, when only the re-check, here every 1.5 s, sees it)
    guids = [f"g-{i:02d}" for i in range(SESSIONS)]
    recheck = {"recheck_every_s": 1.5} if signals == "lost" else {}
    worker = make_worker(aws, guids, batched=True, signals=bool(signals), **recheck)
    assert worker.settings.supervise_every_s == 0.5
    notifier = DynamoDbStopSignals(aws.table)
    threading.Thread(target=worker.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while worker.active_sessions < SESSIONS:
        assert time.monotonic() < deadline, "sessions did not start"
        time.sleep(0.02)
    conversations = DynamoDbConversationStore(aws.table)
    try:
        for n, guid in enumerate(guids[:4]):
            time.sleep(0.13 * n)  # stops land at different points of the supervisor's pass
            # When the API stops one conversation (STOPPING with its stop point)
            stopped_at = time.monotonic()
            current = conversations.get(guid)
            assert current is not None
            conversations.replace(
                conversation(guid, SessionState.STOPPING, stop_at_ms=1),
                expected_version=current.version,
                expected_state=SessionState.STREAMING,
            )
            if signals is True:
                notifier.notify(guid)  # after the conditional write, as SessionService.pause_at does
            # Then that session has drained within a second (the re-check's bound when the signal is lost), and only
            # that one
            while (guid, SessionOutcome.DRAINED) not in worker.finished:
                assert time.monotonic() - stopped_at <= bound_s, f"stop of {guid} not drained within {bound_s} s"
                time.sleep(0.01)
            print(f"\nstop-to-drain {guid}: {time.monotonic() - stopped_at:.3f} s")
        assert worker.active_sessions == SESSIONS - 4
    finally:
        worker.shutdown()
        assert worker.wait_stopped(10)
