"""Publishing off the decode pool: real Sessions and StreamRecognizers with a fake engine (one shared decode thread),
fake stores and a call served as Connect-shaped GetMedia bytes. A stalled store delays only its own session; hand
over waits for queued publishes; a publish that keeps failing still fails the session without passing the
checkpoint; every utterance carries its stage timings and reports them as metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from connect_transcribe.gateway.redaction import Redaction, Redactor
from connect_transcribe.gateway.session import Session, SessionDeps, SessionOutcome, SessionSettings
from connect_transcribe.media.ports import Selector
from connect_transcribe.media.reader import ReaderSettings
from connect_transcribe.models.api import AutotranscribeParams, Role
from connect_transcribe.models.gateway import Checkpoint, Lease
from connect_transcribe.models.session import (
    Conversation,
    SessionJob,
    SessionState,
    StartSelector,
    StreamRecord,
)
from connect_transcribe.models.utterance import InterimMessage, UtteranceMessage
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_store import LocalStream

from tests.factories import session_job
from tests.unit.speech.fakes import FakeClock, FakeDecoder, FakeEngine, silence, tone

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/connect-contact/1"
START_MS = 1_700_000_000_000
UTTERANCES = 3  # per participant in call()


def call() -> tuple[bytes, bytes]:
    """Three utterances each, the agent 400 ms after the customer."""
    customer = (tone(800) + silence(700)) * UTTERANCES
    agent = silence(400) + (tone(800) + silence(700)) * UTTERANCES
    return customer + silence(400), agent


def getmedia_body(guid: str) -> bytes:
    """The call as one GetMedia response: ~1 s fragments with KVS's tags and continuation tokens."""
    stream = LocalStream("s", ARN, START_MS, clock=lambda: START_MS / 1000)
    KvsProducer(stream, contact_id=guid, speed=0, start_ms=START_MS).play_pcm(*call())
    return b"".join(f.data + f.trailing(0) for f in stream.fragments)


class Connection:
    def __init__(self, chunks: list[bytes], pace_s: float) -> None:
        self._chunks, self._pace_s = chunks, pace_s

    def read(self) -> bytes:
        if self._chunks and self._pace_s:
            time.sleep(self._pace_s)
        chunks = self._chunks  # close() from another thread empties it
        return chunks.pop(0) if chunks else b""

    def close(self) -> None:
        self._chunks = []


class FakeMedia:
    """Serves the call once (in chunks, `pace_s` apart), then nothing: the reader sees the media end."""

    def __init__(self, guid: str, pace_s: float = 0.0) -> None:
        body = getmedia_body(guid)
        self._chunks = [body[i : i + 8192] for i in range(0, len(body), 8192)]
        self._pace_s = pace_s

    def get_media(self, stream_arn: str, selector: Selector) -> Connection:
        chunks, self._chunks = self._chunks, []
        return Connection(chunks, self._pace_s)

    def fragment_timestamp_ms(self, stream_arn: str, fragment_number: str) -> int | None:
        return None


class FakeLeases:
    def __init__(self) -> None:
        self.released: list[Checkpoint | None] = []
        self.renewed: list[Checkpoint | None] = []  # the checkpoint each renewal saved (None: the lease alone)
        self.streams: list[list[StreamRecord]] = []

    def acquire(self, guid: str, owner: str, *, now_ms: int, lease_ms: int) -> Lease | None:
        return Lease(guid=guid, owner=owner, expires_at_ms=now_ms + lease_ms)

    def renew(
        self,
        guid: str,
        owner: str,
        *,
        now_ms: int,
        lease_ms: int,
        checkpoint: Checkpoint | None,
        counters: list[StreamRecord] | None = None,
        version: int = 0,
    ) -> bool:
        self.renewed.append(checkpoint)
        return True

    def release(self, guid: str, owner: str, *, checkpoint: Checkpoint | None, version: int = 0) -> None:
        self.released.append(checkpoint)

    def save_streams(self, streams: list[StreamRecord]) -> None:
        self.streams.append(streams)


class FakeConversations:
    def get(self, guid: str) -> Conversation:
        return Conversation(
            guid=guid,
            namespace="amazonconnect",
            state=SessionState.STREAMING,
            customer_id="cust-1",
            agent_id="agent-1",
            customer_stream_id=f"{guid}-customer",
            agent_stream_id=f"{guid}-agent",
            stream_arn=ARN,
            start_selector=StartSelector(type="NOW"),
            settings=AutotranscribeParams(),
            created_at_ms=START_MS,
            updated_at_ms=START_MS,
        )


class ListMetrics:
    def __init__(self) -> None:
        self.values: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def count(self, name: str, value: float = 1) -> None:
        with self._lock:
            self.values.append((name, value))

    def observe(self, name: str, value: float, unit: str = "Milliseconds") -> None:
        self.count(name, value)

    def of(self, name: str) -> list[float]:
        return [v for n, v in self.values if n == name]


class Sink:
    """Records what was published; `before` runs first on every publish (block, fail, move a clock)."""

    def __init__(self, before: Callable[[UtteranceMessage], None] = lambda m: None) -> None:
        self.before = before
        self.published: list[UtteranceMessage] = []
        self.interims: list[InterimMessage] = []
        self.log: list[UtteranceMessage] = []  # finals and interims, in the order they were published
        self.fail_interims = False
        self.attempts = 0
        self._lock = threading.Lock()

    def publish(self, message: UtteranceMessage) -> None:
        with self._lock:
            self.attempts += 1
        self.before(message)
        with self._lock:
            self.published.append(message)
            self.log.append(message)

    def publish_interim(self, message: InterimMessage) -> None:
        if self.fail_interims:
            raise ConnectionError("queue unavailable")
        with self._lock:
            self.interims.append(message)
            self.log.append(message)

    def of(self, guid: str) -> list[UtteranceMessage]:
        with self._lock:
            return [m for m in self.published if m.guid == guid]


def job(guid: str, params: AutotranscribeParams | None = None) -> SessionJob:
    return session_job(
        guid,
        settings=params,
        stream_arn=ARN,
        streams=((f"{guid}-customer", "cust-1"), (f"{guid}-agent", "agent-1")),
        enqueued_at_ms=START_MS,
    )


SETTINGS = SessionSettings(
    lease_ms=5_000,
    publish_retry_s=0.5,
    reader=ReaderSettings(end_of_stream_s=0.3, min_call_interval_s=0.05),
)


class Run:
    """One session on its own thread, as the worker runs it."""

    def __init__(
        self,
        guid: str,
        engine: FakeEngine,
        sink: Sink,
        *,
        pace_s: float = 0.0,
        params: AutotranscribeParams | None = None,
        **deps: Any,
    ) -> None:
        self.leases, self.metrics = FakeLeases(), ListMetrics()
        self.session = Session(
            job(guid, params),
            SessionDeps(
                worker_id="worker-1",
                leases=self.leases,
                conversations=FakeConversations(),
                record_event=lambda *_: None,
                media=FakeMedia(guid, pace_s),
                engine=engine,
                sink=sink,
                metrics=self.metrics,
                **deps,
            ),
            SETTINGS,
        )
        self.thread = threading.Thread(target=self.session.run, daemon=True)
        self.thread.start()

    def outcome(self, timeout: float = 10.0) -> SessionOutcome | None:
        self.thread.join(timeout)
        return self.session.outcome


@pytest.fixture
def engine():
    engine = FakeEngine(workers=1)  # one decode thread shared by every session, so any stall in it shows
    yield engine
    engine.close()


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def in_order(messages: list[UtteranceMessage]) -> dict[Role, list[int]]:
    return {role: [m.sequence for m in messages if m.role is role] for role in Role}


def test_a_stalled_store_delays_only_its_own_session_not_another_sessions_decodes(engine: FakeEngine) -> None:
    # Given a store that hangs on every write of one call (a throttled partition, a stuck connection)
    gate, stalled = threading.Event(), threading.Event()

    def hang_for_slow(message: UtteranceMessage) -> None:
        if message.guid == "slow":
            stalled.set()
            gate.wait(20)

    sink = Sink(hang_for_slow)
    slow = Run("slow", engine, sink)
    assert stalled.wait(5), "the slow call's first publish never started"

    # When another call on the same worker (same decode pool) is transcribed meanwhile
    fast = Run("fast", engine, sink)

    # Then it finishes with every utterance published, in order, while the first call's store is still stuck
    assert fast.outcome(timeout=8) is SessionOutcome.ENDED
    assert in_order(sink.of("fast")) == {Role.CUSTOMER: [1, 2, 3], Role.AGENT: [1, 2, 3]}
    assert slow.thread.is_alive() and sink.of("slow") == []
    # and none of its decodes waited behind the stuck publish
    assert all(m.timings is not None and m.timings.queue_wait_ms < 1_000 for m in sink.of("fast"))
    # and, once both calls are decoded (each decode hands its utterance over on the same thread at once), the store
    # stays stuck for another half second
    wait_until(lambda: engine.decoder.decodes >= 4 * UTTERANCES)
    time.sleep(0.2)
    all_handed = time.monotonic()
    time.sleep(0.5)
    # When the store recovers, the slow call publishes everything it decoded meanwhile, in order
    released = time.monotonic()
    gate.set()
    assert slow.outcome() is SessionOutcome.ENDED
    assert in_order(sink.of("slow")) == {Role.CUSTOMER: [1, 2, 3], Role.AGENT: [1, 2, 3]}
    # and the waits behind the stuck publish show as publish queue time, not as decode queue time: every utterance
    # queued behind the stuck one waited at least as long as the store stayed stuck after all were handed over
    waited = sorted(m.timings.publish_queue_ms for m in sink.of("slow") if m.timings is not None)
    assert len(waited) == 2 * UTTERANCES
    assert min(waited[1:]) >= (released - all_handed) * 1000
    final = slow.leases.released[-1]
    assert final is not None and final.finished
    assert {r: s.sequence for r, s in final.streams.items()} == {Role.CUSTOMER: 3, Role.AGENT: 3}


def test_hand_over_waits_for_queued_publishes_and_checkpoints_exactly_what_was_published(engine: FakeEngine) -> None:
    # Given a call whose store hangs on the customer's second utterance
    gate, stalled = threading.Event(), threading.Event()

    def hang_on_second(message: UtteranceMessage) -> None:
        if message.role is Role.CUSTOMER and message.sequence == 2:
            stalled.set()
            gate.wait(20)

    sink = Sink(hang_on_second)
    run = Run("leaving", engine, sink, pace_s=0.02)
    assert stalled.wait(10)

    # When the worker hands the session over (SIGTERM) while that publish is in flight
    run.session.hand_over()

    # Then the lease is not released while utterances wait to be published
    time.sleep(0.3)
    assert run.leases.released == [] and run.thread.is_alive()
    gate.set()
    assert run.outcome() is SessionOutcome.HANDED_OVER
    # and the released checkpoint counts exactly the utterances that were published: a new owner carries on
    # after them, repeating none and skipping none
    [checkpoint] = run.leases.released
    assert checkpoint is not None and not checkpoint.finished
    published = in_order(sink.of("leaving"))
    for role in Role:
        assert published[role] == list(range(1, checkpoint.stream(role).sequence + 1))
    assert checkpoint.stream(Role.CUSTOMER).sequence >= 2


def test_a_publish_failing_past_the_deadline_fails_the_session_without_passing_the_checkpoint(
    engine: FakeEngine,
) -> None:
    # Given a store that rejects the customer's second utterance every time
    def reject_second(message: UtteranceMessage) -> None:
        if message.role is Role.CUSTOMER and message.sequence == 2:
            raise ConnectionError("DynamoDB unavailable")

    sink = Sink(reject_second)
    run = Run("failing", engine, sink, pace_s=0.02)

    # When the call plays: the publish is retried for publish_retry_s (0.5 s), then given up
    outcome = run.outcome(timeout=15)

    # Then the session is handed back with the error, to be retried (as a failed publish always did)
    assert outcome is SessionOutcome.HANDED_OVER
    assert run.session.error is not None and "DynamoDB unavailable" in run.session.error
    assert sink.attempts > len(sink.of("failing")) + 1  # retried before giving up
    # and nothing of that participant was published past the failure, nor checkpointed past it
    published = in_order(sink.of("failing"))
    assert published[Role.CUSTOMER] == [1]
    checkpoint = run.leases.released[-1]
    assert checkpoint is not None and not checkpoint.finished
    assert checkpoint.stream(Role.CUSTOMER).sequence <= 1
    for role in Role:
        assert published[role][: checkpoint.stream(role).sequence] == list(
            range(1, checkpoint.stream(role).sequence + 1)
        )
    assert run.metrics.of("SessionsFailed") == []  # handed back to be retried, not failed for good


def test_every_published_utterance_reports_its_stages_as_metrics(engine: FakeEngine) -> None:
    # Given a clock the test controls, and a store whose publish takes 25 ms and fails once (then succeeds)
    clock = FakeClock()
    failed_once: set[str] = set()

    def slow_and_flaky(message: UtteranceMessage) -> None:
        clock.advance(0.025)
        if message.utterance_id not in failed_once and message.sequence == 1 and message.role is Role.AGENT:
            failed_once.add(message.utterance_id)
            raise ConnectionError("throttled")

    sink = Sink(slow_and_flaky)
    run = Run("timed", engine, sink, monotonic=clock)
    assert run.outcome() is SessionOutcome.ENDED

    # Then every utterance has each stage as a metric, publish time including its retry
    messages = sink.of("timed")
    assert len(messages) == 2 * UTTERANCES
    for name in (
        "EndpointWaitMs",
        "QueueWaitMs",
        "DecodeMs",
        "PublishQueueMs",
        "RedactMs",
        "PublishMs",
        "PublishLagMs",
    ):
        assert len(run.metrics.of(name)) == len(messages), name
    assert sorted(run.metrics.of("PublishMs")) == [25.0] * (len(messages) - 1) + [50.0]
    assert run.metrics.of("FallbackDecodeMs") == []  # no fallback ran
    assert all(v == 288 for v in run.metrics.of("EndpointWaitMs"))  # 300 ms minimum silence, in 32 ms windows
    # and the stored message carries the same breakdown
    timings = [m.timings for m in messages]
    assert all(t is not None and t.endpoint_wait_ms == 288 and t.enqueued_at_ms is None for t in timings)


def test_a_fallback_decode_is_reported_when_it_ran() -> None:
    engine = FakeEngine(decoder=FakeDecoder(first_pass_ms=20.0, fallback_ms=60.0))
    try:
        sink = Sink()
        run = Run("fallback", engine, sink)
        assert run.outcome() is SessionOutcome.ENDED
    finally:
        engine.close()
    assert run.metrics.of("FallbackDecodeMs") == [60.0] * len(sink.of("fallback"))
    assert all(m.timings is not None and m.timings.first_pass_ms == 20.0 for m in sink.of("fallback"))


class CountingRedactor(Redactor):
    """Counts the redaction passes, by the text they were over."""

    def __init__(self) -> None:
        super().__init__()
        self.passes: list[str] = []

    def redact(self, text: str) -> Redaction:
        self.passes.append(text)
        return super().redact(text)


def test_each_utterance_is_redacted_once_for_both_the_decoding_context_and_the_message(engine: FakeEngine) -> None:
    # Given a session whose redactor counts its passes (the default setting: redacted output)
    redactor, sink = CountingRedactor(), Sink()
    run = Run("once", engine, sink, redactor=redactor)
    # When the call is transcribed
    assert run.outcome() is SessionOutcome.ENDED
    published = sink.of("once")
    assert len(published) == 2 * UTTERANCES
    # Then every published text went through exactly one redaction pass: the context the next decode is conditioned
    # on and the message come from the same one
    assert sorted(redactor.passes) == sorted(m.text for m in published)
