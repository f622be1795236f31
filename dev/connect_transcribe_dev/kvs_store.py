"""The streams of the local Kinesis Video Streams server: fragments stored the way GetMedia sends them,
where each start selector begins, and what a reader may send next."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from connect_transcribe.media.mkv_writer import (
    SEGMENT,
    UNKNOWN_SIZE,
    WriterTrack,
    ebml_header,
    element_id,
    fragment_head,
    simple_block,
    tags_element,
)

Delivery = Literal["block", "fragment"]

# Real fragment numbers are 47-digit decimals that grow by a large, irregular step; readers must compare them as
# numbers or treat them as opaque, never parse structure out of them.
FRAGMENT_NUMBER_BASE = 91343852333181432392682062607743920146159169392
FRAGMENT_NUMBER_STEP = 4951760157141521099596496896
_fragment_counter = itertools.count()
_fragment_counter_lock = threading.Lock()

FRAGMENT_NUMBER = "AWS_KINESISVIDEO_FRAGMENT_NUMBER"
SERVER_TIMESTAMP = "AWS_KINESISVIDEO_SERVER_TIMESTAMP"
PRODUCER_TIMESTAMP = "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"
MILLIS_BEHIND_NOW = "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW"
CONTINUATION_TOKEN = "AWS_KINESISVIDEO_CONTINUATION_TOKEN"  # noqa: S105 - a tag name, not a secret
EXCEPTION_ERROR_CODE = "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"
EXCEPTION_MESSAGE = "AWS_KINESISVIDEO_EXCEPTION_MESSAGE"
FRAGMENT_NOT_FOUND = "4000"

SELECTOR_TYPES = ("NOW", "EARLIEST", "FRAGMENT_NUMBER", "SERVER_TIMESTAMP", "PRODUCER_TIMESTAMP", "CONTINUATION_TOKEN")


def next_fragment_number() -> str:
    with _fragment_counter_lock:  # one counter for the process: numbers never repeat, even across servers
        return str(FRAGMENT_NUMBER_BASE + next(_fragment_counter) * FRAGMENT_NUMBER_STEP)


def kvs_seconds(ms: int) -> str:
    """Timestamps in KVS tags are epoch seconds with three decimals; integer maths keeps them exact."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def error_chunk(code: str, message: str, fragment_number: str | None = None) -> bytes:
    """What KVS sends instead of media when it fails: a header and a Segment holding only error Tags.

    Both spellings are written: GetMediaForFragmentList documents EXCEPTION_ERROR_CODE/_MESSAGE, GetMedia documents
    ERROR_CODE (a description) and ERROR_ID (the number).
    """
    tags = [(FRAGMENT_NUMBER, fragment_number)] if fragment_number else []
    tags += [
        (EXCEPTION_ERROR_CODE, code),
        (EXCEPTION_MESSAGE, message),
        ("AWS_KINESISVIDEO_ERROR_CODE", message),
        ("AWS_KINESISVIDEO_ERROR_ID", code),
    ]
    return ebml_header() + element_id(SEGMENT) + UNKNOWN_SIZE + tags_element(tags)


class SelectorError(ValueError):
    """The StartSelector is malformed (InvalidArgumentException)."""


@dataclass(eq=False)
class StoredFragment:
    number: str
    producer_timestamp_ms: int
    server_timestamp_ms: int
    tracks: tuple[WriterTrack, ...]
    tags: tuple[tuple[str, str], ...]  # producer tags; the AWS_KINESISVIDEO_* ones are added on the wire
    head: bytes  # EBML header .. Cluster Timecode, including the leading Tags
    blocks: list[bytes] = field(default_factory=list)  # SimpleBlock elements, in the order they were added
    complete: bool = False
    corrupt_bytes: int = 0  # pending corruption for the next block added (Faults.corrupt_next)

    @property
    def data(self) -> bytes:
        """The fragment as GetMediaForFragmentList sends it (GetMedia adds trailing Tags)."""
        return self.head + b"".join(self.blocks)

    def trailing(self, millis_behind_now: int) -> bytes:
        return tags_element([(MILLIS_BEHIND_NOW, str(millis_behind_now)), (CONTINUATION_TOKEN, self.number)])


@dataclass(frozen=True, eq=False)
class ErrorEntry:
    """An injected error: a reader that passes this point gets the error chunk and its response ends."""

    code: str
    message: str

    @property
    def data(self) -> bytes:
        return error_chunk(self.code, self.message)


Entry = StoredFragment | ErrorEntry


@dataclass
class Cursor:
    """Where one GetMedia response is: entries[index], of which `parts` (head, then blocks) were sent."""

    index: int
    parts: int = 0


class LocalStream:
    """One stream: an append-only list of fragments (and injected errors) plus a condition readers wait on."""

    def __init__(self, name: str, arn: str, created_ms: int, *, clock: Callable[[], float] = time.time) -> None:
        self.name = name
        self.arn = arn
        self.created_ms = created_ms
        self.changed = threading.Condition()
        self._clock = clock
        self._entries: list[Entry] = []
        self._by_number: dict[str, int] = {}
        self._open: StoredFragment | None = None
        self._corrupt_next = 0

    @property
    def fragments(self) -> list[StoredFragment]:
        with self.changed:
            return [e for e in self._entries if isinstance(e, StoredFragment)]

    def fragment(self, number: str) -> StoredFragment | None:
        with self.changed:
            entry = self._entries[self._by_number[number]] if number in self._by_number else None
            return entry if isinstance(entry, StoredFragment) else None

    # -- producing ------------------------------------------------------------------------------------------------

    def begin_fragment(
        self, *, producer_timestamp_ms: int, tracks: Sequence[WriterTrack], tags: Sequence[tuple[str, str]]
    ) -> str:
        with self.changed:
            if self._open is not None:
                raise RuntimeError(f"stream {self.name}: fragment {self._open.number} is still open")
            number = next_fragment_number()
            server_ms = round(self._clock() * 1000)
            leading = [
                *tags,
                (FRAGMENT_NUMBER, number),
                (SERVER_TIMESTAMP, kvs_seconds(server_ms)),
                (PRODUCER_TIMESTAMP, kvs_seconds(producer_timestamp_ms)),
            ]
            fragment = StoredFragment(
                number=number,
                producer_timestamp_ms=producer_timestamp_ms,
                server_timestamp_ms=server_ms,
                tracks=tuple(tracks),
                tags=tuple(tags),
                head=fragment_head(tracks=tracks, tags=leading, cluster_timecode_ms=producer_timestamp_ms),
                corrupt_bytes=self._corrupt_next,
            )
            self._corrupt_next = 0
            self._by_number[number] = len(self._entries)
            self._entries.append(fragment)
            self._open = fragment
            self.changed.notify_all()
            return number

    def add_block(self, track: int, timecode_ms: int, payload: bytes) -> None:
        """timecode_ms is absolute (producer clock); the block is stored relative to its fragment's cluster."""
        with self.changed:
            fragment = self._require_open()
            block = simple_block(track, timecode_ms - fragment.producer_timestamp_ms, payload)
            if fragment.corrupt_bytes:
                # Zero bytes are never a valid EBML id or size, so any parser must reject this element.
                n = min(fragment.corrupt_bytes, len(block))
                block = bytes(n) + block[n:]
                fragment.corrupt_bytes = 0
            fragment.blocks.append(block)
            self.changed.notify_all()

    def end_fragment(self) -> None:
        with self.changed:
            fragment = self._require_open()
            fragment.complete = True
            self._open = None
            self.changed.notify_all()

    def put_fragment(
        self,
        *,
        producer_timestamp_ms: int,
        tracks: Sequence[WriterTrack],
        tags: Sequence[tuple[str, str]],
        blocks: Sequence[tuple[int, int, bytes]],
    ) -> str:
        """A whole fragment at once; blocks are (track, absolute timecode ms, payload)."""
        number = self.begin_fragment(producer_timestamp_ms=producer_timestamp_ms, tracks=tracks, tags=tags)
        for track, timecode_ms, payload in blocks:
            self.add_block(track, timecode_ms, payload)
        self.end_fragment()
        return number

    def append_error(self, code: str, message: str) -> None:
        with self.changed:
            self._entries.append(ErrorEntry(code, message))
            self.changed.notify_all()

    def corrupt_next(self, nbytes: int) -> None:
        with self.changed:
            self._corrupt_next = nbytes

    def _require_open(self) -> StoredFragment:
        if self._open is None:
            raise RuntimeError(f"stream {self.name}: no fragment is open (call begin_fragment first)")
        return self._open

    # -- reading (callers hold self.changed) ----------------------------------------------------------------------

    def start(self, selector: Mapping[str, Any]) -> Cursor | bytes:
        """The cursor a GetMedia StartSelector begins at, or an error chunk if its fragment does not exist."""
        kind = selector.get("StartSelectorType")
        if kind not in SELECTOR_TYPES:
            raise SelectorError(f"StartSelectorType must be one of {', '.join(SELECTOR_TYPES)}")
        if kind == "EARLIEST":
            return Cursor(0)
        if kind == "NOW":
            # The fragment being produced right now, from its start; otherwise whatever comes next.
            return Cursor(self._open_index() if self._open is not None else len(self._entries))
        if kind in ("FRAGMENT_NUMBER", "CONTINUATION_TOKEN"):
            key = "AfterFragmentNumber" if kind == "FRAGMENT_NUMBER" else "ContinuationToken"
            number = selector.get(key)
            if not isinstance(number, str) or not number:
                raise SelectorError(f"{key} is required for {kind}")
            index = self._by_number.get(number)
            if index is None:
                return error_chunk(FRAGMENT_NOT_FOUND, f"Requested fragment {number} is not found", number)
            index += 1  # KVS starts *after* the named fragment
            while index < len(self._entries) and isinstance(self._entries[index], ErrorEntry):
                index += 1  # a reader resuming past an injected error does not get it again
            return Cursor(index)
        stamp = selector.get("StartTimestamp")
        if not isinstance(stamp, int | float):
            raise SelectorError(f"StartTimestamp is required for {kind}")
        wanted_ms = round(stamp * 1000)
        producer = kind == "PRODUCER_TIMESTAMP"
        start: int | None = None
        for index, entry in enumerate(self._entries):
            if isinstance(entry, StoredFragment):
                begins = entry.producer_timestamp_ms if producer else entry.server_timestamp_ms
                if start is None or begins <= wanted_ms:
                    start = index  # the first fragment, or the latest one starting at or before the timestamp
                if begins > wanted_ms:
                    break
        return Cursor(len(self._entries) if start is None else start)

    def take(self, cursor: Cursor, delivery: Delivery) -> tuple[bytes, bool]:
        """The bytes this reader may send now (b"" if none) and whether its response ends after them."""
        if cursor.index >= len(self._entries):
            return b"", False
        entry = self._entries[cursor.index]
        if isinstance(entry, ErrorEntry):
            cursor.index += 1
            return entry.data, True
        if delivery == "fragment" and not entry.complete:
            return b"", False
        parts = [entry.head, *entry.blocks]
        data = b"".join(parts[cursor.parts :])
        cursor.parts = len(parts)
        if entry.complete:
            data += entry.trailing(self._millis_behind(entry))
            cursor.index += 1
            cursor.parts = 0
        return data, False

    def _millis_behind(self, fragment: StoredFragment) -> int:
        """How far this fragment is behind the newest one on the stream (0 for a reader at the live edge)."""
        newest = next(e for e in reversed(self._entries) if isinstance(e, StoredFragment))
        return max(0, newest.server_timestamp_ms - fragment.server_timestamp_ms)

    def _open_index(self) -> int:
        assert self._open is not None
        return self._by_number[self._open.number]
