"""The session state machine: the single table of allowed transitions, used by every store.

Stores enforce a transition with a conditional write on the state and version they read, so two
writers can never both move the same conversation from the same state.
"""

from __future__ import annotations

from enum import StrEnum

from connect_transcribe.models.session import SessionState as S


class Event(StrEnum):
    START = "START"  # Start API (first start, repeat, or resume)
    STOP = "STOP"  # Stop API (stop == pause)
    MEDIA_STARTED = "MEDIA_STARTED"  # gateway: first audio read for this generation
    DRAINED = "DRAINED"  # gateway: reached the stop point after a stop request
    MEDIA_ENDED = "MEDIA_ENDED"  # gateway: stream ended / contact left the stream
    FAILED = "FAILED"  # gateway: gave up on this generation


class Effect(StrEnum):
    NOOP = "NOOP"  # idempotent repeat: nothing changes
    MOVE = "MOVE"  # state changes, same generation
    RESUME = "RESUME"  # state changes to STARTING with a new generation (same streamIds)


class TransitionRejected(Exception):
    def __init__(self, state: S, event: Event) -> None:
        super().__init__(f"{event.value} is not allowed while the conversation is {state.value}")
        self.state = state
        self.event = event


_RESUMABLE = (S.STOPPING, S.PAUSED, S.STOPPED, S.FAILED)

TRANSITIONS: dict[tuple[S, Event], tuple[S, Effect]] = {
    (S.STARTING, Event.START): (S.STARTING, Effect.NOOP),
    (S.STREAMING, Event.START): (S.STREAMING, Effect.NOOP),
    **{(s, Event.START): (S.STARTING, Effect.RESUME) for s in _RESUMABLE},
    (S.STARTING, Event.STOP): (S.STOPPING, Effect.MOVE),
    (S.STREAMING, Event.STOP): (S.STOPPING, Effect.MOVE),
    **{(s, Event.STOP): (s, Effect.NOOP) for s in _RESUMABLE},
    (S.STARTING, Event.MEDIA_STARTED): (S.STREAMING, Effect.MOVE),
    (S.STREAMING, Event.MEDIA_STARTED): (S.STREAMING, Effect.NOOP),
    (S.STOPPING, Event.DRAINED): (S.PAUSED, Effect.MOVE),
    (S.PAUSED, Event.DRAINED): (S.PAUSED, Effect.NOOP),
    (S.STARTING, Event.MEDIA_ENDED): (S.STOPPED, Effect.MOVE),
    (S.STREAMING, Event.MEDIA_ENDED): (S.STOPPED, Effect.MOVE),
    (S.STOPPING, Event.MEDIA_ENDED): (S.PAUSED, Effect.MOVE),
    (S.STOPPED, Event.MEDIA_ENDED): (S.STOPPED, Effect.NOOP),
    (S.STARTING, Event.FAILED): (S.FAILED, Effect.MOVE),
    (S.STREAMING, Event.FAILED): (S.FAILED, Effect.MOVE),
    (S.STOPPING, Event.FAILED): (S.FAILED, Effect.MOVE),
    (S.FAILED, Event.FAILED): (S.FAILED, Effect.NOOP),
}


def next_state(state: S, event: Event) -> tuple[S, Effect]:
    """Where `event` takes a conversation in `state`; raises TransitionRejected if it may not happen."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise TransitionRejected(state, event) from None
