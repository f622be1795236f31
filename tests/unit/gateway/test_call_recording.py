"""Call recording logic: every sample at its timeline position, segments written once the stream is past them, a
takeover or a later run rewriting the same bytes, and the joined stereo WAV."""

from __future__ import annotations

import io
import wave
from typing import IO

import numpy as np
import pytest
from connect_transcribe.gateway.call_recording import (
    SEGMENT_SAMPLES,
    CallRecorder,
    join_recording,
    with_retries,
)
from connect_transcribe.models.api import Role

ORIGIN = 1_764_000_000_000  # producer time of the call's first audio (epoch ms)
FRAME_MS = 64  # Connect's ~64 ms blocks: 512 samples
SEGMENT_MS = SEGMENT_SAMPLES // 8


class MemoryRecordings:
    """The RecordingStore port in memory; `fail_puts` makes the next n segment writes fail."""

    def __init__(self) -> None:
        self.segments: dict[tuple[str, int], bytes] = {}
        self.recordings: dict[str, bytes] = {}
        self.puts: list[int] = []
        self.fail_puts = 0

    def get_segment(self, guid: str, index: int) -> bytes | None:
        return self.segments.get((guid, index))

    def put_segment(self, guid: str, index: int, pcm: bytes) -> None:
        if self.fail_puts:
            self.fail_puts -= 1
            raise ConnectionError("S3 unavailable")
        self.puts.append(index)
        self.segments[(guid, index)] = pcm

    def segment_indexes(self, guid: str) -> list[int]:
        return sorted(i for g, i in self.segments if g == guid)

    def put_recording(self, guid: str, wav: IO[bytes]) -> None:
        self.recordings[guid] = wav.read()


def tone(role: Role, ms: int) -> bytes:
    """A frame whose samples name their own position: customer i, agent -i (distinct, never silent)."""
    n = FRAME_MS * 8
    first = (ms - ORIGIN) * 8
    values = np.arange(first, first + n) % 30_000 + 1
    return (values if role is Role.CUSTOMER else -values).astype("<i2").tobytes()


def play(recorder: CallRecorder, start_ms: int, end_ms: int, *, fragment_ms: int = 1024) -> None:
    """Both participants' frames from start to end, as KVS hands them over, writing due segments per fragment."""
    for ms in range(start_ms, end_ms, FRAME_MS):
        fragment = ORIGIN + (ms - ORIGIN) // fragment_ms * fragment_ms
        for role in (Role.CUSTOMER, Role.AGENT):
            recorder.place(role, ms, tone(role, ms), fragment, ORIGIN)
        if (ms - ORIGIN) % fragment_ms == 0:
            recorder.write_due()


def wav_channels(data: bytes) -> tuple[int, np.ndarray]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    return len(frames), frames


def expected(duration_ms: int, *, silent: list[tuple[int, int]] = ()) -> np.ndarray:  # type: ignore[assignment]
    samples = duration_ms * 8
    left = np.arange(samples) % 30_000 + 1
    frames = np.stack([left, -left], axis=1).astype("<i2")
    for start, end in silent:
        frames[start * 8 : end * 8] = 0
    return frames


def test_a_call_is_a_stereo_wav_with_customer_left_agent_right_at_timeline_positions() -> None:
    store = MemoryRecordings()
    recorder = CallRecorder("g", store)
    # Given 71 s of a call (two full segments and part of a third)
    play(recorder, ORIGIN, ORIGIN + 71_040)
    # Then the two segments the stream is 10 s past were written while it ran, the third is still open
    assert store.puts == [0, 1]
    assert recorder.pending_segment == 2
    # When the run ends
    recorder.write_all()
    seconds = join_recording("g", store)
    # Then the WAV holds every sample once, in place: customer left, agent right
    assert seconds == pytest.approx(71.040)
    count, frames = wav_channels(store.recordings["g"])
    assert count == 71_040 * 8
    assert np.array_equal(frames, expected(71_040))
    assert recorder.pending_segment is None


def test_a_takeover_rewrites_the_same_bytes_and_loses_nothing() -> None:
    # Given a reference recording of a 95 s call on one worker
    reference = MemoryRecordings()
    one = CallRecorder("g", reference)
    play(one, ORIGIN, ORIGIN + 95_040)
    one.write_all()
    join_recording("g", reference)
    # and a worker that records the same call and dies 47 s in (segment 0 written, segment 1 in memory, lost)
    store = MemoryRecordings()
    doomed = CallRecorder("g", store)
    play(doomed, ORIGIN, ORIGIN + 47_040)
    checkpoint = doomed.pending_segment
    assert (checkpoint, store.puts) == (1, [0])
    assert doomed.restart_ms(ORIGIN) == ORIGIN + SEGMENT_MS - 1000  # a frame straddling the boundary
    # When the new owner reads again from its transcript checkpoint, 2 s before the recording's pending segment
    survivor = CallRecorder("g", store, pending_segment=checkpoint)
    assert survivor.pending_segment == 1  # kept until it writes the segment itself
    play(survivor, ORIGIN + 28_032, ORIGIN + 95_040)
    survivor.write_all()
    join_recording("g", store)
    # Then the recording equals the uninterrupted one, byte for byte
    assert store.recordings["g"] == reference.recordings["g"]
    assert store.puts == [0, 1, 2, 3]  # nothing before the pending segment was written again


def test_a_takeover_after_segments_past_the_checkpoint_were_written_writes_them_identically() -> None:
    # Given an owner whose last checkpoint said segment 0 was pending, but which wrote segments 0 and 1 before dying
    reference = MemoryRecordings()
    whole = CallRecorder("g", reference)
    play(whole, ORIGIN, ORIGIN + 80_000)
    whole.write_all()
    store = MemoryRecordings()
    doomed = CallRecorder("g", store)
    play(doomed, ORIGIN, ORIGIN + 72_000)
    assert store.puts == [0, 1]
    # When the successor restarts at segment 0
    survivor = CallRecorder("g", store, pending_segment=0)
    play(survivor, ORIGIN, ORIGIN + 80_000)
    survivor.write_all()
    # Then every segment holds what an uninterrupted run wrote
    assert store.segments == reference.segments


def test_a_later_run_after_a_hold_keeps_the_first_runs_audio_and_the_hold_is_silence() -> None:
    store = MemoryRecordings()
    # Given a first run that stopped at a hold 40 s in, and was joined
    first = CallRecorder("g", store)
    play(first, ORIGIN, ORIGIN + 40_000)
    first.write_all()
    assert join_recording("g", store) == pytest.approx(40.0)
    # When the call resumes 12 s later (same segment) in a new run, and ends at 100 s
    second = CallRecorder("g", store)
    play(second, ORIGIN + 52_032, ORIGIN + 100_032)
    second.write_all()
    join_recording("g", store)
    # Then the WAV spans the whole call: the first run's audio, silence for the hold, the second run's audio
    count, frames = wav_channels(store.recordings["g"])
    assert count == 100_032 * 8
    assert np.array_equal(frames, expected(100_032, silent=[(40_000, 52_032)]))


def test_a_segment_the_stream_skipped_entirely_is_silence_in_the_wav() -> None:
    store = MemoryRecordings()
    recorder = CallRecorder("g", store)
    play(recorder, ORIGIN, ORIGIN + 10_048)
    recorder.write_all()
    later = CallRecorder("g", store)  # resumed after a 70 s hold
    play(later, ORIGIN + 80_000, ORIGIN + 89_984)
    later.write_all()
    join_recording("g", store)
    assert store.segment_indexes("g") == [0, 2]
    count, frames = wav_channels(store.recordings["g"])
    assert count == 89_984 * 8
    assert np.array_equal(frames, expected(89_984, silent=[(10_048, 80_000)]))


def test_a_silent_participant_does_not_hold_the_recording_in_memory() -> None:
    store = MemoryRecordings()
    recorder = CallRecorder("g", store)
    for ms in range(ORIGIN, ORIGIN + 46_016, FRAME_MS):  # the agent's track stops carrying frames after 2 s
        for role in (Role.CUSTOMER, Role.AGENT) if ms < ORIGIN + 2_000 else (Role.CUSTOMER,):
            recorder.place(role, ms, tone(role, ms), None, ORIGIN)
    assert recorder.write_due() == 1
    assert store.puts == [0]


def test_a_failed_write_keeps_the_segment_pending_and_is_retried() -> None:
    store = MemoryRecordings()
    store.fail_puts = 1
    recorder = CallRecorder("g", store)
    with pytest.raises(ConnectionError):
        play(recorder, ORIGIN, ORIGIN + 41_024)
    assert recorder.pending_segment == 0  # a takeover now would read segment 0 again
    play(recorder, ORIGIN + 41_024, ORIGIN + 43_072)
    assert (store.puts, recorder.pending_segment) == ([0], 1)


def test_frames_for_a_segment_already_written_are_counted_not_written() -> None:
    store = MemoryRecordings()
    recorder = CallRecorder("g", store)
    play(recorder, ORIGIN, ORIGIN + 41_024)
    recorder.place(Role.AGENT, ORIGIN + 1_024, tone(Role.AGENT, ORIGIN + 1_024), None, ORIGIN)
    assert recorder.late_samples == FRAME_MS * 8
    assert store.puts == [0]


def test_a_stop_point_behind_what_was_read_cuts_the_recording_there() -> None:
    # Given a run that read 5 s past a hold that began 33 s in, before it heard of the hold
    store = MemoryRecordings()
    recorder = CallRecorder("g", store)
    play(recorder, ORIGIN, ORIGIN + 38_016)
    assert store.puts == []  # segment 0 is kept in memory 10 s past its end, so it can still be cut
    # When the run stops at the hold's start
    recorder.cut(ORIGIN + 33_000, ORIGIN)
    recorder.write_all()
    # Then the recording ends where the hold began: nothing of the hold is in it
    assert join_recording("g", store) == pytest.approx(33.0)
    assert np.array_equal(wav_channels(store.recordings["g"])[1], expected(33_000))
    assert store.puts == [0, 1]


def test_nothing_recorded_joins_to_nothing() -> None:
    store = MemoryRecordings()
    assert join_recording("g", store) is None
    assert store.recordings == {}


def test_retries_wait_longer_each_time_and_raise_the_last_failure() -> None:
    waits: list[float] = []
    calls = iter([ConnectionError("1"), ConnectionError("2"), None])

    def flaky() -> None:
        if (failure := next(calls)) is not None:
            raise failure

    with_retries(flaky, attempts=3, wait=waits.append)
    assert waits == [0.2, 0.4]
    with pytest.raises(ConnectionError, match="3"):
        with_retries(lambda: (_ for _ in ()).throw(ConnectionError("3")), attempts=2, wait=waits.append)
