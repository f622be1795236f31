"""The transition table: every state reachable, terminal-ish states resumable, gateway events guarded."""

from __future__ import annotations

import pytest
from connect_transcribe.control.state_machine import TRANSITIONS, Effect, Event, TransitionRejected, next_state
from connect_transcribe.models.session import SessionState as S


def test_stop_is_a_pause_that_a_later_start_resumes() -> None:
    assert next_state(S.STREAMING, Event.STOP) == (S.STOPPING, Effect.MOVE)
    assert next_state(S.STOPPING, Event.DRAINED) == (S.PAUSED, Effect.MOVE)
    assert next_state(S.PAUSED, Event.START) == (S.STARTING, Effect.RESUME)


@pytest.mark.parametrize("state", [S.STOPPING, S.PAUSED, S.STOPPED, S.FAILED])
def test_every_inactive_state_can_be_resumed_and_repeated_stops_change_nothing(state: S) -> None:
    assert next_state(state, Event.START) == (S.STARTING, Effect.RESUME)
    assert next_state(state, Event.STOP) == (state, Effect.NOOP)


@pytest.mark.parametrize("state", [S.STARTING, S.STREAMING])
def test_repeated_start_while_active_is_a_no_op(state: S) -> None:
    assert next_state(state, Event.START) == (state, Effect.NOOP)


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.PAUSED, Event.MEDIA_STARTED),
        (S.STOPPED, Event.DRAINED),
        (S.STREAMING, Event.DRAINED),
        (S.PAUSED, Event.FAILED),
        (S.FAILED, Event.MEDIA_STARTED),
    ],
)
def test_gateway_events_out_of_order_are_rejected(state: S, event: Event) -> None:
    with pytest.raises(TransitionRejected, match=f"{event.value} is not allowed while the conversation is {state}"):
        next_state(state, event)


def test_every_state_is_reachable_from_a_first_start() -> None:
    reached, frontier = {S.STARTING}, [S.STARTING]
    while frontier:
        state = frontier.pop()
        for (source, _), (target, _) in TRANSITIONS.items():
            if source is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)
