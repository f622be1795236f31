"""One participant's audio within a session: feeds its recognizer and knows where a takeover would resume."""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ
from connect_transcribe.models.api import Role
from connect_transcribe.models.gateway import StreamCheckpoint
from connect_transcribe.speech.ports import Recognizer

# (offset_ms, base checkpoint, floor samples, VAD state or None) -> recognizer
StartRecognizer = Callable[[int, StreamCheckpoint, int, bytes | None], Recognizer]


@dataclass(frozen=True, slots=True)
class _FrameMark:
    sample: int  # index of the frame's first sample in this run
    timestamp_ms: int
    fragment_ts_ms: int | None
    vad: bytes  # the VAD's state before this frame


@dataclass(frozen=True)
class Position:
    checkpoint: StreamCheckpoint
    fragment_ts_ms: int | None  # fragment holding the resume frame (where GetMedia must restart)


class ParticipantTrack:
    def __init__(self, role: Role, base: StreamCheckpoint, start: StartRecognizer, *, takeover: bool) -> None:
        """`base` is where this participant stood. On a takeover the recognizer starts exactly as the previous
        owner's stood at base.resume_ts_ms: same VAD state, floor, sequence and decoding context."""
        self.role = role
        self.base = base
        self._start = start
        self._takeover = takeover
        self.recognizer: Recognizer | None = None
        self._marks: deque[_FrameMark] = deque()
        self.samples = 0
        self.last_ts_ms: int | None = None
        self.last_end_ms: int | None = None  # producer time just after the last frame fed

    def feed(self, pcm: bytes, timestamp_ms: int, fragment_ts_ms: int | None, origin_ms: int) -> None:
        if self.recognizer is None:
            resume = self._takeover and timestamp_ms == self.base.resume_ts_ms
            vad = base64.b64decode(self.base.vad_state) if resume and self.base.vad_state else None
            floor = self.base.floor_samples if resume else 0
            self.recognizer = self._start(timestamp_ms - origin_ms, self.base, floor, vad)
        self._marks.append(_FrameMark(self.samples, timestamp_ms, fragment_ts_ms, self.recognizer.vad_state()))
        self.recognizer.feed(pcm)
        n = len(pcm) // 2
        self.samples += n
        self.last_ts_ms = timestamp_ms
        self.last_end_ms = timestamp_ms + n * 1000 // CONNECT_SAMPLE_RATE_HZ

    @property
    def audio_bytes(self) -> int:
        return self.base.audio_bytes + 2 * self.samples

    @property
    def audio_ms(self) -> int:
        return self.base.audio_ms + self.samples * 1000 // CONNECT_SAMPLE_RATE_HZ

    @property
    def delivered(self) -> int:
        return self.recognizer.settled().sequence if self.recognizer is not None else self.base.sequence

    def position(self) -> Position:
        """Where a replacement would resume: the frame holding the recognizer's settled sample. Call it from the
        feeding thread."""
        if self.recognizer is None or not self._marks:
            return Position(self.base, None)
        settled = self.recognizer.settled()
        while len(self._marks) > 1 and self._marks[1].sample <= settled.sample:
            self._marks.popleft()  # settled points only move forward: older frames are never needed again
        mark = self._marks[0]
        return Position(
            StreamCheckpoint(
                resume_ts_ms=mark.timestamp_ms,
                vad_state=base64.b64encode(mark.vad).decode(),
                floor_samples=max(0, settled.sample - mark.sample),
                context=settled.context,
                sequence=settled.sequence,
                audio_bytes=self.base.audio_bytes + 2 * mark.sample,
                audio_ms=self.base.audio_ms + mark.sample * 1000 // CONNECT_SAMPLE_RATE_HZ,
            ),
            mark.fragment_ts_ms,
        )

    def final_position(self) -> StreamCheckpoint:
        """After flush: everything fed is settled."""
        settled = self.recognizer.settled() if self.recognizer is not None else None
        return StreamCheckpoint(
            resume_ts_ms=self.last_end_ms if self.last_end_ms is not None else self.base.resume_ts_ms,
            context=settled.context if settled else self.base.context,
            sequence=settled.sequence if settled else self.base.sequence,
            audio_bytes=self.audio_bytes,
            audio_ms=self.audio_ms,
        )
