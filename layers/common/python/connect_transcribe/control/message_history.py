"""After-call API: a conversation's stored messages in time order, a page at a time (no AWS calls here)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from connect_transcribe.control.ports import MessageReader
from connect_transcribe.errors import ConversationNotFound, InvalidField
from connect_transcribe.models.message_history import (
    MAX_TOKEN_CHARS,
    ConversationMessage,
    MessagesQuery,
    MessagesResponse,
    PageCursor,
    Sender,
)
from connect_transcribe.models.utterance import UtteranceMessage

_TOKEN = re.compile(rf"^[A-Za-z0-9_-]{{1,{MAX_TOKEN_CHARS}}}$")


def ordering_key(message: UtteranceMessage) -> tuple[int, str, int]:
    """Time order; role then sequence break ties so every message has one place and pages never overlap."""
    return (message.start_ms, message.role.value, message.sequence)


def encode_token(message: UtteranceMessage) -> str:
    cursor = PageCursor(start_ms=message.start_ms, role=message.role, sequence=message.sequence)
    return base64.urlsafe_b64encode(cursor.model_dump_json().encode()).decode().rstrip("=")


def decode_token(token: str) -> PageCursor:
    if not _TOKEN.match(token):
        raise InvalidField("nextToken: not a token this API issued (expected the nextToken of a previous response)")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return PageCursor.model_validate_json(raw)
    except (binascii.Error, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise InvalidField(
            "nextToken: not a token this API issued (expected the nextToken of a previous response)"
        ) from exc


def iso_ms(epoch_ms: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-11-24T13:00:00.123Z (integer maths: no float rounding)."""
    seconds, millis = divmod(epoch_ms, 1000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def to_wire(message: UtteranceMessage) -> ConversationMessage:
    return ConversationMessage(
        text=message.text,
        unredacted_text=message.unredacted_text,
        sender=Sender(role=message.role, external_id=message.external_id),
        message_id=message.utterance_id,
        created_timestamp=iso_ms(message.published_at_ms),
        client_timestamp=iso_ms(message.audio_timestamp_ms),
        stream_id=message.stream_id,
        sequence=message.sequence,
        start=message.start_ms,
        end=message.end_ms,
    )


class MessageService:
    def __init__(self, reader: MessageReader) -> None:
        self._reader = reader

    def page(self, query: MessagesQuery) -> MessagesResponse:
        """One page of at most `query.limit` messages after `query.next_token`, in time order."""
        after = decode_token(query.next_token) if query.next_token else None  # reject before reading anything
        guid = query.external_id
        stored = self._reader.messages(guid)
        # Only an empty result needs the record: messages can outlive it by up to a call's length (their TTL
        # counts from publication), and stored messages are worth returning.
        if not stored and not self._reader.conversation_exists(guid):
            raise ConversationNotFound(f"externalId: no conversation {guid!r} is known (never started, or expired)")
        remaining = sorted(stored, key=ordering_key)
        if after is not None:
            remaining = [m for m in remaining if ordering_key(m) > after.key()]
        page = remaining[: query.limit]
        more = len(remaining) > len(page)
        return MessagesResponse(
            items=tuple(to_wire(m) for m in page),
            next_token=encode_token(page[-1]) if more else None,
        )
