"""One participant's audio within a session: feeds its recognizer and knows where a takeover would resume."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from connect_transcribe.models.api import Role
from connect_transcribe.models.gateway import StreamCheckpoint
from connect_transcribe.speech.engine import Recognizer

SAMPLE_RATE = 8000


@dataclass(frozen=True, slots=True)
class _FrameMark:
    sample: int  # index of the frame's first sample in this run
    timestamp_ms: int
    fragment_ts_ms: int | None


@dataclass(frozen=True)
class Position:
    checkpoint: StreamCheckpoint
    fragment_ts_ms: int | None  # fragment holding the resume frame (where GetMedia must restart)


class ParticipantTrack:
    def __init__(self, role: Role, base: StreamCheckpoint, start_recognizer: Callable[[int, int], Recognizer]) -> None:
        """`start_recognizer(offset_ms, first_sequence)` is called at the first frame."""
        self.role = role
        self.base = base
        self._start_recognizer = start_recognizer
        self.recognizer: Recognizer | None = None
        self._marks: deque[_FrameMark] = deque()
        self.samples = 0
        self.last_ts_ms: int | None = None
        self.last_end_ms: int | None = None  # producer time just after the last frame fed

    def feed(self, pcm: bytes, timestamp_ms: int, fragment_ts_ms: int | None, origin_ms: int) -> None:
        if self.recognizer is None:
            self.recognizer = self._start_recognizer(timestamp_ms - origin_ms, self.base.sequence)
        self._marks.append(_FrameMark(self.samples, timestamp_ms, fragment_ts_ms))
        self.recognizer.feed(pcm)
        n = len(pcm) // 2
        self.samples += n
        self.last_ts_ms = timestamp_ms
        self.last_end_ms = timestamp_ms + n * 1000 // SAMPLE_RATE

    @property
    def audio_bytes(self) -> int:
        return self.base.audio_bytes + 2 * self.samples

    @property
    def audio_ms(self) -> int:
        return self.base.audio_ms + self.samples * 1000 // SAMPLE_RATE

    @property
    def delivered(self) -> int:
        return self.recognizer.settled()[1] if self.recognizer is not None else self.base.sequence

    def position(self) -> Position:
        """Where a replacement would resume: the frame holding the recognizer's settled sample."""
        if self.recognizer is None or not self._marks:
            return Position(self.base, None)
        sample, sequence = self.recognizer.settled()
        while len(self._marks) > 1 and self._marks[1].sample <= sample:
            self._marks.popleft()  # settled points only move forward: older frames are never needed again
        mark = self._marks[0]
        return Position(
            StreamCheckpoint(
                resume_ts_ms=mark.timestamp_ms,
                sequence=sequence,
                audio_bytes=self.base.audio_bytes + 2 * mark.sample,
                audio_ms=self.base.audio_ms + mark.sample * 1000 // SAMPLE_RATE,
            ),
            mark.fragment_ts_ms,
        )

    def final_position(self) -> StreamCheckpoint:
        """After flush: everything fed is settled."""
        return StreamCheckpoint(
            resume_ts_ms=self.last_end_ms if self.last_end_ms is not None else self.base.resume_ts_ms,
            sequence=self.delivered,
            audio_bytes=self.audio_bytes,
            audio_ms=self.audio_ms,
        )
