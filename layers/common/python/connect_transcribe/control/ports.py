"""Small interfaces the logic depends on; adapters implement them for AWS and for local runs."""

from __future__ import annotations

from typing import Protocol

from connect_transcribe.models.session import Conversation, SessionJob, SessionState, StreamRecord


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


class JobQueue(Protocol):
    def send(self, job: SessionJob) -> None:
        """Put the job on the sessions queue; DependencyUnavailable on failure."""
        ...


class Clock(Protocol):
    def now_ms(self) -> int: ...


class IdFactory(Protocol):
    def new_stream_id(self) -> str: ...
