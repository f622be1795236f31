"""`connect-transcribe kvs-inspect`: summarise a GetMedia body fragment by fragment, optionally extracting the audio."""

from __future__ import annotations

import contextlib
import json
import os
import re
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ
from connect_transcribe.media.mkv import (
    Frame,
    MkvError,
    MkvEvent,
    MkvStreamParser,
    SegmentStarted,
    TagsParsed,
    TrackInfo,
    TracksParsed,
)

CHUNK = 64 * 1024
FRAGMENT_NUMBER = "AWS_KINESISVIDEO_FRAGMENT_NUMBER"
ERROR_CODE = "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"
ERROR_MESSAGE = "AWS_KINESISVIDEO_EXCEPTION_MESSAGE"
MIME_TYPE = "MimeType"


def read_chunks(source: IO[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """Chunks as they arrive: read1 returns what a pipe has instead of waiting for a full chunk."""
    read = getattr(source, "read1", source.read)
    while chunk := read(size):
        yield chunk


@dataclass
class _Fragment:
    index: int
    tags: list[tuple[str, str]] = field(default_factory=list)
    blocks: dict[int, list[int]] = field(default_factory=dict)  # track -> [blocks, bytes]

    def report(self, tracks: dict[int, TrackInfo]) -> dict[str, Any]:
        tags = dict(self.tags)
        numbers = sorted(set(tracks) | set(self.blocks))
        out: dict[str, Any] = {
            "fragment": self.index,
            "fragmentNumber": tags.get(FRAGMENT_NUMBER),
            "tags": [list(tag) for tag in self.tags],
            "tracks": [
                {"number": t.number, "name": t.name, "codec": t.codec_id} for t in (tracks[n] for n in sorted(tracks))
            ],
            "blocks": {
                str(n): {
                    "name": tracks[n].name if n in tracks else None,
                    "blocks": self.blocks.get(n, [0, 0])[0],
                    "bytes": self.blocks.get(n, [0, 0])[1],
                }
                for n in numbers
            },
        }
        if ERROR_CODE in tags or ERROR_MESSAGE in tags:
            out["error"] = {"code": tags.get(ERROR_CODE), "message": tags.get(ERROR_MESSAGE)}
        return out


class AudioExtractor:
    """Writes each PCM audio track to <dir>/<track name>.wav (s16le mono; rate from the MimeType tag)."""

    def __init__(self, directory: Path, warn: Callable[[str], None]) -> None:
        self.directory = directory
        self._warn = warn
        self._writers: dict[str, wave.Wave_write] = {}
        self._skipped: set[str] = set()
        directory.mkdir(parents=True, exist_ok=True)

    def write(self, frame: Frame, track: TrackInfo | None, mime_type: str | None) -> None:
        name = _file_name(track.name if track and track.name else f"track-{frame.track}")
        writer = self._writers.get(name)
        if writer is None:
            if name in self._skipped:
                return
            codec = track.codec_id if track else None
            if codec == "A_PCM/INT/LIT" or (mime_type or "").lower().startswith("audio/l16"):
                # Connect declares A_AAC but its MimeType says L16; Connect sends it little-endian.
                writer = wave.open(str(self.directory / f"{name}.wav"), "wb")  # noqa: SIM115 - closed in close()
                writer.setnchannels(1)
                writer.setsampwidth(2)
                writer.setframerate(_rate(mime_type, track))
                self._writers[name] = writer
            else:
                if not (codec or "").startswith("V_"):
                    self._warn(f"track {frame.track} ({codec}) is not PCM: not extracted")
                self._skipped.add(name)
                return
        writer.writeframes(frame.payload)

    def close(self) -> list[Path]:
        for writer in self._writers.values():
            writer.close()
        return [self.directory / f"{name}.wav" for name in self._writers]


def inspect_stream(
    chunks: Iterable[bytes],
    emit: Callable[[dict[str, Any]], None],
    *,
    extractor: AudioExtractor | None = None,
) -> None:
    """Parse the stream and emit one report per fragment as soon as the next one starts (or the stream ends).

    Raises MkvError after emitting the report of the fragment it occurred in.
    """
    parser = MkvStreamParser()
    tracks: dict[int, TrackInfo] = {}
    mime_type: str | None = None
    fragment: _Fragment | None = None
    count = 0

    def handle(events: list[MkvEvent]) -> None:
        nonlocal fragment, tracks, mime_type, count
        for event in events:
            if isinstance(event, Frame):
                if fragment is None:  # cannot happen: frames live in a Segment
                    continue
                stats = fragment.blocks.setdefault(event.track, [0, 0])
                stats[0] += 1
                stats[1] += len(event.payload)
                if extractor is not None:
                    extractor.write(event, tracks.get(event.track), mime_type)
            elif isinstance(event, SegmentStarted):
                if fragment is not None:
                    emit(fragment.report(tracks))
                fragment = _Fragment(count)
                count += 1
            elif isinstance(event, TracksParsed):
                tracks = event.tracks
            elif isinstance(event, TagsParsed) and fragment is not None:
                fragment.tags.extend(event.tags)
                mime_type = dict(event.tags).get(MIME_TYPE, mime_type)

    try:
        for chunk in chunks:
            handle(parser.feed(chunk))
        handle(parser.close())
    except MkvError as exc:
        handle(exc.events)
        if fragment is not None:
            emit(fragment.report(tracks))  # what was seen of the broken fragment helps find the fault
        raise
    if fragment is not None:
        emit(fragment.report(tracks))


def run(source: IO[bytes], out: IO[str], err: IO[str], extract: Path | None = None) -> int:
    """The command: JSON lines on out; an MkvError becomes a JSON line on err and exit status 2."""

    def emit(report: dict[str, Any]) -> None:
        out.write(json.dumps(report) + "\n")
        out.flush()

    def warn(message: str) -> None:
        err.write(f"kvs-inspect: {message}\n")

    extractor = AudioExtractor(extract, warn) if extract is not None else None
    try:
        inspect_stream(read_chunks(source), emit, extractor=extractor)
    except MkvError as exc:
        error = {"error": type(exc).__name__, "message": str(exc), "offset": exc.offset, "element": exc.element}
        err.write(json.dumps(error) + "\n")
        return 2
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, and keep Python's exit-time flush from complaining
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 0
    finally:
        if extractor is not None:
            for path in extractor.close():
                warn(f"wrote {path}")
    return 0


def _rate(mime_type: str | None, track: TrackInfo | None) -> int:
    match = re.search(r"rate=(\d+)", mime_type or "")
    if match:
        return int(match.group(1))
    if track and track.sampling_rate:
        return int(track.sampling_rate)
    return CONNECT_SAMPLE_RATE_HZ


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip(".") or "track"
