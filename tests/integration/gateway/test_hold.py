"""Pause on hold through the real media gateway: agent events applied by control/hold.py to a call the worker is
reading from the local KVS server. Nothing of the hold is transcribed, and the resumed session continues each
participant's sequence on the conversation's timeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.control.hold import HoldOutcome, HoldService
from connect_transcribe.gateway.session import SessionOutcome
from connect_transcribe.models.api import Role
from connect_transcribe.models.session import SessionState

from bench.speech.reference import load_call
from tests.agent_events import hold_event, unhold_event
from tests.integration.gateway.conftest import SAMPLE, Gateway, ListMetrics, wait_for

HOLD_AT_MS = 9_000  # call time the agent presses hold
RECORD_LAG_MS = 2_000  # the agent event reaches the function this much later
BACK_AT_MS = 18_000  # call time the customer is taken off hold
# The gateway has already fed the audio between the hold's start and the moment it sees the stop to the recognizer
# (which cannot take audio back): the record's lag plus the worker's stop poll (0.5 s, i.e. 2 s of call time at the
# conftest's 4x speed) plus a margin. Nothing may start after that.
SEEN_BY_MS = HOLD_AT_MS + RECORD_LAG_MS + 2_500


def moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_a_hold_is_never_transcribed_and_the_call_carries_on_after_it(gateway: Gateway) -> None:
    call = load_call(SAMPLE)
    worker = gateway.worker()
    guid = str(uuid.uuid4())
    arn, producer = gateway.call(guid, call.pcm("customer"), call.pcm("agent"))
    recorded = {"autotranscribeParams": {"language": "en-US", "audioRecordingAllowed": True}}
    gateway.start(guid, arn, producer.first_fragment_number, **recorded)
    origin = producer.start_ms
    assert origin is not None
    hold = HoldService(gateway.service, DynamoDbConversationStore(gateway.table), ListMetrics())
    connected = moment(origin)

    # Given the agent puts the customer on hold 9 s into the call, and the record arrives 2 s later
    wait_for(lambda: gateway.clock.now_ms() - origin >= HOLD_AT_MS + RECORD_LAG_MS, 30, "11 s of call")
    assert hold.handle(hold_event(guid, moment(origin + HOLD_AT_MS), connected_at=connected)) == [HoldOutcome.PAUSED]
    # Then the gateway stops reading as soon as it sees the pause (the stop point, the hold's start, is behind it)
    assert gateway.wait_finished(guid, worker) is SessionOutcome.DRAINED
    paused = gateway.messages(guid)
    assert paused
    assert max(m.start_ms for m in paused) < SEEN_BY_MS

    # When the customer is taken off hold 18 s into the call
    wait_for(lambda: gateway.clock.now_ms() - origin >= BACK_AT_MS, 30, "18 s of call")
    back_ms = gateway.clock.now_ms()
    assert hold.handle(unhold_event(guid, moment(back_ms), connected_at=connected)) == [HoldOutcome.RESUMED]
    wait_for(lambda: len([g for g, _ in worker.finished if g == guid]) == 2, 60, "the resumed session to end")

    # Then the resumed session reads from then on (never the hold), continuing sequences and the timeline
    messages = gateway.messages(guid)
    resumed = [m for m in messages if m.generation == 2]
    assert {m.role for m in resumed} == set(Role)
    assert min(m.start_ms for m in resumed) >= back_ms - origin - producer.fragment_span_ms
    held = [m for m in messages if SEEN_BY_MS <= m.start_ms < back_ms - origin - producer.fragment_span_ms]
    assert held == []
    for role in Role:
        mine = [m.sequence for m in messages if m.role is role]
        assert sorted(mine) == list(range(1, len(mine) + 1))
    assert gateway.conversation(guid).state is SessionState.STOPPED

    # and the recording stops at the hold's start, not where the gateway heard of it: the hold is silence, and the
    # call before and after it is in place on the call's timeline
    resumed_ms = back_ms - origin - producer.fragment_span_ms
    for role, recorded_pcm in zip(("customer", "agent"), gateway.recording(guid), strict=True):
        played = call.pcm(role)
        assert recorded_pcm[: at(HOLD_AT_MS)] == played[: at(HOLD_AT_MS)], role
        assert recorded_pcm[at(HOLD_AT_MS) : at(resumed_ms)] == bytes(at(resumed_ms) - at(HOLD_AT_MS)), role
        # the resumed run's audio, from its first frame (its worker started it a little after the resume) on
        after = np.frombuffer(recorded_pcm[at(resumed_ms) :], "<i2")
        first = int(np.flatnonzero(after)[0]) * 2 + at(resumed_ms)
        assert recorded_pcm[first:] == played[first : len(recorded_pcm)], role


def at(ms: int) -> int:
    """Byte offset of a call time in one participant's 8 kHz 16-bit PCM."""
    return ms * 16
