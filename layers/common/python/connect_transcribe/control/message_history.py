"""After-call API: a conversation's stored messages in time order, a page at a time (no AWS calls here); asked by
a transferred call's first contact id, every leg's messages merged in spoken order; with a link to the call's
recording when there is one."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from connect_transcribe.control.ports import LegIndex, MessageReader, RecordingLinks
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
_NOT_OURS = "nextToken: not a token this API issued (expected the nextToken of a previous response)"
SpokenKey = tuple[int, str, str, int]


def ordering_key(message: UtteranceMessage) -> tuple[int, str, int]:
    """Time order; role then sequence break ties so every message has one place and pages never overlap."""
    return (message.start_ms, message.role.value, message.sequence)


def spoken_at_ms(message: UtteranceMessage) -> int:
    """Epoch ms the utterance began: its leg's audio origin (`audio_timestamp_ms - end_ms`) plus its `start_ms`.

    Each leg counts `start` from its own first audio, so only this orders messages across legs; within one leg
    the origin is fixed, and it orders exactly as `start` does."""
    return message.audio_timestamp_ms - message.end_ms + message.start_ms


def spoken_key(message: UtteranceMessage) -> SpokenKey:
    """Order across legs: spoken time; then leg, role and sequence, so every message has one place."""
    return (spoken_at_ms(message), message.guid, message.role.value, message.sequence)


def encode_token(message: UtteranceMessage, *, across_legs: bool = False) -> str:
    cursor = PageCursor(
        start_ms=message.start_ms,
        role=message.role,
        sequence=message.sequence,
        contact_id=message.guid if across_legs else None,
        spoken_at_ms=spoken_at_ms(message) if across_legs else None,
    )
    raw = cursor.model_dump_json(exclude_none=True)  # one leg: the same token as before legs existed
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str) -> PageCursor:
    if not _TOKEN.match(token):
        raise InvalidField(_NOT_OURS)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return PageCursor.model_validate_json(raw)
    except (binascii.Error, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise InvalidField(_NOT_OURS) from exc


def iso_ms(epoch_ms: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-11-24T13:00:00.123Z (integer maths: no float rounding)."""
    seconds, millis = divmod(epoch_ms, 1000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def to_wire(message: UtteranceMessage, *, with_leg: bool = False) -> ConversationMessage:
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
        contact_id=message.guid if with_leg else None,
    )


def spoken_position(after: PageCursor, first_contact: str, stored: list[UtteranceMessage]) -> SpokenKey:
    """Where a token points among the merged legs. A token without a leg was issued while the call had one leg
    (paging began before the transfer): it is a position in the first contact's own leg, placed by that leg's
    audio origin."""
    if after.contact_id is not None and after.spoken_at_ms is not None:
        return (after.spoken_at_ms, after.contact_id, after.role.value, after.sequence)
    own = [m for m in stored if m.guid == first_contact]
    same = [m for m in own if (m.role, m.sequence) == (after.role, after.sequence)]
    anchors = same or own
    if not anchors:
        raise InvalidField(_NOT_OURS)
    origin = anchors[0].audio_timestamp_ms - anchors[0].end_ms
    return (origin + after.start_ms, first_contact, after.role.value, after.sequence)


class MessageService:
    def __init__(
        self, reader: MessageReader, legs: LegIndex | None = None, recordings: RecordingLinks | None = None
    ) -> None:
        """`legs` finds a transferred call's later legs; without it every query is one conversation's own.
        `recordings` links each page to the call's recording; without it no page has a link."""
        self._reader = reader
        self._legs = legs
        self._recordings = recordings

    def page(self, query: MessagesQuery) -> MessagesResponse:
        """One page of at most `query.limit` messages after `query.next_token`, in time order."""
        after = decode_token(query.next_token) if query.next_token else None  # reject before reading anything
        guid = query.external_id
        legs = self._legs.legs(guid) if self._legs is not None else []
        if legs:
            return self._page_across_legs(guid, legs, query, after)
        if after is not None and after.contact_id not in (None, guid):
            raise InvalidField(f"nextToken: issued for another externalId (leg {after.contact_id!r})")
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
            recording_url=self._link(guid),
        )

    def _page_across_legs(
        self, first_contact: str, legs: list[str], query: MessagesQuery, after: PageCursor | None
    ) -> MessagesResponse:
        """Every leg's messages (the first contact's own, then each linked leg's), merged by spoken time; each item
        names its leg. The first contact need not have been transcribed itself (e.g. an IVR leg): the links make
        the call known, so nothing stored yet is an empty page, not a 404."""
        contacts = [first_contact, *sorted(set(legs) - {first_contact})]
        stored = [m for contact in contacts for m in self._reader.messages(contact)]
        remaining = sorted(stored, key=spoken_key)
        if after is not None:
            position = spoken_position(after, first_contact, stored)
            remaining = [m for m in remaining if spoken_key(m) > position]
        page = remaining[: query.limit]
        more = len(remaining) > len(page)
        links = {contact: url for contact in contacts if (url := self._link(contact)) is not None}
        return MessagesResponse(
            items=tuple(to_wire(m, with_leg=True) for m in page),
            next_token=encode_token(page[-1], across_legs=True) if more else None,
            recording_url=links.get(first_contact),
            leg_recording_urls=links or None,
        )

    def _link(self, guid: str) -> str | None:
        """Asked once per returned page, after everything that can refuse the query: a refused query costs no S3
        request, and each page carries a link valid from when it was asked for."""
        return self._recordings.link(guid) if self._recordings is not None else None
