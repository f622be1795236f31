"""Pause on hold, resume after (control/hold.py) on the real SessionService and the in-memory store, with a clock
the test moves: which agent event pauses, which resumes, and which are ignored (and counted)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from connect_transcribe.control.hold import HoldOutcome, HoldService
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.control.state_machine import Event
from connect_transcribe.errors import DependencyUnavailable
from connect_transcribe.models.api import StartSelectorType, StartStreamingRequest, StopStreamingRequest
from connect_transcribe.models.enums import ContactIdSource
from connect_transcribe.models.session import SessionJob, SessionState

from tests.agent_events import agent_event, contact, hold_event, unhold_event
from tests.clock import NOW, FakeClock
from tests.factories import start_body
from tests.unit.control.fakes import InMemoryConversationStore, InMemoryJobQueue

GUID = "5fd8e4b9-7a21-4c0e-9d3f-2b6a1c8e0f47"
CONNECTED_AT = NOW - timedelta(seconds=30)


def ms(seconds_after_now: float) -> int:
    return int((NOW + timedelta(seconds=seconds_after_now)).timestamp() * 1000)


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def new_stream_id(self) -> str:
        self.n += 1
        return f"stream-{self.n}"


class FlakyQueue(InMemoryJobQueue):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def send(self, job: SessionJob) -> None:
        if self.failures:
            self.failures -= 1
            raise DependencyUnavailable("SQS request failed (InternalError); retry shortly")
        super().send(job)


class Counts:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, name: str, value: float = 1) -> None:
        self.counts[name] += int(value)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryConversationStore:
    return InMemoryConversationStore()


@pytest.fixture
def queue() -> FlakyQueue:
    return FlakyQueue()


@pytest.fixture
def sessions(store, queue, clock) -> SessionService:
    return SessionService(store, queue, clock, Ids(), SessionPolicy())


@pytest.fixture
def counts() -> Counts:
    return Counts()


@pytest.fixture
def hold(sessions, store, counts) -> HoldService:
    return HoldService(sessions, store, counts)


@pytest.fixture
def streaming(sessions, clock) -> str:
    """A conversation started by the flow 30 s before NOW."""
    clock.advance(-30)
    sessions.start(StartStreamingRequest.model_validate(start_body(GUID)))
    clock.advance(30)
    return GUID


def at(seconds_after_now: float):
    return NOW + timedelta(seconds=seconds_after_now)


def test_on_hold_pauses_at_the_hold_start(hold, store, streaming, clock, counts) -> None:
    """Given a streaming conversation, when its contact goes on hold at NOW and the record arrives 1.5 s later,
    then the conversation stops reading at the hold's start, not at the record's arrival."""
    clock.advance(1.5)

    outcomes = hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT))

    conv = store.get(GUID)
    assert outcomes == [HoldOutcome.PAUSED]
    assert conv.state is SessionState.STOPPING
    assert conv.stop_requested_at_ms == ms(0)
    assert (conv.held_at_ms, conv.agent_event_ms) == (ms(0), ms(0))
    assert counts.counts == {"HoldPaused": 1}


def test_back_from_hold_resumes_from_now_with_a_new_job(hold, sessions, store, queue, streaming, clock) -> None:
    """Given a conversation paused by a hold (and drained by the gateway), when the contact is connected again,
    then it resumes as a new generation reading from now (never the hold), same streamIds, and its job is queued."""
    before = store.get(GUID)
    hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT))
    sessions.record_gateway_event(GUID, 1, Event.DRAINED)
    clock.advance(20)

    outcomes = hold.handle(unhold_event(GUID, at(19), connected_at=CONNECTED_AT))

    conv = store.get(GUID)
    assert outcomes == [HoldOutcome.RESUMED]
    assert (conv.state, conv.generation) == (SessionState.STARTING, 2)
    assert conv.start_selector.type is StartSelectorType.NOW
    assert (conv.customer_stream_id, conv.agent_stream_id) == (before.customer_stream_id, before.agent_stream_id)
    assert (conv.held_at_ms, conv.agent_event_ms, conv.stop_requested_at_ms) == (None, ms(19), None)
    assert [(j.generation, j.start_selector.type) for j in queue.jobs] == [
        (1, StartSelectorType.NOW),
        (2, StartSelectorType.NOW),
    ]
    assert conv.job_enqueued_generation == 2


def test_a_resume_before_the_gateway_drained_still_resumes(hold, store, queue, streaming, clock) -> None:
    hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT))
    clock.advance(2)

    assert hold.handle(unhold_event(GUID, at(1), connected_at=CONNECTED_AT)) == [HoldOutcome.RESUMED]
    assert store.get(GUID).generation == 2
    assert len(queue.jobs) == 2


def test_duplicates_change_nothing(hold, store, queue, streaming, clock, counts) -> None:
    """Given each record delivered twice (Kinesis is at-least-once), one pause and one resume happen."""
    on_hold = hold_event(GUID, at(0), connected_at=CONNECTED_AT)
    back = unhold_event(GUID, at(10), connected_at=CONNECTED_AT)
    clock.advance(11)

    outcomes = [*hold.handle(on_hold), *hold.handle(on_hold), *hold.handle(back), *hold.handle(back)]

    assert outcomes == [HoldOutcome.PAUSED, HoldOutcome.STALE, HoldOutcome.RESUMED, HoldOutcome.STALE]
    assert store.get(GUID).generation == 2
    assert len(queue.jobs) == 2
    assert counts.counts == {"HoldPaused": 1, "HoldResumed": 1, "HoldEventStale": 2}


def test_an_older_hold_arriving_after_the_resume_is_ignored(hold, store, queue, streaming, clock) -> None:
    """Given the hold and its end delivered in the wrong order, the conversation ends up streaming, as the contact is."""
    clock.advance(11)

    outcomes = [
        *hold.handle(unhold_event(GUID, at(10), connected_at=CONNECTED_AT)),
        *hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT)),
    ]

    conv = store.get(GUID)
    assert outcomes == [HoldOutcome.UNCHANGED, HoldOutcome.STALE]
    assert (conv.state, conv.generation, conv.agent_event_ms) == (SessionState.STARTING, 1, ms(10))
    assert len(queue.jobs) == 1


def test_a_resume_older_than_a_later_hold_is_ignored(hold, store, streaming, clock) -> None:
    """hold (0 s), hold again (20 s) and then the connect between them (10 s): the contact is on hold."""
    clock.advance(21)

    hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT))
    second = hold.handle(hold_event(GUID, at(20), connected_at=CONNECTED_AT))
    late = hold.handle(unhold_event(GUID, at(10), connected_at=CONNECTED_AT))

    assert (second, late) == ([HoldOutcome.UNCHANGED], [HoldOutcome.STALE])
    assert store.get(GUID).state is SessionState.STOPPING


def test_a_heartbeat_repairs_a_lost_resume(hold, store, streaming, clock) -> None:
    """The state change back to CONNECTED was lost; the next heartbeat shows the contact connected and resumes."""
    hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT))
    clock.advance(130)
    heartbeat = agent_event(at(125), [contact(GUID, "CONNECTED", since=at(9))], event_type="HEART_BEAT")

    assert hold.handle(heartbeat) == [HoldOutcome.RESUMED]
    assert store.get(GUID).state is SessionState.STARTING


def test_an_unknown_contact_is_counted_and_nothing_is_written(hold, store, queue, counts) -> None:
    assert hold.handle(hold_event("not-transcribed", at(0), connected_at=CONNECTED_AT)) == [HoldOutcome.UNKNOWN_CONTACT]
    assert store.get("not-transcribed") is None
    assert queue.jobs == []
    assert counts.counts == {"HoldUnknownContact": 1}


def test_a_conversation_the_flow_stopped_is_neither_paused_nor_resumed(
    hold, sessions, store, queue, streaming, clock, counts
) -> None:
    """Given the flow stopped transcription (stop-streaming), holds and their ends leave it stopped, and are counted."""
    sessions.stop(StopStreamingRequest(namespace="amazonconnect", guid=GUID))
    clock.advance(11)

    outcomes = [
        *hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT)),
        *hold.handle(unhold_event(GUID, at(10), connected_at=CONNECTED_AT)),
    ]

    assert outcomes == [HoldOutcome.NOT_STREAMING, HoldOutcome.NOT_STREAMING]
    assert (store.get(GUID).state, store.get(GUID).generation) == (SessionState.STOPPING, 1)
    assert len(queue.jobs) == 1
    assert counts.counts == {"HoldNotStreaming": 2}


def test_initial_contact_id_source_maps_a_transferred_leg_to_the_conversation(sessions, store, streaming, counts):
    """CONTACT_ID_SOURCE=InitialContactId: the second leg (its own ContactId) pauses the conversation of the first;
    a first leg (InitialContactId empty in agent events) maps by its ContactId."""
    hold = HoldService(sessions, store, counts, contact_id_source=ContactIdSource.INITIAL_CONTACT_ID)

    leg2 = hold.handle(hold_event("leg-2", at(0), connected_at=CONNECTED_AT, initial_contact_id=GUID))
    first = hold.handle(unhold_event(GUID, at(5), connected_at=CONNECTED_AT))

    assert (leg2, first) == ([HoldOutcome.PAUSED], [HoldOutcome.RESUMED])


def test_previous_contact_id_source_cannot_be_mapped_and_is_counted(sessions, store, streaming, counts) -> None:
    hold = HoldService(sessions, store, counts, contact_id_source=ContactIdSource.PREVIOUS_CONTACT_ID)

    assert hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT)) == []
    assert store.get(GUID).state is SessionState.STARTING
    assert counts.counts == {"HoldUnknownContact": 1}


def test_events_without_a_voice_contact_state_are_skipped(hold, store, streaming, counts) -> None:
    chat = hold_event(GUID, at(0), connected_at=CONNECTED_AT, channel="CHAT")
    login = agent_event(at(1), [], event_type="LOGIN")
    ringing = agent_event(at(2), [contact(GUID, "CONNECTING", since=at(2))])

    assert [hold.handle(e) for e in (chat, login, ringing)] == [[], [], []]
    assert store.get(GUID).state is SessionState.STARTING
    assert counts.counts == {}


@pytest.mark.parametrize("record", [None, "not json", {"EventType": "STATE_CHANGE"}, {"EventTimestamp": "yesterday"}])
def test_a_record_that_is_not_an_agent_event_is_counted_and_skipped(hold, counts, record) -> None:
    assert hold.handle(record) == []
    assert counts.counts == {"AgentEventInvalid": 1}


def test_a_stop_point_in_the_future_is_capped_at_now(hold, store, streaming, clock) -> None:
    """Connect's clock ahead of ours: the gateway must still stop (at our now), not read on into the hold."""
    hold.handle(hold_event(GUID, at(3), connected_at=CONNECTED_AT))

    assert store.get(GUID).stop_requested_at_ms == clock.now_ms() == ms(0)


def test_a_failed_job_send_is_retried_by_the_replayed_record(hold, store, queue, streaming, clock) -> None:
    """The resume was written but its job send failed: the record fails (Kinesis retries it), and the retry, now
    stale, sends the missing job once."""
    hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT))
    clock.advance(11)
    back = unhold_event(GUID, at(10), connected_at=CONNECTED_AT)
    queue.failures = 1

    with pytest.raises(DependencyUnavailable):
        hold.handle(back)
    retried = hold.handle(back)
    again = hold.handle(back)

    assert (retried, again) == ([HoldOutcome.STALE], [HoldOutcome.STALE])
    assert [j.generation for j in queue.jobs] == [1, 2]
    assert store.get(GUID).job_enqueued_generation == 2


def test_a_concurrent_writer_makes_it_decide_again(hold, sessions, store, streaming, clock, monkeypatch) -> None:
    """The API stops the conversation between the read and the write: the hold re-reads and finds it not streaming."""
    real_get = store.get
    raced: list[bool] = []

    def get_then_race(guid):
        conv = real_get(guid)
        if not raced:
            raced.append(True)
            sessions.stop(StopStreamingRequest(namespace="amazonconnect", guid=guid))
        return conv

    monkeypatch.setattr(store, "get", get_then_race)

    assert hold.handle(hold_event(GUID, at(0), connected_at=CONNECTED_AT)) == [HoldOutcome.NOT_STREAMING]
    assert real_get(GUID).held_at_ms is None
