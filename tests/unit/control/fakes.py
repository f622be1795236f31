"""In-process stand-ins for the control ports: a conversation store with the same conditional semantics as the
DynamoDB store, and a job queue that keeps jobs in a list. Test code only: nothing shipped uses them."""

from __future__ import annotations

import threading

from connect_transcribe.errors import AlreadyExists, StaleWrite
from connect_transcribe.models.session import Conversation, SessionJob, SessionState, StreamRecord


class InMemoryConversationStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conversations: dict[str, Conversation] = {}
        self._streams: dict[str, list[StreamRecord]] = {}

    def get(self, guid: str) -> Conversation | None:
        with self._lock:
            return self._conversations.get(guid)

    def create(self, conversation: Conversation, streams: list[StreamRecord]) -> None:
        with self._lock:
            if conversation.guid in self._conversations:
                raise AlreadyExists(conversation.guid)
            self._conversations[conversation.guid] = conversation
            self._streams[conversation.guid] = list(streams)

    def replace(self, conversation: Conversation, *, expected_version: int, expected_state: SessionState) -> None:
        with self._lock:
            current = self._conversations.get(conversation.guid)
            if current is None or current.version != expected_version or current.state is not expected_state:
                raise StaleWrite(conversation.guid)
            self._conversations[conversation.guid] = conversation

    def streams(self, guid: str) -> list[StreamRecord]:
        with self._lock:
            return list(self._streams.get(guid, []))


class InMemoryJobQueue:
    """Keeps jobs in a list."""

    def __init__(self) -> None:
        self.jobs: list[SessionJob] = []

    def send(self, job: SessionJob) -> None:
        self.jobs.append(job)
