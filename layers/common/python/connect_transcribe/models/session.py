"""A conversation (one Connect contact), its two participant streams, and the job handed to the media gateway."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from connect_transcribe.models.api import AutotranscribeParams, Role, StartSelectorType


class SessionState(StrEnum):
    STARTING = "STARTING"  # start accepted, job queued, media gateway not yet reading audio
    STREAMING = "STREAMING"  # media gateway is reading audio
    STOPPING = "STOPPING"  # stop requested; media gateway drains to the stop point
    PAUSED = "PAUSED"  # drained after a stop; a later start resumes
    STOPPED = "STOPPED"  # media ended on its own (call over, stream gone); a later start resumes
    FAILED = "FAILED"  # media gateway gave up (corrupt stream, access denied); a later start retries


ACTIVE_STATES = frozenset({SessionState.STARTING, SessionState.STREAMING})


class StoredModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class StartSelector(StoredModel):
    type: StartSelectorType
    after_fragment_number: str | None = None


class Conversation(StoredModel):
    """The conversation record; `version` guards every write (optimistic concurrency)."""

    guid: str
    namespace: str
    state: SessionState
    version: int = 1
    generation: int = 1  # incremented on every resume; jobs and gateway events carry it
    customer_id: str
    agent_id: str
    customer_stream_id: str
    agent_stream_id: str
    stream_arn: str
    start_selector: StartSelector
    settings: AutotranscribeParams
    created_at_ms: int
    updated_at_ms: int
    active_since_ms: int | None = None  # set while STARTING/STREAMING
    streaming_ms_total: int = 0  # closed active intervals
    stop_requested_at_ms: int | None = None
    job_enqueued_generation: int = 0  # == generation once the session job for it is on the queue
    # Pause on hold (control/hold.py): the last agent event applied (its EventTimestamp), and when the hold that
    # paused the conversation began (None unless a hold paused it; cleared by the resume after it).
    agent_event_ms: int | None = None
    held_at_ms: int | None = None
    expires_at: int = 0  # epoch seconds (DynamoDB TTL)
    initial_contact_id: str | None = None  # a transfer leg's first contact (never its own guid); fixed at creation

    def stream_id(self, role: Role) -> str:
        return self.customer_stream_id if role is Role.CUSTOMER else self.agent_stream_id

    def external_id(self, role: Role) -> str:
        return self.customer_id if role is Role.CUSTOMER else self.agent_id


class StreamRecord(StoredModel):
    """Per-participant counters, updated by the media gateway as audio and transcripts flow."""

    guid: str
    role: Role
    stream_id: str
    total_audio_bytes: int = 0
    audio_duration_ms: int = 0
    transcripts: int = 0


class JobStream(StoredModel):
    role: Role
    stream_id: str
    external_id: str
    track_name: str  # the KVS MKV track carrying this participant


class SessionJob(StoredModel):
    """Message on the sessions queue: start (or resume) reading one conversation's audio."""

    schema_version: int = 1
    guid: str
    generation: int
    namespace: str
    stream_arn: str
    start_selector: StartSelector
    streams: list[JobStream] = Field(min_length=2, max_length=2)
    settings: AutotranscribeParams
    enqueued_at_ms: int

    @classmethod
    def for_conversation(cls, conv: Conversation, now_ms: int) -> SessionJob:
        return cls(
            guid=conv.guid,
            generation=conv.generation,
            namespace=conv.namespace,
            stream_arn=conv.stream_arn,
            start_selector=conv.start_selector,
            streams=[
                JobStream(
                    role=role,
                    stream_id=conv.stream_id(role),
                    external_id=conv.external_id(role),
                    track_name=TRACKS[role],
                )
                for role in (Role.CUSTOMER, Role.AGENT)
            ],
            settings=conv.settings,
            enqueued_at_ms=now_ms,
        )


@dataclass(frozen=True)
class ReceivedJob:
    """A sessions-queue message as the media gateway receives it (never stored: a dataclass, not a model)."""

    receipt: str
    job: SessionJob | None  # None: the body is not a valid job (left for the DLQ)
    error: str | None = None
    first_received_ms: int = 0


TRACKS = {Role.CUSTOMER: "AUDIO_FROM_CUSTOMER", Role.AGENT: "AUDIO_TO_CUSTOMER"}
