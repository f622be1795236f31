"""An utterance as the media gateway publishes it: the body of an utterances-queue message and of a stored
conversation message. Delivery (webhooks) and the after-call API map it to their wire shapes."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field
from pydantic_core import from_json

from connect_transcribe.models.api import Role
from connect_transcribe.models.session import StoredModel

_UTTERANCE_IDS = uuid.UUID("6f1c2f3e-4a7b-5c1d-9e2f-0a1b2c3d4e5f")


def utterance_id(guid: str, stream_id: str, sequence: int) -> str:
    """Deterministic: a session taken over from a checkpoint re-creates the same id for the same utterance."""
    return str(uuid.uuid5(_UTTERANCE_IDS, f"{guid}/{stream_id}/{sequence}"))


class TokenOut(StoredModel):
    text: str
    start_ms: int
    end_ms: int
    confidence: float


class UtteranceTimings(StoredModel):
    """Where one utterance's latency went, stage by stage, in ms, each measured where it happens (README, Media
    gateway). Internal: carried in the stored and queued message, never in the webhook body or the API's items."""

    endpoint_wait_ms: float = 0.0  # audio after the end of speech the endpointer needed to close it (stream time)
    endpoint_wait_wall_ms: float | None = None  # wall clock from the feed holding the end of speech to the close
    queue_wait_ms: float = 0.0  # closed -> decode began (behind the stream's previous decode and the decode pool)
    decode_ms: float = 0.0  # the whole decode: audio preparation, first pass, fallback
    first_pass_ms: float = 0.0
    fallback_ms: float = 0.0  # the beam-search fallback; 0 when it did not run
    early_decode: bool = False  # decoded at a pause before the endpoint closed it (decode_ms is then ~0)
    publish_queue_ms: float = 0.0  # decoded -> the session's publisher took it (behind the session's publishes)
    redact_ms: float = 0.0  # the one redaction of the text (on the decode thread, see gateway.session)
    # epoch ms, set on the queued copy just before the SQS send (the stored copy is written first, without it):
    # the webhook Lambda measures delivery from here
    enqueued_at_ms: int | None = None


class UtteranceMessage(StoredModel):
    schema_version: int = 1
    utterance_id: str
    guid: str  # the conversation (Connect ContactId as passed to start-streaming)
    namespace: str
    generation: int
    stream_id: str
    role: Role
    external_id: str  # sender: the customer or agent id given at start
    sequence: int = Field(ge=1)  # per stream, from 1, without gaps, across pause/resume
    start_ms: int  # from the start of the conversation's audio
    end_ms: int
    text: str  # as the conversation's redaction setting says: redacted unless `unredacted` was asked for
    unredacted_text: str | None = None  # only with redaction_output=redacted_and_unredacted
    tokens: tuple[TokenOut, ...] | None = None  # only with detailed_token
    language: str
    audio_timestamp_ms: int  # producer timestamp (epoch ms) of the end of the utterance's audio
    published_at_ms: int
    timings: UtteranceTimings | None = None  # absent in messages published before stage timings existed

    def __repr__(self) -> str:  # transcript text must never reach logs through a repr
        return f"{type(self).__name__}(id={self.utterance_id}, stream={self.stream_id}, seq={self.sequence})"

    __str__ = __repr__


class InterimMessage(UtteranceMessage):
    """A transcript-interim on the utterances queue: the open utterance as heard so far. Never stored; the final
    with the same utterance_id supersedes it. audio_timestamp_ms is the end of the audio it was decoded from."""

    kind: Literal["interim"] = "interim"
    revision: int = Field(ge=1)  # per utterance, from 1

    @property
    def idempotency_key(self) -> str:
        return f"{self.utterance_id}/interim/{self.revision}"


def queued_message(body: str) -> UtteranceMessage:
    """An utterances-queue body: an InterimMessage when it says so, else a final UtteranceMessage (ValidationError
    when it is neither)."""
    try:
        data = from_json(body)
    except ValueError:
        data = None  # not JSON: the final's validation says so
    model = InterimMessage if isinstance(data, dict) and data.get("kind") == "interim" else UtteranceMessage
    return model.model_validate_json(body)
