"""Pause a conversation while its contact is on hold and resume it after, from Amazon Connect's agent event stream.

Connect's contact events have no hold; the agent event stream does: the agent's snapshot lists each contact with
its state, CONNECTED_ONHOLD while on hold and CONNECTED again after. Each record is read as "contact X was in state
S at EventTimestamp T" (level, not edge: a later heartbeat repairs a lost state change), and applied to the
conversation only if T is newer than the last agent event applied to it, so duplicates and out-of-order records
change nothing. The pause stops reading at T (the hold's start), and the resume starts reading at "now", so the hold
is never transcribed; the conversation keeps its streamIds, utterance sequence and timeline, as with a stop and a
resume through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from connect_transcribe.control.ports import ConversationStore, Counters
from connect_transcribe.control.sessions import SessionService
from connect_transcribe.errors import ConcurrentUpdate, StaleWrite
from connect_transcribe.models.agent_event import (
    AgentContact,
    AgentEvent,
    AgentEventType,
    ContactState,
    epoch_ms,
)
from connect_transcribe.models.enums import ContactIdSource
from connect_transcribe.models.session import ACTIVE_STATES, Conversation, SessionState

_ATTEMPTS = 5
# Snapshots carrying the contact's current state: a STATE_CHANGE, and the heartbeat every 120 s without one.
_SNAPSHOT_EVENTS = frozenset({AgentEventType.STATE_CHANGE.value, AgentEventType.HEART_BEAT.value})
_VOICE = "VOICE"
_TRACKED_STATES = frozenset(s.value for s in ContactState)
# A conversation a hold paused is resumed from these (STOPPING: the gateway is still draining to the hold's start).
_HELD_STATES = frozenset({SessionState.STOPPING, SessionState.PAUSED})


class HoldOutcome(StrEnum):
    PAUSED = "PAUSED"  # on hold: the conversation was streaming and is now stopping at the hold's start
    RESUMED = "RESUMED"  # off hold: a new generation reads from now
    UNCHANGED = "UNCHANGED"  # already as the record says (streaming and connected, or paused and still on hold)
    STALE = "STALE"  # not newer than the last agent event applied to the conversation (duplicate, out of order)
    NOT_STREAMING = "NOT_STREAMING"  # on hold (or back) but the conversation is neither streaming nor held
    UNKNOWN_CONTACT = "UNKNOWN_CONTACT"  # no conversation for this contact (not transcribed, or id not mappable)


# Metric per outcome (count): every ignored record is counted under its reason.
METRICS: dict[HoldOutcome, str] = {
    HoldOutcome.PAUSED: "HoldPaused",
    HoldOutcome.RESUMED: "HoldResumed",
    HoldOutcome.UNCHANGED: "HoldUnchanged",
    HoldOutcome.STALE: "HoldEventStale",
    HoldOutcome.NOT_STREAMING: "HoldNotStreaming",
    HoldOutcome.UNKNOWN_CONTACT: "HoldUnknownContact",
}
INVALID_METRIC = "AgentEventInvalid"  # not JSON, or not an agent event: skipped (it can never succeed)


@dataclass(frozen=True)
class ContactChange:
    """Contact `guid` (the conversation id the flow used) was on hold or connected at `at_ms` (EventTimestamp)."""

    guid: str
    held: bool
    at_ms: int


def conversation_id(contact: AgentContact, source: ContactIdSource) -> str | None:
    """The guid the Connect flow started the conversation with (its CONTACT_ID_SOURCE), or None if this record
    cannot tell it. The agent event stream leaves InitialContactId empty on a first leg: that leg's ContactId is its
    initial contact id. It carries no PreviousContactId at all."""
    if source is ContactIdSource.CONTACT_ID:
        return contact.contact_id
    if source is ContactIdSource.INITIAL_CONTACT_ID:
        return contact.initial_contact_id or contact.contact_id
    return None


def contact_changes(event: AgentEvent, source: ContactIdSource) -> tuple[list[ContactChange], int]:
    """The voice contacts the event shows connected or on hold, and how many of them have no mappable guid.

    Ordering uses EventTimestamp, not the contact's StateStartTimestamp: Connect documents that StateStartTimestamp
    is not changed when a contact goes on hold (it keeps the time it was CONNECTED), so it cannot order a hold
    against the connect before it.
    """
    if event.event_type not in _SNAPSHOT_EVENTS or event.current is None:
        return [], 0
    at_ms = epoch_ms(event.event_timestamp)
    changes, unmapped = [], 0
    for contact in event.current.contacts:
        if contact.channel not in (None, _VOICE) or contact.state not in _TRACKED_STATES:
            continue
        guid = conversation_id(contact, source)
        if guid is None:
            unmapped += 1
            continue
        changes.append(ContactChange(guid=guid, held=contact.state == ContactState.CONNECTED_ONHOLD, at_ms=at_ms))
    return changes, unmapped


def decide(conv: Conversation | None, change: ContactChange) -> HoldOutcome:
    """What `change` does to the conversation as read (pure; re-run on every write attempt)."""
    if conv is None:
        return HoldOutcome.UNKNOWN_CONTACT
    if conv.agent_event_ms is not None and change.at_ms <= conv.agent_event_ms:
        return HoldOutcome.STALE
    held = conv.held_at_ms is not None and conv.state in _HELD_STATES
    if change.held:
        if conv.state in ACTIVE_STATES:
            return HoldOutcome.PAUSED
        return HoldOutcome.UNCHANGED if held else HoldOutcome.NOT_STREAMING
    if held:
        return HoldOutcome.RESUMED
    return HoldOutcome.UNCHANGED if conv.state in ACTIVE_STATES else HoldOutcome.NOT_STREAMING


class HoldService:
    def __init__(
        self,
        sessions: SessionService,
        store: ConversationStore,
        metrics: Counters,
        *,
        contact_id_source: ContactIdSource = ContactIdSource.CONTACT_ID,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._metrics = metrics
        self._source = contact_id_source

    def handle(self, record: dict[str, Any] | Any) -> list[HoldOutcome]:
        """Apply one agent event (the decoded Kinesis record). A record that is not an agent event is counted and
        skipped; a store or queue outage raises, so the record is retried (applying it again changes nothing)."""
        try:
            event = AgentEvent.model_validate(record)
        except ValidationError:
            self._metrics.count(INVALID_METRIC)
            return []
        changes, unmapped = contact_changes(event, self._source)
        if unmapped:
            self._metrics.count(METRICS[HoldOutcome.UNKNOWN_CONTACT], unmapped)
        return [self.apply(change) for change in changes]

    def apply(self, change: ContactChange) -> HoldOutcome:
        for _ in range(_ATTEMPTS):
            conv = self._store.get(change.guid)
            outcome = decide(conv, change)
            try:
                self._act(outcome, conv, change)
            except StaleWrite:
                continue  # someone wrote the conversation since it was read: read again and decide again
            self._metrics.count(METRICS[outcome])
            return outcome
        raise ConcurrentUpdate(f"conversation {change.guid!r} is being changed concurrently; the record is retried")

    def _act(self, outcome: HoldOutcome, conv: Conversation | None, change: ContactChange) -> None:
        if conv is None:
            return
        if outcome is HoldOutcome.PAUSED:
            self._sessions.pause_at(conv, change.at_ms, agent_event_ms=change.at_ms, held_at_ms=change.at_ms)
        elif outcome is HoldOutcome.RESUMED:
            self._sessions.resume_now(conv, agent_event_ms=change.at_ms, held_at_ms=None)
        elif outcome is HoldOutcome.UNCHANGED:
            # Remember it even so: an older record arriving later (a hold before this "connected") is then stale.
            self._sessions.ensure_job(self._sessions.mark(conv, agent_event_ms=change.at_ms))
        else:
            # A resume whose job send failed is retried by Kinesis and then reads as STALE: send the job now.
            self._sessions.ensure_job(conv)
