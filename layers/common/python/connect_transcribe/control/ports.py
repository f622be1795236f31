"""The small interfaces control logic depends on (sessions, the Connect flow, message history, recording links);
adapters implement them for AWS and for local runs."""

from __future__ import annotations

from typing import Any, Protocol

from connect_transcribe.models.session import Conversation, SessionJob, SessionState, StreamRecord
from connect_transcribe.models.utterance import UtteranceMessage


class ConversationStore(Protocol):
    def get(self, guid: str) -> Conversation | None:
        """Strongly consistent read of the conversation record, or None."""
        ...

    def create(self, conversation: Conversation, streams: list[StreamRecord]) -> None:
        """Atomically create the conversation and its streams; AlreadyExists if the guid is taken."""
        ...

    def replace(self, conversation: Conversation, *, expected_version: int, expected_state: SessionState) -> None:
        """Write `conversation` only if the stored one still has this version and state; else StaleWrite."""
        ...

    def streams(self, guid: str) -> list[StreamRecord]: ...


class StopNotifier(Protocol):
    def notify(self, guid: str) -> None:
        """Tell the worker that holds `guid`'s session to look at its conversation now (adapters/
        dynamodb_stop_signals.py). Best effort: the worker also re-reads every conversation on its own, slowly."""
        ...


class JobQueue(Protocol):
    def send(self, job: SessionJob) -> None:
        """Put the job on the sessions queue; DependencyUnavailable on failure."""
        ...


class IdFactory(Protocol):
    def new_stream_id(self) -> str: ...


class ApiReply(Protocol):
    status: int
    body: dict[str, Any]


class ApiUnavailable(Exception):
    """The Start/Stop API gave no answer in time (connection failure or timeout)."""


class ApiClient(Protocol):
    """The Start/Stop API as the Connect flow Lambdas call it (adapters/api_client.py)."""

    def post(self, path: str, body: dict[str, Any], *, deadline_s: float) -> ApiReply:
        """POST JSON; raises ApiUnavailable on connection failure or timeout."""
        ...


class MessageReader(Protocol):
    def messages(self, guid: str) -> list[UtteranceMessage]:
        """Every stored message of the conversation not yet past its retention, in any order."""
        ...

    def conversation_exists(self, guid: str) -> bool:
        """Whether the conversation record is stored (started and not yet past its retention)."""
        ...


class Counters(Protocol):
    def count(self, name: str, value: float = 1) -> None:
        """Add `value` to the count metric `name` (flushed by the caller's entry point)."""
        ...


class LegIndex(Protocol):
    def legs(self, initial_contact_id: str) -> list[str]:
        """Contact ids of the later legs of a transferred call linked to its first contact; [] for one leg."""
        ...


class RecordingLinks(Protocol):
    def link(self, guid: str) -> str | None:
        """A time-limited HTTPS GET URL of the conversation's call recording (models/recording.recording_key), or
        None when it has none (not recorded, not yet joined, or past its retention)."""
        ...
