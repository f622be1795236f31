"""Start, stop (pause) and resume conversations; the media gateway reports its progress here too."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from connect_transcribe.clock import Clock
from connect_transcribe.control.ports import ConversationStore, IdFactory, JobQueue, StopNotifier
from connect_transcribe.control.state_machine import Effect, Event, TransitionRejected, next_state
from connect_transcribe.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    ConflictingRequest,
    ConversationNotFound,
    StaleWrite,
    UnsupportedSetting,
)
from connect_transcribe.models.api import (
    AutotranscribeParams,
    Participants,
    ParticipantStream,
    Role,
    StartSelectorType,
    StartStreamingRequest,
    StopStreamingRequest,
    StreamingResponse,
    StreamSummary,
)
from connect_transcribe.models.session import (
    ACTIVE_STATES,
    Conversation,
    SessionJob,
    SessionState,
    StartSelector,
    StreamRecord,
)
from connect_transcribe.observability import logger

_ATTEMPTS = 5


@dataclass(frozen=True)
class SessionPolicy:
    retention_days: int = 7
    supported_languages: tuple[str, ...] = ("en-US",)
    interim_results: bool = False  # for a start that does not say (autotranscribeParams.interimResults)


class SessionService:
    def __init__(
        self,
        store: ConversationStore,
        jobs: JobQueue,
        clock: Clock,
        ids: IdFactory,
        policy: SessionPolicy | None = None,
        *,
        stop_signals: StopNotifier | None = None,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._clock = clock
        self._ids = ids
        self._policy = policy or SessionPolicy()
        self._stop_signals = stop_signals

    # -- API ---------------------------------------------------------------------------------

    def start(self, request: StartStreamingRequest) -> StreamingResponse:
        language = request.autotranscribe_params.language
        if language not in self._policy.supported_languages:
            raise UnsupportedSetting(
                f"autotranscribeParams.language: {language!r} is not supported by this deployment; "
                f"supported: {', '.join(self._policy.supported_languages)}"
            )
        conv = self._with_retries(lambda: self._start_once(request))
        self._ensure_job_enqueued(conv)
        return _response(conv)

    def stop(self, request: StopStreamingRequest) -> StreamingResponse:
        conv = self._with_retries(lambda: self._stop_once(request.guid))
        return _response(conv, self._store.streams(conv.guid))

    # -- media gateway -----------------------------------------------------------------------

    def record_gateway_event(self, guid: str, generation: int, event: Event) -> Conversation:
        """Apply a media-gateway event for `generation`; events for an older generation are ignored."""

        def once() -> Conversation:
            conv = self._require(guid)
            if conv.generation != generation:
                return conv
            state, effect = next_state(conv.state, event)
            if effect is Effect.NOOP:
                return conv
            now = self._clock.now_ms()
            changes: dict[str, object] = {"state": state}
            if state not in ACTIVE_STATES and conv.active_since_ms is not None:
                changes |= {
                    "active_since_ms": None,
                    "streaming_ms_total": conv.streaming_ms_total + now - conv.active_since_ms,
                }
            return self._replace(conv, now, **changes)

        return self._with_retries(once)

    # -- agent events (control/hold.py) -------------------------------------------------------

    def pause_at(self, conv: Conversation, stop_at_ms: int, **marks: object) -> Conversation:
        """Stop (pause) `conv` as it was read, reading no audio past `stop_at_ms` (producer time, capped at now),
        with `marks` in the same conditional write. StaleWrite if the record changed since it was read."""
        state, effect = next_state(conv.state, Event.STOP)
        if effect is Effect.NOOP:
            paused = conv
        else:
            now = self._clock.now_ms()
            active_ms = now - conv.active_since_ms if conv.active_since_ms is not None else 0
            paused = self._replace(
                conv,
                now,
                state=state,
                active_since_ms=None,
                streaming_ms_total=conv.streaming_ms_total + active_ms,
                stop_requested_at_ms=min(stop_at_ms, now),
                **marks,
            )
        if paused.state is SessionState.STOPPING:  # a repeated stop signals again: the first signal may be lost
            self._signal_stop(paused.guid)
        return paused

    def resume_now(self, conv: Conversation, **marks: object) -> Conversation:
        """Resume `conv` as it was read, as start-streaming does but reading from now (selector NOW), so what
        streamed while it was paused is never read; then queue its session job. StaleWrite if it changed since."""
        state, effect = next_state(conv.state, Event.START)
        if effect is not Effect.RESUME:
            return conv
        now = self._clock.now_ms()
        resumed = self._replace(
            conv,
            now,
            state=state,
            generation=conv.generation + 1,
            start_selector=StartSelector(type=StartSelectorType.NOW),
            active_since_ms=now,
            stop_requested_at_ms=None,
            **marks,
        )
        self._ensure_job_enqueued(resumed)
        return resumed

    def mark(self, conv: Conversation, **marks: object) -> Conversation:
        """Write `marks` on `conv` as it was read, changing nothing else; StaleWrite if it changed since."""
        return self._replace(conv, self._clock.now_ms(), **marks)

    def ensure_job(self, conv: Conversation) -> None:
        """Send the session job of an active conversation whose job is not on the queue yet (the outbox)."""
        self._ensure_job_enqueued(conv)

    # -- steps -------------------------------------------------------------------------------

    def _settings(self, params: AutotranscribeParams) -> AutotranscribeParams:
        """A new conversation's settings: what the start said, the deployment's defaults for what it left out."""
        if params.interim_results is None:
            return params.model_copy(update={"interim_results": self._policy.interim_results})
        return params

    def _start_once(self, request: StartStreamingRequest) -> Conversation:
        conv = self._store.get(request.guid)
        if conv is None:
            return self._create(request)
        _check_settings_unchanged(conv, request)
        _check_same_initial_contact(conv, request)
        state, effect = next_state(conv.state, Event.START)
        if effect is Effect.NOOP:
            _check_same_stream(conv, request)
            return conv
        now = self._clock.now_ms()
        params = request.amazon_connect_params
        return self._replace(
            conv,
            now,
            state=state,
            generation=conv.generation + 1,
            customer_id=request.customer_id,
            agent_id=request.agent_id,
            stream_arn=params.stream_arn,
            start_selector=StartSelector(
                type=params.start_selector_type, after_fragment_number=params.after_fragment_number
            ),
            active_since_ms=now,
            stop_requested_at_ms=None,
        )

    def _stop_once(self, guid: str) -> Conversation:
        """stop-streaming: read up to now (pause_at caps the stop point at now)."""
        return self.pause_at(self._require(guid), self._clock.now_ms())

    def _create(self, request: StartStreamingRequest) -> Conversation:
        now = self._clock.now_ms()
        params = request.amazon_connect_params
        conv = Conversation(
            guid=request.guid,
            namespace=request.namespace,
            state=SessionState.STARTING,
            customer_id=request.customer_id,
            agent_id=request.agent_id,
            customer_stream_id=self._ids.new_stream_id(),
            agent_stream_id=self._ids.new_stream_id(),
            stream_arn=params.stream_arn,
            start_selector=StartSelector(
                type=params.start_selector_type, after_fragment_number=params.after_fragment_number
            ),
            settings=self._settings(request.autotranscribe_params),
            created_at_ms=now,
            updated_at_ms=now,
            active_since_ms=now,
            expires_at=self._expiry(now),
            initial_contact_id=_initial_contact(request),
        )
        streams = [StreamRecord(guid=conv.guid, role=role, stream_id=conv.stream_id(role)) for role in Role]
        try:
            self._store.create(conv, streams)
        except AlreadyExists:
            raise StaleWrite from None  # a concurrent first start won: re-read and treat as a repeat
        return conv

    def _ensure_job_enqueued(self, conv: Conversation) -> None:
        """Send the session job unless it is already on the queue for this generation.

        The job is sent after the record is written; if sending fails the caller gets a 503 and the
        record remembers the job is missing, so a retried start sends it (nothing is lost).
        """
        if conv.job_enqueued_generation == conv.generation or conv.state not in ACTIVE_STATES:
            return
        self._jobs.send(SessionJob.for_conversation(conv, self._clock.now_ms()))
        # If someone moved the record on meanwhile (stop, gateway), the job is still on the queue; the
        # gateway de-duplicates by generation, so a re-send by a later start is harmless.
        with contextlib.suppress(StaleWrite):
            self._replace(conv, self._clock.now_ms(), job_enqueued_generation=conv.generation)

    def _replace(self, conv: Conversation, now: int, **changes: object) -> Conversation:
        updated = conv.model_copy(
            update={**changes, "version": conv.version + 1, "updated_at_ms": now, "expires_at": self._expiry(now)}
        )
        self._store.replace(updated, expected_version=conv.version, expected_state=conv.state)
        return updated

    def _signal_stop(self, guid: str) -> None:
        """Tell the session's worker now; if that fails the worker's own re-check finds the stop a little later."""
        if self._stop_signals is None:
            return
        try:
            self._stop_signals.notify(guid)
        except Exception as exc:
            logger.warning("stop signal not sent", extra={"guid": guid, "error": f"{type(exc).__name__}: {exc}"})

    def _require(self, guid: str) -> Conversation:
        conv = self._store.get(guid)
        if conv is None:
            raise ConversationNotFound(f"guid: no conversation {guid!r} has been started")
        return conv

    def _expiry(self, now_ms: int) -> int:
        return now_ms // 1000 + self._policy.retention_days * 86_400

    @staticmethod
    def _with_retries(step: Callable[[], Conversation]) -> Conversation:
        for _ in range(_ATTEMPTS):
            try:
                return step()
            except StaleWrite:
                continue
            except TransitionRejected as exc:
                raise ConflictingRequest(f"guid: {exc}") from exc
        raise ConcurrentUpdate("guid: the conversation is being changed concurrently; retry the request")


def _check_same_stream(conv: Conversation, request: StartStreamingRequest) -> None:
    """A repeated start while active must describe the same call, or it is a conflicting request."""
    params = request.amazon_connect_params
    mismatches = _differences(
        [
            ("amazonConnectParams.streamArn", conv.stream_arn, params.stream_arn),
            ("customerId", conv.customer_id, request.customer_id),
            ("agentId", conv.agent_id, request.agent_id),
        ]
    )
    if mismatches:
        raise ConflictingRequest(
            f"{mismatches}: conversation {conv.guid!r} is already {conv.state.value.lower()} with different "
            "values; stop it before starting with new ones"
        )


def _initial_contact(request: StartStreamingRequest) -> str | None:
    """The transfer's first contact when this conversation is a later leg of it (the store links the two)."""
    initial = request.amazon_connect_params.initial_contact_id
    return initial if initial != request.guid else None


def _check_same_initial_contact(conv: Conversation, request: StartStreamingRequest) -> None:
    """The leg link is recorded at the first start; a later start naming another first contact is a mistake."""
    asked = _initial_contact(request)
    if asked is not None and conv.initial_contact_id is not None and asked != conv.initial_contact_id:
        raise ConflictingRequest(
            f"amazonConnectParams.initialContactId: conversation {conv.guid!r} was started as a leg of "
            f"{conv.initial_contact_id!r}; the link is fixed at the first start"
        )


def _check_settings_unchanged(conv: Conversation, request: StartStreamingRequest) -> None:
    """Transcription settings are fixed at the first start (transcripts after the call reflect them). An optional
    setting a later start leaves out (None: interimResults, customVocabulary) means "as started", so a resume
    after a deploy that changed the deployment's default is no conflict."""
    stored = conv.settings.model_dump(by_alias=True)
    asked = request.autotranscribe_params.model_dump(by_alias=True)
    changed = _differences(
        [(f"autotranscribeParams.{k}", stored[k], asked[k]) for k in stored if asked.get(k) is not None]
    )
    if changed:
        raise ConflictingRequest(
            f"{changed}: differs from the settings conversation {conv.guid!r} was started with; "
            "settings are fixed at the first start"
        )


def _differences(triples: Iterable[tuple[str, object, object]]) -> str:
    return ", ".join(name for name, old, new in triples if old != new)


def _response(conv: Conversation, streams: list[StreamRecord] | None = None) -> StreamingResponse:
    summaries = {s.role: s for s in streams or []}
    streaming_seconds = round(conv.streaming_ms_total / 1000, 3)

    def participant(role: Role) -> ParticipantStream:
        summary = None
        if streams is not None:
            record = summaries.get(role) or StreamRecord(guid=conv.guid, role=role, stream_id=conv.stream_id(role))
            summary = StreamSummary(
                total_audio_bytes=record.total_audio_bytes,
                audio_duration_ms=record.audio_duration_ms,
                streaming_seconds=streaming_seconds,
                transcripts=record.transcripts,
            )
        return ParticipantStream(stream_id=conv.stream_id(role), summary=summary)

    return StreamingResponse(
        autotranscribe_response=Participants(customer=participant(Role.CUSTOMER), agent=participant(Role.AGENT))
    )
