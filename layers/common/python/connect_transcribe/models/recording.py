"""Where a call recording lives in the recordings bucket. The worker writes each 30 s of the call's timeline as its
own segment object, keyed by position, and joins them into one stereo WAV when a run of the call ends; the messages
API links to the WAV. The bucket's lifecycle rules (infra) expire the two prefixes separately."""

from __future__ import annotations

SEGMENT_PREFIX = "segments/"  # working copies: needed only while the call can still resume (short lifecycle)
RECORDING_PREFIX = "recordings/"  # the joined WAVs: kept recording_retention_days
SEGMENT_SECONDS = 30
SEGMENT_LIFETIME_DAYS = 2  # a conversation's session items live far less than that once it has ended


def segment_key(guid: str, index: int) -> str:
    """Segment `index` covers timeline [index * SEGMENT_SECONDS, (index + 1) * SEGMENT_SECONDS) of the call."""
    return f"{SEGMENT_PREFIX}{guid}/{index:06d}.pcm"


def segment_index(key: str) -> int:
    return int(key.rsplit("/", 1)[1].split(".", 1)[0])


def recording_key(guid: str) -> str:
    return f"{RECORDING_PREFIX}{guid}.wav"
