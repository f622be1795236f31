"""Incremental Matroska/EBML parser for Kinesis Video Streams GetMedia bodies: bytes in any chunking, events out.

Generic (no Connect knowledge): it reports segments, track tables, tags and frames as soon as each element is
complete. Each byte is parsed once; memory is bounded by the largest element it has to hold (max_element_size).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Element ids (Matroska spec). Ids keep their length-marker bits, as the spec writes them.
EBML = 0x1A45DFA3
SEGMENT = 0x18538067
SEEK_HEAD = 0x114D9B74
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
TRACK_NAME = 0x536E
CODEC_ID = 0x86
AUDIO = 0xE1
SAMPLING_FREQUENCY = 0xB5
CHANNELS = 0x9F
VIDEO = 0xE0
PIXEL_WIDTH = 0xB0
PIXEL_HEIGHT = 0xBA
CUES = 0x1C53BB6B
ATTACHMENTS = 0x1941A469
CHAPTERS = 0x1043A770
TAGS = 0x1254C367
TAG = 0x7373
SIMPLE_TAG = 0x67C8
TAG_NAME = 0x45A3
TAG_STRING = 0x4487
CLUSTER = 0x1F43B675
TIMECODE = 0xE7
SILENT_TRACKS = 0x5854
POSITION = 0xA7
PREV_SIZE = 0xAB
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
REFERENCE_BLOCK = 0xFB
ENCRYPTED_BLOCK = 0xAF
VOID = 0xEC
CRC32 = 0xBF

NAMES = {
    EBML: "EBML",
    SEGMENT: "Segment",
    SEEK_HEAD: "SeekHead",
    INFO: "Info",
    TIMECODE_SCALE: "TimecodeScale",
    TRACKS: "Tracks",
    TRACK_ENTRY: "TrackEntry",
    TRACK_NUMBER: "TrackNumber",
    TRACK_NAME: "Name",
    CODEC_ID: "CodecID",
    AUDIO: "Audio",
    SAMPLING_FREQUENCY: "SamplingFrequency",
    CHANNELS: "Channels",
    CUES: "Cues",
    ATTACHMENTS: "Attachments",
    CHAPTERS: "Chapters",
    TAGS: "Tags",
    TAG: "Tag",
    SIMPLE_TAG: "SimpleTag",
    TAG_NAME: "TagName",
    TAG_STRING: "TagString",
    CLUSTER: "Cluster",
    TIMECODE: "Timecode",
    SILENT_TRACKS: "SilentTracks",
    POSITION: "Position",
    PREV_SIZE: "PrevSize",
    SIMPLE_BLOCK: "SimpleBlock",
    BLOCK_GROUP: "BlockGroup",
    BLOCK: "Block",
    REFERENCE_BLOCK: "ReferenceBlock",
    ENCRYPTED_BLOCK: "EncryptedBlock",
    VOID: "Void",
    CRC32: "CRC-32",
    VIDEO: "Video",
    PIXEL_WIDTH: "PixelWidth",
    PIXEL_HEIGHT: "PixelHeight",
    0x63A2: "CodecPrivate",
    0x63C0: "Targets",
}

_GLOBAL = frozenset({VOID, CRC32})
_TOP_LEVEL = frozenset({EBML, SEGMENT}) | _GLOBAL
_SEGMENT_CHILDREN = frozenset({SEEK_HEAD, INFO, TRACKS, CUES, ATTACHMENTS, CHAPTERS, TAGS, CLUSTER}) | _GLOBAL
_CLUSTER_CHILDREN = (
    frozenset({TIMECODE, SILENT_TRACKS, POSITION, PREV_SIZE, SIMPLE_BLOCK, BLOCK_GROUP, ENCRYPTED_BLOCK}) | _GLOBAL
)
# Ids that only ever appear at the top or directly in a Segment: met anywhere else they mean corrupt data
# (in a sized master) or the end of an unknown-size one.
_UPPER_LEVEL = (_TOP_LEVEL | _SEGMENT_CHILDREN) - _GLOBAL
_CHILDREN = {SEGMENT: _SEGMENT_CHILDREN, CLUSTER: _CLUSTER_CHILDREN}
# Masters the parser descends into; everything else it does not need is skipped by size.
_DESCEND = frozenset(
    {
        (None, SEGMENT),
        (SEGMENT, INFO),
        (SEGMENT, TRACKS),
        (SEGMENT, TAGS),
        (SEGMENT, CLUSTER),
        (TRACKS, TRACK_ENTRY),
        (TRACK_ENTRY, AUDIO),
        (TRACK_ENTRY, VIDEO),
        (TAGS, TAG),
        (TAG, SIMPLE_TAG),
        (SIMPLE_TAG, SIMPLE_TAG),
        (CLUSTER, BLOCK_GROUP),
    }
)
_MAX_DEPTH = 32  # only nested SimpleTags go deeper than 4; a limit keeps corrupt input from growing the stack
# Other masters: skipped without holding their bytes, so they may exceed max_element_size (Cues, Attachments).
_SKIPPED_MASTERS = frozenset({EBML, SEEK_HEAD, CUES, ATTACHMENTS, CHAPTERS})
# Leaves the parser reads, keyed by (parent, id).
_LEAVES = frozenset(
    {
        (INFO, TIMECODE_SCALE),
        (TRACK_ENTRY, TRACK_NUMBER),
        (TRACK_ENTRY, TRACK_NAME),
        (TRACK_ENTRY, CODEC_ID),
        (AUDIO, SAMPLING_FREQUENCY),
        (AUDIO, CHANNELS),
        (VIDEO, PIXEL_WIDTH),
        (VIDEO, PIXEL_HEIGHT),
        (SIMPLE_TAG, TAG_NAME),
        (SIMPLE_TAG, TAG_STRING),
        (CLUSTER, TIMECODE),
        (CLUSTER, SIMPLE_BLOCK),
        (BLOCK_GROUP, BLOCK),
        (BLOCK_GROUP, REFERENCE_BLOCK),
    }
)
_DEFAULT_TIMECODE_SCALE = 1_000_000  # ns per timecode tick: milliseconds
_UNKNOWN = -1  # end offset of an unknown-size master
_NO_LIMIT = 1 << 80  # beyond any real offset

# Length of an element id / a size vint from its first byte (0 = invalid first byte).
_ID_LENGTH = bytes(
    1 if b >= 0x80 else 2 if b >= 0x40 else 3 if b >= 0x20 else 4 if b >= 0x10 else 0 for b in range(256)
)
_VINT_LENGTH = bytes(0 if b == 0 else 9 - b.bit_length() for b in range(256))


def element_name(eid: int | None) -> str | None:
    if eid is None:
        return None
    return NAMES.get(eid, f"0x{eid:X}")


class MkvError(Exception):
    """Invalid or unsupported data. offset: absolute stream offset of the element at fault; element: its name.

    events: what the failing feed() call completed before the fault (e.g. frames before a corrupt block), so a
    consumer loses nothing that was intact.
    """

    def __init__(self, reason: str, *, offset: int, element: str | None) -> None:
        where = f"at offset {offset}" + (f" in {element}" if element else "")
        super().__init__(f"{reason} ({where})")
        self.reason = reason
        self.offset = offset
        self.element = element
        self.events: list[MkvEvent] = []


class MkvTruncated(MkvError):
    """The stream ended inside an element."""


@dataclass(frozen=True, slots=True)
class TrackInfo:
    number: int
    name: str | None
    codec_id: str | None
    sampling_rate: float | None
    channels: int | None
    pixel_width: int | None = None  # video tracks (KVS also carries video)
    pixel_height: int | None = None


@dataclass(frozen=True, slots=True)
class SegmentStarted:
    offset: int  # of the EBML header right before the Segment, else of the Segment itself


@dataclass(frozen=True, slots=True)
class TracksParsed:
    tracks: dict[int, TrackInfo]


@dataclass(frozen=True, slots=True)
class TagsParsed:
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Frame:
    track: int
    timecode_ms: int  # absolute: (Cluster Timecode + block timecode) * TimecodeScale
    payload: bytes
    keyframe: bool


MkvEvent = SegmentStarted | TracksParsed | TagsParsed | Frame


class MkvStreamParser:
    """Feed bytes as they arrive; each call returns the events completed by that data."""

    def __init__(self, *, max_element_size: int = 16 * 1024 * 1024) -> None:
        self._max = max_element_size
        self._pending: list[bytes] = []  # unparsed bytes: at most one incomplete element
        self._pending_len = 0
        self._need = 1  # parse again once this many bytes are pending
        self._base = 0  # absolute offset of the first pending byte
        self._skip = 0  # bytes still to drop of an element being skipped
        self._skip_at: tuple[int, int] = (0, 0)  # (offset, id) of that element, for truncation errors
        self._fed = 0
        self._closed = False
        self._failed: MkvError | None = None
        # Open masters as (id, end offset or _UNKNOWN, start offset); _limit = end of the innermost sized one.
        self._stack: list[tuple[int, int, int]] = []
        self._limit = _NO_LIMIT
        self._ebml_end = -1
        self._ebml_start = 0
        self._scale = _DEFAULT_TIMECODE_SCALE
        self._cluster_timecode: int | None = None
        self._tracks: dict[int, TrackInfo] = {}
        self._entry: dict[str, object] = {}
        self._tags: list[list[str | None]] = []
        self._simple_tags: list[list[str | None]] = []
        self._group: list[Frame] = []
        self._group_referenced = False

    @property
    def offset(self) -> int:
        """Bytes fed so far (the stream position after the last feed)."""
        return self._fed

    def feed(self, data: bytes) -> list[MkvEvent]:
        if self._failed is not None:
            raise self._failed_again()
        if self._closed:
            raise ValueError("feed() after close()")
        events: list[MkvEvent] = []
        if not data:
            return events
        if type(data) is not bytes:
            data = bytes(data)
        self._fed += len(data)
        if self._skip:
            if len(data) < self._skip:
                self._skip -= len(data)
                self._base += len(data)
                return events
            data = data[self._skip :]
            self._base += self._skip
            self._skip = 0
            # run the parser even with no bytes left: masters ending with the skipped element close now
        self._pending.append(data)
        self._pending_len += len(data)
        if self._pending_len < self._need and data:
            return events
        buf = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        try:
            self._parse(buf, events)
        except MkvError as exc:
            self._failed = exc
            exc.events = events
            raise
        return events

    def close(self) -> list[MkvEvent]:
        """End of stream: closes unknown-size masters; raises MkvTruncated if an element is incomplete."""
        if self._failed is not None:
            raise self._failed_again()
        self._closed = True
        if self._skip:
            offset, eid = self._skip_at
            raise self._fail(MkvTruncated, "stream ends inside the element", offset, eid)
        if self._pending_len:
            partial = self._peek_id()  # unreadable: name the master it is in, like an invalid id
            if partial is None and self._stack:
                partial = self._stack[-1][0]
            raise self._fail(MkvTruncated, "stream ends inside the element", self._base, partial)
        for eid, end, start in reversed(self._stack):
            if end != _UNKNOWN:
                raise self._fail(MkvTruncated, "stream ends inside the element", start, eid)
        events: list[MkvEvent] = []
        while self._stack:
            self._close_master(events)
        return events

    def _failed_again(self) -> MkvError:
        """The same fault again for a caller that keeps feeding, without the events already handed out."""
        failed = self._failed
        assert failed is not None
        return type(failed)(failed.reason, offset=failed.offset, element=failed.element)

    def _fail(self, kind: type[MkvError], message: str, offset: int, eid: int | None) -> MkvError:
        self._failed = kind(message, offset=offset, element=element_name(eid))
        return self._failed

    def _peek_id(self) -> int | None:
        buf = b"".join(self._pending)
        length = _ID_LENGTH[buf[0]]
        return int.from_bytes(buf[:length], "big") if length and len(buf) >= length else None

    def _parse(self, buf: bytes, events: list[MkvEvent]) -> None:  # noqa: PLR0912, PLR0915 - one hot loop
        pos = 0
        n = len(buf)
        base = self._base
        stack = self._stack
        max_size = self._max
        need = 0
        while True:
            if base + pos == self._limit:
                self._close_sized(events)
                continue
            if pos >= n:
                need = 1
                break
            start = pos
            b = buf[pos]
            if b & 0x80:
                eid = b
                p = pos + 1
            else:
                length = _ID_LENGTH[b]
                if not length:
                    raise MkvError("invalid element id", offset=base + pos, element=self._parent_name())
                p = pos + length
                if p > n:
                    need = n - pos + 1
                    break
                eid = int.from_bytes(buf[pos:p], "big")
            if p >= n:
                need = n - pos + 1
                break
            s = buf[p]
            if s & 0x80:
                size = s & 0x7F
                unknown = size == 0x7F
                p += 1
            else:
                length = _VINT_LENGTH[s]
                if not length:
                    raise MkvError("invalid element size", offset=base + pos, element=element_name(eid))
                if p + length > n:
                    need = n - pos + 1
                    break
                mask = (1 << (7 * length)) - 1
                size = int.from_bytes(buf[p : p + length], "big") & mask
                unknown = size == mask
                p += length
            end = p + size

            # Hot path: a SimpleBlock in the open Cluster.
            if eid == SIMPLE_BLOCK and stack and stack[-1][0] == CLUSTER and not unknown:
                if size > max_size:
                    raise MkvError(f"element size {size} exceeds the limit", offset=base + pos, element="SimpleBlock")
                if base + end > self._limit:
                    raise MkvError("element overruns its parent", offset=base + pos, element="SimpleBlock")
                if end > n:
                    need = end - pos
                    break
                self._block(buf, p, end, base + start, events, None)
                pos = end
                continue

            parent = self._resolve_parent(eid, base + start, events)
            if unknown:
                if eid not in (SEGMENT, CLUSTER):
                    raise MkvError("unknown size is not supported here", offset=base + pos, element=element_name(eid))
            elif base + end > self._limit:
                raise MkvError("element overruns its parent", offset=base + pos, element=element_name(eid))
            if (parent, eid) in _DESCEND:
                if len(stack) >= _MAX_DEPTH:
                    raise MkvError("elements nested too deeply", offset=base + pos, element=element_name(eid))
                self._open_master(eid, base + start, _UNKNOWN if unknown else base + end, events)
                pos = p
                continue
            if size > max_size and eid not in _SKIPPED_MASTERS:
                raise MkvError(f"element size {size} exceeds the limit", offset=base + pos, element=element_name(eid))
            if (parent, eid) in _LEAVES:
                if end > n:
                    need = end - pos
                    break
                self._leaf(eid, buf, p, end, base + start, events)
                pos = end
                continue
            if eid == EBML:
                self._ebml_start, self._ebml_end = base + start, base + end
            if end > n:
                # Skip what we do not need without holding it.
                self._skip = end - n
                self._skip_at = (base + start, eid)
                pos = n
                need = 1
                break
            pos = end

        self._base = base + pos
        rest = buf[pos:] if pos < n else b""
        self._pending = [rest] if rest else []
        self._pending_len = len(rest)
        self._need = need if rest else 1

    def _parent_name(self) -> str | None:
        return element_name(self._stack[-1][0]) if self._stack else None

    def _resolve_parent(self, eid: int, offset: int, events: list[MkvEvent]) -> int | None:
        """Close unknown-size masters this element cannot belong to; reject ids that cannot appear here."""
        stack = self._stack
        while stack:
            parent, end, _ = stack[-1]
            if end == _UNKNOWN:
                if eid in _CHILDREN[parent]:
                    return parent
                self._close_master(events)
                continue
            if eid in _UPPER_LEVEL and eid not in _CHILDREN.get(parent, ()):
                raise MkvError(f"{element_name(eid)} is not allowed here", offset=offset, element=element_name(parent))
            return parent
        if eid not in _TOP_LEVEL:
            raise MkvError("element not allowed at top level", offset=offset, element=element_name(eid))
        return None

    def _open_master(self, eid: int, start: int, end: int, events: list[MkvEvent]) -> None:
        self._stack.append((eid, end, start))
        if end != _UNKNOWN:
            self._limit = end
        if eid == SEGMENT:
            events.append(SegmentStarted(self._ebml_start if self._ebml_end == start else start))
            self._scale = _DEFAULT_TIMECODE_SCALE
            self._cluster_timecode = None
        elif eid == CLUSTER:
            self._cluster_timecode = None
        elif eid == TRACKS:
            self._tracks = {}
        elif eid == TRACK_ENTRY:
            self._entry = {}
        elif eid == TAGS:
            self._tags = []
            self._simple_tags = []
        elif eid == SIMPLE_TAG:
            entry: list[str | None] = [None, None]
            self._tags.append(entry)  # reserved now: nested SimpleTags keep document order
            self._simple_tags.append(entry)
        elif eid == BLOCK_GROUP:
            self._group = []
            self._group_referenced = False

    def _close_sized(self, events: list[MkvEvent]) -> None:
        """Close every master ending here (unknown-size ones inside the ending master too)."""
        limit = self._limit
        while self._stack and self._limit == limit:
            self._close_master(events)

    def _close_master(self, events: list[MkvEvent]) -> None:
        eid, end, start = self._stack.pop()
        if end != _UNKNOWN:
            self._limit = next((e for _, e, _ in reversed(self._stack) if e != _UNKNOWN), _NO_LIMIT)
        if eid == TRACK_ENTRY:
            number = self._entry.get("number")
            if not isinstance(number, int):
                raise MkvError("TrackEntry without TrackNumber", offset=start, element="TrackEntry")
            rate, channels = self._entry.get("rate"), self._entry.get("channels")
            width, height = self._entry.get("width"), self._entry.get("height")
            name, codec = self._entry.get("name"), self._entry.get("codec")
            self._tracks[number] = TrackInfo(
                number=number,
                name=name if isinstance(name, str) else None,
                codec_id=codec if isinstance(codec, str) else None,
                sampling_rate=rate if isinstance(rate, float) else None,
                channels=channels if isinstance(channels, int) else None,
                pixel_width=width if isinstance(width, int) else None,
                pixel_height=height if isinstance(height, int) else None,
            )
        elif eid == TRACKS:
            events.append(TracksParsed(self._tracks))
        elif eid == SIMPLE_TAG:
            self._simple_tags.pop()
        elif eid == TAGS:
            events.append(TagsParsed(tuple((n, v) for n, v in self._tags if n is not None and v is not None)))
        elif eid == BLOCK_GROUP:
            keyframe = not self._group_referenced
            events.extend(Frame(f.track, f.timecode_ms, f.payload, keyframe) for f in self._group)
        elif eid == CLUSTER:
            self._cluster_timecode = None

    def _leaf(  # noqa: PLR0912, PLR0917 - one branch per element; positional for speed
        self, eid: int, buf: bytes, p: int, end: int, offset: int, events: list[MkvEvent]
    ) -> None:
        if eid == SIMPLE_BLOCK:
            self._block(buf, p, end, offset, events, None)
        elif eid == BLOCK:
            self._block(buf, p, end, offset, events, self._group)
        elif eid == REFERENCE_BLOCK:
            self._group_referenced = True
        elif eid == TIMECODE:
            self._cluster_timecode = self._uint(buf, p, end, offset, eid)
        elif eid == TAG_NAME:
            self._simple_tags[-1][0] = buf[p:end].decode("utf-8", "replace")
        elif eid == TAG_STRING:
            self._simple_tags[-1][1] = buf[p:end].decode("utf-8", "replace")
        elif eid == TRACK_NUMBER:
            self._entry["number"] = self._uint(buf, p, end, offset, eid)
        elif eid == TRACK_NAME:
            self._entry["name"] = buf[p:end].decode("utf-8", "replace").rstrip("\x00")
        elif eid == CODEC_ID:
            self._entry["codec"] = buf[p:end].decode("ascii", "replace").rstrip("\x00")
        elif eid == SAMPLING_FREQUENCY:
            self._entry["rate"] = self._float(buf, p, end, offset, eid)
        elif eid == CHANNELS:
            self._entry["channels"] = self._uint(buf, p, end, offset, eid)
        elif eid == PIXEL_WIDTH:
            self._entry["width"] = self._uint(buf, p, end, offset, eid)
        elif eid == PIXEL_HEIGHT:
            self._entry["height"] = self._uint(buf, p, end, offset, eid)
        elif eid == TIMECODE_SCALE:
            scale = self._uint(buf, p, end, offset, eid)
            if scale == 0:
                raise MkvError("TimecodeScale is 0", offset=offset, element="TimecodeScale")
            self._scale = scale

    @staticmethod
    def _uint(buf: bytes, p: int, end: int, offset: int, eid: int) -> int:
        if end - p > 8:
            raise MkvError("unsigned integer longer than 8 bytes", offset=offset, element=element_name(eid))
        return int.from_bytes(buf[p:end], "big")

    @staticmethod
    def _float(buf: bytes, p: int, end: int, offset: int, eid: int) -> float:
        if end - p == 8:
            return float(struct.unpack(">d", buf[p:end])[0])
        if end - p == 4:
            return float(struct.unpack(">f", buf[p:end])[0])
        if end == p:
            return 0.0
        raise MkvError("float must be 0, 4 or 8 bytes", offset=offset, element=element_name(eid))

    def _block(  # noqa: PLR0917 - called per block: positional for speed
        self, buf: bytes, p: int, end: int, offset: int, events: list[MkvEvent], group: list[Frame] | None
    ) -> None:
        t = buf[p] if p < end else 0
        if t & 0x80:
            track = t & 0x7F
            q = p + 1
        else:
            length = _VINT_LENGTH[t]
            if not length:
                raise MkvError(
                    "invalid track number", offset=offset, element="Block" if group is not None else "SimpleBlock"
                )
            q = p + length
            track = int.from_bytes(buf[p:q], "big") & ((1 << (7 * length)) - 1)
        if q + 3 > end:
            raise MkvError("block too short", offset=offset, element="Block" if group is not None else "SimpleBlock")
        cluster = self._cluster_timecode
        if cluster is None:
            raise MkvError(
                "block before the Cluster Timecode",
                offset=offset,
                element=element_name(SIMPLE_BLOCK if group is None else BLOCK),
            )
        relative = (buf[q] << 8) | buf[q + 1]
        if relative >= 0x8000:
            relative -= 0x10000
        flags = buf[q + 2]
        scale = self._scale
        timecode = cluster + relative if scale == _DEFAULT_TIMECODE_SCALE else (cluster + relative) * scale // 1_000_000
        out = events if group is None else group
        if not flags & 0x06:
            out.append(Frame(track, timecode, buf[q + 3 : end], bool(flags & 0x80)))
            return
        keyframe = bool(flags & 0x80)
        for payload in _unlace(buf, q + 3, end, (flags >> 1) & 3, offset):
            out.append(Frame(track, timecode, payload, keyframe))


def _unlace(buf: bytes, p: int, end: int, lacing: int, offset: int) -> list[bytes]:  # noqa: PLR0912
    """Split a laced block (Xiph = 1, fixed = 2, EBML = 3) into its frames; they share the block's timecode."""

    def bad(why: str) -> MkvError:
        return MkvError(f"bad lacing: {why}", offset=offset, element="SimpleBlock")

    if p >= end:
        raise bad("no frame count")
    count = buf[p] + 1
    p += 1
    sizes: list[int] = []
    if lacing == 2:
        total = end - p
        if total % count:
            raise bad(f"{total} bytes do not split into {count} equal frames")
        sizes = [total // count] * count
    elif lacing == 1:
        for _ in range(count - 1):
            size = 0
            while True:
                if p >= end:
                    raise bad("sizes run past the block")
                byte = buf[p]
                p += 1
                size += byte
                if byte != 255:
                    break
            sizes.append(size)
    else:
        previous = 0
        for i in range(count - 1):
            if p >= end:
                raise bad("sizes run past the block")
            length = _VINT_LENGTH[buf[p]]
            if not length or p + length > end:
                raise bad("invalid size vint")
            raw = int.from_bytes(buf[p : p + length], "big") & ((1 << (7 * length)) - 1)
            p += length
            # the first size is plain; later ones are signed differences from the previous size
            previous = raw if i == 0 else previous + raw - ((1 << (7 * length - 1)) - 1)
            if previous < 0:
                raise bad("negative frame size")
            sizes.append(previous)
    if lacing != 2:
        last = end - p - sum(sizes)
        if last < 0:
            raise bad("frame sizes exceed the block")
        sizes.append(last)
    frames = []
    for size in sizes:
        frames.append(buf[p : p + size])
        p += size
    return frames
