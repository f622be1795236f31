"""Call recording (audioRecordingAllowed): the call's audio as one stereo WAV, customer left, agent right.

Every sample has one place, fixed by its producer timestamp on the call's timeline (time 0 is the conversation's
first audio, as for transcripts), so a message's start/end are also its position in the recording. The timeline is
cut into segments of SEGMENT_SECONDS, each written as its own object once the stream has passed its end. Because a
segment's content is a function of its position, a takeover that reads a segment again writes the same bytes: a
crash can neither duplicate nor shift audio. What is not yet written is what a takeover must read again; the session
puts the first such segment in its checkpoint (`pending_segment`) and restarts KVS no later than its start.
When a run of the call ends (stop, hold, end of media), the segments are joined into the WAV; time the gateway did
not read (a hold, between a stop and a resume) is silence there.
"""

from __future__ import annotations

import wave
from collections.abc import Callable
from tempfile import SpooledTemporaryFile

import numpy as np

from connect_transcribe.gateway.ports import RecordingStore
from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ
from connect_transcribe.models.api import Role
from connect_transcribe.models.recording import SEGMENT_SECONDS

SEGMENT_SAMPLES = SEGMENT_SECONDS * CONNECT_SAMPLE_RATE_HZ  # per channel
SAMPLES_PER_MS = CONNECT_SAMPLE_RATE_HZ // 1000
FRAME_BYTES = 4  # one stereo sample: two s16le channels
CHANNEL = {Role.CUSTOMER: 0, Role.AGENT: 1}  # left, right
# A segment is written once every participant's audio is WRITE_DELAY past its end, or once one participant's is
# LAGGARD further (a participant whose audio stopped must not hold the others' recording in memory). The delay keeps
# the audio a session reads between a stop point (a hold's start) and the moment it hears of it in memory, where
# cut() can take it out: the recording stops where the transcript's stop point is, not where the worker noticed.
WRITE_DELAY_SAMPLES = 10 * CONNECT_SAMPLE_RATE_HZ
LAGGARD_SAMPLES = 5 * CONNECT_SAMPLE_RATE_HZ
MAX_FRAME_MS = 1000  # longer than any block Connect writes (~64 ms)
SPOOL_BYTES = 8 << 20  # a joined WAV bigger than this (about 4 min) is spooled to a temporary file


class CallRecorder:
    """One run of a session: places frames on the timeline and writes finished segments. Not thread-safe: the
    session's reading thread owns it."""

    def __init__(self, guid: str, store: RecordingStore, *, pending_segment: int | None = None) -> None:
        """`pending_segment`: on a takeover, the previous owner's first segment not known to be written; frames
        before it are in the store already. None: a fresh run (its first segment may hold an earlier run's audio)."""
        self.guid = guid
        self._store = store
        self._from = pending_segment or 0
        self._resumed_from = pending_segment
        self._open: dict[int, np.ndarray] = {}
        self._lengths: dict[int, int] = {}  # per open segment: samples up to the last one placed (or loaded)
        self._fragment_ts: dict[int, int] = {}  # per open segment: earliest fragment holding a frame placed in it
        self._written: set[int] = set()
        self._loaded_first = False
        self._ends: dict[Role, int] = {}
        self.late_samples = 0  # frames for a segment this run had already written (counted, dropped)

    # -- the reading thread ---------------------------------------------------------------------

    def place(self, role: Role, timestamp_ms: int, pcm: bytes, fragment_ts_ms: int | None, origin_ms: int) -> None:
        channel = CHANNEL.get(role)
        if channel is None or not pcm:
            return
        samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2")
        start = (timestamp_ms - origin_ms) * SAMPLES_PER_MS
        end = start + samples.size
        self._ends[role] = max(self._ends.get(role, 0), end)
        first = max(start, self._from * SEGMENT_SAMPLES, 0)
        while first < end:
            index = first // SEGMENT_SAMPLES
            stop = min(end, (index + 1) * SEGMENT_SAMPLES)
            if index in self._written:
                self.late_samples += stop - first
            else:
                buffer = self._segment(index)
                offset = index * SEGMENT_SAMPLES
                buffer[first - offset : stop - offset, channel] = samples[first - start : stop - start]
                self._lengths[index] = max(self._lengths[index], stop - offset)
                if fragment_ts_ms is not None:
                    self._fragment_ts[index] = min(self._fragment_ts.get(index, fragment_ts_ms), fragment_ts_ms)
            first = stop

    def write_due(self) -> int:
        """Write every segment the stream has passed the end of; returns how many were written. Raises on a store
        failure, leaving that segment (and later ones) open to be written on a later call."""
        if not self._ends:
            return 0
        passed = max(min(self._ends.values()), max(self._ends.values()) - LAGGARD_SAMPLES) - WRITE_DELAY_SAMPLES
        due = [i for i in sorted(self._open) if (i + 1) * SEGMENT_SAMPLES <= passed]
        for index in due:
            self._write(index)
        return len(due)

    def cut(self, at_ms: int, origin_ms: int) -> None:
        """The run stops at producer time `at_ms` (a stop or a hold's start): leave out what was read after it."""
        at = max(0, (at_ms - origin_ms) * SAMPLES_PER_MS)
        for index in sorted(self._open):
            offset = index * SEGMENT_SAMPLES
            if at - offset >= self._lengths[index]:
                continue
            keep = max(0, at - offset)
            self._open[index][keep:] = 0
            self._lengths[index] = keep
            if keep == 0:
                del self._open[index], self._lengths[index]  # nothing before the stop point: nothing to write
                self._fragment_ts.pop(index, None)

    def write_all(self) -> int:
        """The run ends: write every open segment, partial ones up to their last sample. Raises on a store failure."""
        indexes = sorted(self._open)
        for index in indexes:
            self._write(index)
        return len(indexes)

    @property
    def pending_segment(self) -> int | None:
        """The first segment whose audio is not known to be in the store; None once everything read is."""
        if self._open:
            return min(self._open)
        if not self._loaded_first and self._resumed_from is not None:
            return self._resumed_from  # nothing placed yet: the previous owner's pending segment still is
        return None

    @property
    def restart_fragment_ts_ms(self) -> int | None:
        """Producer timestamp of the earliest fragment a takeover must read again for the recording."""
        pending = self.pending_segment
        return self._fragment_ts.get(pending) if pending is not None else None

    def restart_ms(self, origin_ms: int) -> int | None:
        """Producer time from which a takeover must feed frames to the recording again: a frame that begins up to
        a second before the pending segment may reach into it (place() keeps only the part that does)."""
        pending = self.pending_segment
        return None if pending is None else origin_ms + pending * SEGMENT_SECONDS * 1000 - MAX_FRAME_MS

    # -- helpers ---------------------------------------------------------------------------------

    def _segment(self, index: int) -> np.ndarray:
        buffer = self._open.get(index)
        if buffer is not None:
            return buffer
        buffer = np.zeros((SEGMENT_SAMPLES, 2), "<i2")
        length = 0
        if not self._loaded_first:
            # the run's first segment may hold an earlier run's audio (before a hold, or the part of it a previous
            # owner wrote): start from what is stored. Later segments are read in full by this run.
            self._loaded_first = True
            stored = self._store.get_segment(self.guid, index)
            if stored:
                loaded = np.frombuffer(stored[: SEGMENT_SAMPLES * FRAME_BYTES], "<i2").reshape(-1, 2)
                buffer[: len(loaded)] = loaded
                length = len(loaded)
        self._open[index] = buffer
        self._lengths[index] = length
        return buffer

    def _write(self, index: int) -> None:
        self._store.put_segment(self.guid, index, self._open[index][: self._lengths[index]].tobytes())
        del self._open[index], self._lengths[index]
        self._fragment_ts.pop(index, None)
        self._written.add(index)


def join_recording(guid: str, store: RecordingStore, *, spool_bytes: int = SPOOL_BYTES) -> float | None:
    """Join the call's segments into its WAV (replacing an earlier join); returns its length in seconds, or None when
    nothing was recorded. Segments missing between others, and the end of a segment a run stopped in, are silence."""
    indexes = sorted(store.segment_indexes(guid))
    if not indexes:
        return None
    silence = bytes(SEGMENT_SAMPLES * FRAME_BYTES)
    frames = 0
    with SpooledTemporaryFile(max_size=spool_bytes) as body:
        with wave.open(body, "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(CONNECT_SAMPLE_RATE_HZ)
            for index in range(indexes[-1] + 1):
                pcm = store.get_segment(guid, index) if index in indexes else None
                pcm = (pcm or b"")[: len(silence)]
                if index < indexes[-1]:
                    pcm += silence[len(pcm) :]  # every segment but the last spans its whole 30 s
                wav.writeframes(pcm)
                frames += len(pcm) // FRAME_BYTES
        body.seek(0)
        store.put_recording(guid, body)
    return frames / CONNECT_SAMPLE_RATE_HZ


def with_retries(action: Callable[[], object], *, attempts: int, wait: Callable[[float], object]) -> None:
    """Run `action`, trying again after 0.2, 0.4, 0.8 ... s (at most 5 s) on failure; the last failure is raised."""
    for attempt in range(attempts):
        try:
            action()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            wait(min(5.0, 0.2 * 2**attempt))
