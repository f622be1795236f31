"""Turn parsed GetMedia output into Connect audio: frames per participant, fragment boundaries, tags, errors.

Tracks are resolved by name (AUDIO_FROM_CUSTOMER, AUDIO_TO_CUSTOMER) because Connect does not fix their numbers;
the payload is 8 kHz s16le mono PCM whatever the CodecID says. The older single-track layout is the customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from connect_transcribe.media.mkv import Frame, MkvEvent, SegmentStarted, TagsParsed, TrackInfo, TracksParsed
from connect_transcribe.models.api import Role

TRACK_ROLES = {"AUDIO_FROM_CUSTOMER": Role.CUSTOMER, "AUDIO_TO_CUSTOMER": Role.AGENT}
CONNECT_SAMPLE_RATE_HZ = 8000  # Connect's audio: 8 kHz, signed 16-bit little-endian, mono
PCM_MIME = f"audio/L16;rate={CONNECT_SAMPLE_RATE_HZ};channels=1"

FRAGMENT_NUMBER = "AWS_KINESISVIDEO_FRAGMENT_NUMBER"
PRODUCER_TIMESTAMP = "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"
SERVER_TIMESTAMP = "AWS_KINESISVIDEO_SERVER_TIMESTAMP"
MILLIS_BEHIND_NOW = "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW"
CONTINUATION_TOKEN = "AWS_KINESISVIDEO_CONTINUATION_TOKEN"  # noqa: S105 - a tag name
ERROR_CODE = "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"
ERROR_MESSAGE = "AWS_KINESISVIDEO_EXCEPTION_MESSAGE"


class KvsStreamError(Exception):
    """KVS reported an error inside the media stream (error tags)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"Kinesis Video Streams error {code}: {message}")
        self.code = code
        self.message = message


class UnsupportedAudio(Exception):
    """The stream carries audio this gateway cannot read (not 8 kHz 16-bit mono PCM)."""


@dataclass
class FragmentInfo:
    index: int  # order in this connection
    number: str | None = None
    producer_ts_ms: int | None = None
    server_ts_ms: int | None = None
    contact_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AudioFrame:
    role: Role
    timestamp_ms: int  # producer clock, epoch ms
    pcm: bytes
    fragment: FragmentInfo


@dataclass(frozen=True, slots=True)
class FragmentTagged:
    """The fragment's leading tags arrived: its number, timestamps and ContactId are known."""

    fragment: FragmentInfo


@dataclass(frozen=True, slots=True)
class FragmentDone:
    """KVS wrote the fragment's trailing tags: every frame of it has been emitted."""

    fragment: FragmentInfo
    continuation_token: str | None
    millis_behind_now: int | None


ConnectEvent = AudioFrame | FragmentTagged | FragmentDone


def _seconds_to_ms(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return round(float(value) * 1000)
    except ValueError:
        return None


class ConnectStreamDecoder:
    """Stateful over one GetMedia connection; fed the parser's events in order."""

    def __init__(self) -> None:
        self._roles: dict[int, Role] = {}
        self._fragment: FragmentInfo | None = None
        self._count = 0

    @property
    def fragment(self) -> FragmentInfo | None:
        return self._fragment

    def decode(self, events: Iterable[MkvEvent]) -> list[ConnectEvent]:
        out: list[ConnectEvent] = []
        for event in events:
            if isinstance(event, Frame):
                role = self._roles.get(event.track)
                if role is not None and self._fragment is not None:
                    out.append(AudioFrame(role, event.timecode_ms, event.payload, self._fragment))
            elif isinstance(event, SegmentStarted):
                self._fragment = FragmentInfo(index=self._count)
                self._count += 1
            elif isinstance(event, TracksParsed):
                self._roles = resolve_tracks(event.tracks)
            elif isinstance(event, TagsParsed):
                out += self._tags(event.tags)
        return out

    def _tags(self, tags: tuple[tuple[str, str], ...]) -> list[ConnectEvent]:
        if self._fragment is None:  # tags before any segment header: tolerate, treat as a fragment
            self._fragment = FragmentInfo(index=self._count)
            self._count += 1
        fragment = self._fragment
        fragment.tags.update(tags)
        values = dict(tags)
        if ERROR_CODE in values or ERROR_MESSAGE in values:
            raise KvsStreamError(values.get(ERROR_CODE, "Unknown"), values.get(ERROR_MESSAGE, ""))
        mime = values.get("MimeType")
        if mime is not None and mime.replace(" ", "").rstrip(";").lower() != PCM_MIME.lower():
            raise UnsupportedAudio(f"MimeType {mime!r}: only {PCM_MIME} (Amazon Connect audio) is supported")
        out: list[ConnectEvent] = []
        if FRAGMENT_NUMBER in values:
            fragment.number = values[FRAGMENT_NUMBER]
            fragment.producer_ts_ms = _seconds_to_ms(values.get(PRODUCER_TIMESTAMP))
            fragment.server_ts_ms = _seconds_to_ms(values.get(SERVER_TIMESTAMP))
            fragment.contact_id = fragment.tags.get("ContactId")
            out.append(FragmentTagged(fragment))
        if CONTINUATION_TOKEN in values:
            behind = fragment.tags.get(MILLIS_BEHIND_NOW)
            out.append(
                FragmentDone(
                    fragment,
                    continuation_token=values.get(CONTINUATION_TOKEN),
                    millis_behind_now=int(behind) if behind and behind.isdigit() else None,
                )
            )
        return out


def resolve_tracks(tracks: dict[int, TrackInfo]) -> dict[int, Role]:
    """Track number → participant, by track name; a lone unnamed/unknown track is the customer (old layout)."""
    roles = {number: TRACK_ROLES[t.name] for number, t in tracks.items() if t.name in TRACK_ROLES}
    if not roles and len(tracks) == 1:
        roles = {next(iter(tracks)): Role.CUSTOMER}
    return roles
