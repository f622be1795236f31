"""Webhook delivery shapes: the POST body receivers get (camelCase, AutoTranscribe-compatible plus sequence and
utteranceId) and the per-deployment secret stored in Secrets Manager."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel

from connect_transcribe.models.api import Role


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class WebhookToken(_Wire):
    text: str
    start: int  # ms, same timeline as the utterance
    end: int
    confidence: float


class WebhookUtterance(_Wire):
    text: str  # redacted unless the conversation asked for unredacted output
    unredacted_text: str | None = None  # only with redactionOutput=redacted_and_unredacted
    tokens: tuple[WebhookToken, ...] | None = None  # only with detailedToken


class AutotranscribeResponse(_Wire):
    message: Literal["transcript"] = "transcript"
    start: int  # ms from the start of the stream's audio
    end: int
    utterance: tuple[WebhookUtterance, ...]


class InterimResponse(_Wire):
    message: Literal["transcript-interim"] = "transcript-interim"
    start: int  # ms from the start of the stream's audio
    end: int  # the end of the audio this interim was decoded from
    utterance: tuple[WebhookUtterance, ...]  # text (and unredactedText), never tokens


class WebhookSender(_Wire):
    external_id: str
    role: Role


class WebhookBody(_Wire):
    type: Literal["transcript"] = "transcript"
    external_conversation_id: str
    stream_id: str
    sequence: int  # per stream, from 1, without gaps: lets receivers spot a dead-lettered utterance
    utterance_id: str  # stable across redeliveries: the receiver's idempotency key
    sender: WebhookSender
    autotranscribe_response: AutotranscribeResponse

    def __repr__(self) -> str:  # transcript text must never reach logs through a repr
        return f"WebhookBody(id={self.utterance_id}, stream={self.stream_id}, seq={self.sequence})"

    __str__ = __repr__


class WebhookInterimBody(_Wire):
    """The open utterance as heard so far. The final `transcript` with the same utteranceId supersedes every interim
    of it; a higher revision supersedes a lower one. Perishable: an interim is sent at most once and may be skipped."""

    type: Literal["transcript-interim"] = "transcript-interim"
    external_conversation_id: str
    stream_id: str
    sequence: int  # the sequence the final will have
    utterance_id: str  # the final's utteranceId
    revision: int  # per utterance, from 1
    sender: WebhookSender
    autotranscribe_response: InterimResponse

    def __repr__(self) -> str:
        return f"WebhookInterimBody(id={self.utterance_id}, stream={self.stream_id}, rev={self.revision})"

    __str__ = __repr__


class WebhookSecret(BaseModel):
    """Secrets Manager JSON for the webhook; which keys are needed depends on WEBHOOK_AUTH/MTLS/SIGNING."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    token: SecretStr | None = Field(default=None, min_length=1)
    client_id: str | None = Field(default=None, alias="clientId", min_length=1)
    client_secret: SecretStr | None = Field(default=None, alias="clientSecret", min_length=1)
    certificate_pem: str | None = Field(default=None, alias="certificatePem")
    private_key_pem: SecretStr | None = Field(default=None, alias="privateKeyPem")
    ca_bundle_pem: str | None = Field(default=None, alias="caBundlePem")
    signing_secret: SecretStr | None = Field(default=None, alias="signingSecret", min_length=16)
