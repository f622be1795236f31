"""SessionService tells the session's worker about a stop (control/ports.py StopNotifier): after the conditional
write, again on a repeated stop, never for a start or resume, and a failing signal never fails the stop."""

from __future__ import annotations

import pytest
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.models.api import StartStreamingRequest, StopStreamingRequest
from connect_transcribe.models.session import SessionState

from tests.clock import FakeClock
from tests.factories import start_body
from tests.unit.control.fakes import InMemoryConversationStore, InMemoryJobQueue
from tests.unit.control.test_sessions import CountingIds


class RecordingNotifier:
    def __init__(self, store: InMemoryConversationStore, *, fail: bool = False) -> None:
        self.store = store
        self.fail = fail
        self.signalled: list[tuple[str, SessionState | None]] = []  # guid, the stored state when signalled

    def notify(self, guid: str) -> None:
        conv = self.store.get(guid)
        self.signalled.append((guid, conv.state if conv else None))
        if self.fail:
            raise ConnectionError("DynamoDB unreachable")


@pytest.fixture
def store() -> InMemoryConversationStore:
    return InMemoryConversationStore()


def service(store: InMemoryConversationStore, notifier: RecordingNotifier) -> SessionService:
    return SessionService(store, InMemoryJobQueue(), FakeClock(), CountingIds(), SessionPolicy(), stop_signals=notifier)


def start(svc: SessionService, guid: str = "contact-1") -> None:
    svc.start(StartStreamingRequest.model_validate(start_body(guid)))


def stop(svc: SessionService, guid: str = "contact-1") -> dict:
    return svc.stop(StopStreamingRequest(namespace="amazonconnect", guid=guid)).wire()


def test_a_stop_signals_the_worker_after_the_stop_is_stored(store) -> None:
    notifier = RecordingNotifier(store)
    svc = service(store, notifier)
    start(svc)
    assert notifier.signalled == []  # a start signals nothing: the new job carries it
    stop(svc)
    # the worker that reads the conversation on the signal finds it stopping
    assert notifier.signalled == [("contact-1", SessionState.STOPPING)]


def test_a_repeated_stop_signals_again_and_a_resume_does_not(store) -> None:
    notifier = RecordingNotifier(store)
    svc = service(store, notifier)
    start(svc)
    stop(svc)
    stop(svc)  # the first signal may have been lost: the retry is the caller's way to hurry it
    assert notifier.signalled == [("contact-1", SessionState.STOPPING)] * 2
    start(svc)  # resume: a new generation and job, no signal
    assert len(notifier.signalled) == 2


def test_a_failing_signal_does_not_fail_the_stop(store, caplog) -> None:
    notifier = RecordingNotifier(store, fail=True)
    svc = service(store, notifier)
    start(svc)
    body = stop(svc)
    conv = store.get("contact-1")
    assert conv is not None and conv.state is SessionState.STOPPING
    assert body["autotranscribeResponse"]["customer"]["streamId"]
    assert "stop signal not sent" in caplog.text
