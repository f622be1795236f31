"""SessionService on the in-memory store: start, repeat, stop (pause), resume, gateway events, failures."""

from __future__ import annotations

import itertools

import pytest
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.control.state_machine import Event
from connect_transcribe.errors import (
    AlreadyExists,
    ConflictingRequest,
    ConversationNotFound,
    DependencyUnavailable,
    UnsupportedSetting,
)
from connect_transcribe.models.api import StartStreamingRequest, StopStreamingRequest
from connect_transcribe.models.session import SessionJob, SessionState

from tests.clock import FakeClock
from tests.factories import OTHER_STREAM_ARN, STREAM_ARN, start_body
from tests.unit.control.fakes import InMemoryConversationStore, InMemoryJobQueue


class CountingIds:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def new_stream_id(self) -> str:
        return f"stream-{next(self._n)}"


class FlakyQueue(InMemoryJobQueue):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def send(self, job: SessionJob) -> None:
        if self.failures:
            self.failures -= 1
            raise DependencyUnavailable("SQS request failed (InternalError); retry shortly")
        super().send(job)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryConversationStore:
    return InMemoryConversationStore()


@pytest.fixture
def queue() -> InMemoryJobQueue:
    return InMemoryJobQueue()


@pytest.fixture
def service(store: InMemoryConversationStore, queue: InMemoryJobQueue, clock: FakeClock) -> SessionService:
    return SessionService(
        store, queue, clock, CountingIds(), SessionPolicy(retention_days=7, supported_languages=("en-US",))
    )


def start(service: SessionService, guid: str = "contact-1", **overrides: object) -> dict:
    return service.start(StartStreamingRequest.model_validate(start_body(guid, **overrides))).wire()


def stop(service: SessionService, guid: str = "contact-1") -> dict:
    return service.stop(StopStreamingRequest(namespace="amazonconnect", guid=guid)).wire()


def stream_ids(response: dict) -> tuple[str, str]:
    body = response["autotranscribeResponse"]
    return body["customer"]["streamId"], body["agent"]["streamId"]


def test_first_start_records_the_conversation_and_queues_one_job(service, store, queue, clock) -> None:
    response = start(service)

    assert response["isOk"] is True
    assert response["autotranscribeResponse"]["customer"]["status"] == {"code": 1000, "description": "OK"}
    conv = store.get("contact-1")
    assert conv.state is SessionState.STARTING
    assert conv.expires_at == clock.now_ms() // 1000 + 7 * 86_400
    [job] = queue.jobs
    assert (job.guid, job.generation, job.stream_arn) == ("contact-1", 1, STREAM_ARN)
    assert {(s.role, s.stream_id, s.track_name) for s in job.streams} == {
        ("customer", stream_ids(response)[0], "AUDIO_FROM_CUSTOMER"),
        ("agent", stream_ids(response)[1], "AUDIO_TO_CUSTOMER"),
    }
    assert conv.job_enqueued_generation == 1


def test_repeated_start_returns_the_same_stream_ids_and_queues_nothing_new(service, queue) -> None:
    first = start(service)
    again = start(service)
    assert stream_ids(again) == stream_ids(first)
    assert len(queue.jobs) == 1


def test_repeated_start_for_a_different_stream_while_active_is_a_conflict(service) -> None:
    start(service)
    with pytest.raises(ConflictingRequest, match=r"amazonConnectParams.streamArn, agentId: conversation 'contact-1'"):
        start(
            service,
            agentId="someone-else",
            amazonConnectParams={"streamArn": OTHER_STREAM_ARN, "startSelectorType": "NOW"},
        )


def test_changing_transcription_settings_after_the_first_start_is_a_conflict(service) -> None:
    start(service)
    stop(service)
    with pytest.raises(ConflictingRequest, match=r"autotranscribeParams\.redactionOutput: differs"):
        start(service, autotranscribeParams={"language": "en-US", "redactionOutput": "unredacted"})


def test_unsupported_language_is_refused_before_anything_is_stored(service, store, queue) -> None:
    with pytest.raises(UnsupportedSetting, match="'fr-FR' is not supported by this deployment; supported: en-US"):
        start(service, autotranscribeParams={"language": "fr-FR"})
    assert store.get("contact-1") is None
    assert queue.jobs == []


def test_stop_records_the_stop_request_and_reports_a_summary(service, store, clock) -> None:
    start(service)
    clock.advance(12.5)

    response = stop(service)

    conv = store.get("contact-1")
    assert conv.state is SessionState.STOPPING
    assert conv.stop_requested_at_ms == clock.now_ms()
    summary = response["autotranscribeResponse"]["customer"]["summary"]
    assert summary == {"totalAudioBytes": 0, "audioDurationMs": 0, "streamingSeconds": 12.5, "transcripts": 0}


def test_repeated_stop_returns_the_same_summary(service, clock) -> None:
    start(service)
    clock.advance(3)
    first = stop(service)
    clock.advance(30)
    assert stop(service) == first


def test_stop_of_an_unknown_conversation_is_not_found(service) -> None:
    with pytest.raises(ConversationNotFound, match="guid: no conversation 'nobody' has been started"):
        stop(service, "nobody")


def test_pause_and_resume_keep_stream_ids_and_start_a_new_generation(service, store, queue, clock) -> None:
    first = start(service)
    clock.advance(10)
    stop(service)
    service.record_gateway_event("contact-1", 1, Event.DRAINED)
    clock.advance(60)  # on hold: not streaming

    resumed = start(
        service,
        agentId="agent-after-transfer",
        amazonConnectParams={
            "streamArn": STREAM_ARN,
            "startSelectorType": "FRAGMENT_NUMBER",
            "afterFragmentNumber": "123456",
        },
    )
    clock.advance(5)
    summary = stop(service)["autotranscribeResponse"]["agent"]["summary"]

    assert stream_ids(resumed) == stream_ids(first)
    conv = store.get("contact-1")
    assert (conv.generation, conv.agent_id) == (2, "agent-after-transfer")
    assert [j.generation for j in queue.jobs] == [1, 2]
    assert queue.jobs[1].start_selector.after_fragment_number == "123456"
    assert summary["streamingSeconds"] == 15.0  # hold time is not streaming time


def test_start_while_stopping_resumes_without_waiting_for_the_drain(service, store, queue) -> None:
    start(service)
    stop(service)
    start(service)
    assert store.get("contact-1").state is SessionState.STARTING
    assert [j.generation for j in queue.jobs] == [1, 2]
    # the drain report of the old generation arrives late and must not pause the new one
    service.record_gateway_event("contact-1", 1, Event.DRAINED)
    assert store.get("contact-1").state is SessionState.STARTING


def test_gateway_events_drive_streaming_and_ending(service, store, clock) -> None:
    start(service)
    service.record_gateway_event("contact-1", 1, Event.MEDIA_STARTED)
    assert store.get("contact-1").state is SessionState.STREAMING
    clock.advance(7)
    service.record_gateway_event("contact-1", 1, Event.MEDIA_ENDED)
    conv = store.get("contact-1")
    assert (conv.state, conv.streaming_ms_total, conv.active_since_ms) == (SessionState.STOPPED, 7000, None)


def test_gateway_event_out_of_order_is_a_conflict(service) -> None:
    start(service)
    with pytest.raises(ConflictingRequest, match="DRAINED is not allowed while the conversation is STARTING"):
        service.record_gateway_event("contact-1", 1, Event.DRAINED)


def test_a_job_that_failed_to_queue_is_sent_by_the_retried_start(store, clock) -> None:
    queue = FlakyQueue(failures=1)
    service = SessionService(store, queue, clock, CountingIds())

    with pytest.raises(DependencyUnavailable):
        start(service)
    assert store.get("contact-1").job_enqueued_generation == 0

    start(service)
    assert [j.generation for j in queue.jobs] == [1]
    assert store.get("contact-1").job_enqueued_generation == 1


def test_a_concurrent_first_start_is_answered_with_the_winners_stream_ids(service, store, queue) -> None:
    winner = start(service, guid="contact-2")
    real_get = store.get
    calls = {"n": 0}

    def get_missing_once(guid: str):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_get(guid)  # we read before the winner wrote

    store.get = get_missing_once  # type: ignore[method-assign]
    loser = start(service, guid="contact-2")
    assert stream_ids(loser) == stream_ids(winner)
    assert len(queue.jobs) == 1


def test_create_race_surfaces_as_already_exists_in_the_store(store, service) -> None:
    start(service)
    conv = store.get("contact-1")
    with pytest.raises(AlreadyExists):
        store.create(conv, [])


def test_interim_results_left_out_take_the_deployment_default_and_a_resume_never_conflicts(store, queue, clock) -> None:
    with_interims = SessionService(store, queue, clock, CountingIds(), SessionPolicy(interim_results=True))
    start(with_interims, "c-default")
    start(with_interims, "c-off", autotranscribeParams={"interimResults": False})
    assert store.get("c-default").settings.interim_results is True
    assert store.get("c-off").settings.interim_results is False
    assert [job.settings.interim_results for job in queue.jobs] == [True, False]

    # a later start that leaves it out resumes as started, whatever the deployment's default is now
    without = SessionService(store, queue, clock, CountingIds(), SessionPolicy(interim_results=False))
    stop(without, "c-default")
    start(without, "c-default")
    assert store.get("c-default").settings.interim_results is True
    with pytest.raises(ConflictingRequest, match="autotranscribeParams.interimResults"):
        start(without, "c-default", autotranscribeParams={"interimResults": False})
