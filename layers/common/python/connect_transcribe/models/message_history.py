"""After-call API: the messages query and its response, wire-compatible with the service we mirror plus extras."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, field_validator, model_validator

from connect_transcribe.models.api import Identifier, Role, WireModel
from connect_transcribe.models.session import StoredModel

MAX_LIMIT = 1000  # the mirrored service returns at most 1,000 messages; we page beyond it
MAX_TOKEN_CHARS = 512


class MessagesQuery(WireModel):
    """Query string of GET /conversation/v1/conversation/messages."""

    external_id: Identifier  # the conversation guid (the ContactId the flow passed at start), or a transfer's first
    limit: int = Field(default=MAX_LIMIT, ge=1, le=MAX_LIMIT)
    next_token: str | None = Field(default=None, min_length=1, max_length=MAX_TOKEN_CHARS)

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value: Any) -> int:
        # Query values arrive as strings; one precise message beats pydantic's generic int/range errors.
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
            raise ValueError(f"must be a whole number from 1 to {MAX_LIMIT}, got {str(value)[:20]!r}")
        return int(text)


class PageCursor(StoredModel):
    """Position after the last message of a page: its (start, role, sequence) ordering key; across the legs of a
    transferred call also its leg and spoken time (absent for one leg, so those tokens keep their old form)."""

    start_ms: int
    role: Role
    sequence: int = Field(ge=1)
    contact_id: str | None = None  # the message's leg
    spoken_at_ms: int | None = None  # epoch ms of the message's start

    @model_validator(mode="after")
    def _leg_and_time_together(self) -> Self:
        if (self.contact_id is None) != (self.spoken_at_ms is None):
            raise ValueError("contact_id and spoken_at_ms come together")
        return self

    def key(self) -> tuple[int, str, int]:
        return (self.start_ms, self.role.value, self.sequence)


class Sender(WireModel):
    role: Role
    external_id: str


class ConversationMessage(WireModel):
    text: str  # as stored: already redacted per the conversation's redaction setting
    unredacted_text: str | None = None  # only when the conversation asked for redacted_and_unredacted
    sender: Sender
    message_id: str  # the utterance id: stable, the same one webhooks carry
    created_timestamp: str  # when the gateway published it
    client_timestamp: str  # producer time of the end of the utterance's audio
    # Beyond the mirrored service:
    stream_id: str
    sequence: int
    start: int  # ms from the start of the conversation's audio
    end: int
    contact_id: str | None = None  # the leg (Connect ContactId) it came from; only when the call has several legs


class MessagesResponse(WireModel):
    items: tuple[ConversationMessage, ...]
    next_token: str | None = None  # present only while more messages remain
    # Beyond the mirrored service, present only when the call was recorded (audioRecordingAllowed) and its recording
    # is stored: a time-limited GET link of the stereo WAV. Asked by a transferred call's first contact id, each
    # recorded leg's link by its contact id (the first contact's own is also recording_url).
    recording_url: str | None = None
    leg_recording_urls: dict[str, str] | None = None

    def wire(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
