"""A participant's resume point: the frame holding the recognizer's settled sample, with what it takes to
carry on exactly there (VAD state, floor, sequence, context)."""

from __future__ import annotations

import base64

from connect_transcribe.gateway.track import ParticipantTrack
from connect_transcribe.models.api import Role
from connect_transcribe.models.gateway import StreamCheckpoint
from connect_transcribe.speech.recognizer import Settled

FRAME = bytes(1024)  # 64 ms of 8 kHz 16-bit audio


class FakeRecognizer:
    def __init__(self) -> None:
        self.fed = 0
        self.settled_at = Settled(0, 0, None)

    def feed(self, pcm: bytes) -> None:
        self.fed += len(pcm) // 2

    def vad_state(self) -> bytes:
        return f"vad@{self.fed}".encode()

    def settled(self) -> Settled:
        return self.settled_at

    def flush(self) -> None: ...

    def wait_idle(self, timeout: float | None = None) -> bool:
        return True


class Starts:
    def __init__(self) -> None:
        self.calls: list[tuple[int, StreamCheckpoint, int, bytes | None]] = []
        self.recognizer = FakeRecognizer()

    def __call__(self, offset_ms: int, base: StreamCheckpoint, floor: int, vad: bytes | None) -> FakeRecognizer:
        self.calls.append((offset_ms, base, floor, vad))
        return self.recognizer


def test_position_is_the_frame_holding_the_settled_sample() -> None:
    starts = Starts()
    base = StreamCheckpoint(sequence=4, audio_bytes=10_000, audio_ms=625)
    track = ParticipantTrack(Role.CUSTOMER, base, starts, takeover=False)
    for i in range(10):
        track.feed(FRAME, 1_000_000 + 64 * i, 999_000 + 1000 * (i // 4), origin_ms=990_000)
    # Given the recognizer has settled 1,300 samples in (inside the third frame), 6 utterances delivered
    starts.recognizer.settled_at = Settled(1_300, 6, "last text")
    position = track.position()
    cp = position.checkpoint
    assert cp.resume_ts_ms == 1_000_000 + 128 and cp.floor_samples == 1_300 - 1_024
    assert base64.b64decode(cp.vad_state or "") == b"vad@1024"
    assert (cp.sequence, cp.context) == (6, "last text")
    assert (cp.audio_bytes, cp.audio_ms) == (10_000 + 2_048, 625 + 128)
    assert position.fragment_ts_ms == 999_000
    # the recognizer was started once, at the first frame, relative to the conversation's origin
    assert [(c[0], c[2], c[3]) for c in starts.calls] == [(10_000, 0, None)]


def test_a_takeover_restores_the_vad_and_floor_at_the_resume_frame() -> None:
    starts = Starts()
    base = StreamCheckpoint(
        resume_ts_ms=5_000,
        vad_state=base64.b64encode(b"state").decode(),
        floor_samples=200,
        sequence=3,
        context="before",
    )
    track = ParticipantTrack(Role.AGENT, base, starts, takeover=True)
    track.feed(FRAME, 5_000, 4_500, origin_ms=1_000)
    offset, given, floor, vad = starts.calls[0]
    assert (offset, floor, vad, given.sequence, given.context) == (4_000, 200, b"state", 3, "before")


def test_a_resume_after_pause_starts_fresh_but_keeps_counting() -> None:
    starts = Starts()
    base = StreamCheckpoint(resume_ts_ms=5_000, vad_state="c3RhdGU=", floor_samples=200, sequence=3, audio_bytes=8)
    track = ParticipantTrack(Role.AGENT, base, starts, takeover=False)
    track.feed(FRAME, 9_000, 9_000, origin_ms=1_000)
    assert starts.calls[0][2:] == (0, None)
    assert track.audio_bytes == 8 + 1024
    final = track.final_position()
    assert final.resume_ts_ms == 9_064 and final.audio_ms == 64


def test_positions_only_keep_the_frames_they_may_still_need() -> None:
    starts = Starts()
    track = ParticipantTrack(Role.CUSTOMER, StreamCheckpoint(), starts, takeover=False)
    for i in range(1000):
        track.feed(FRAME, 64 * i, None, origin_ms=0)
        starts.recognizer.settled_at = Settled(max(0, (i - 5) * 512), 0, None)
        track.position()
    assert len(track._marks) <= 7
