"""Where a session starts reading KVS: the previous owner's checkpoint (takeover), or the start request's
selector, with Connect's StartFragmentNumber turned into that fragment's producer timestamp."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from connect_transcribe.media.ports import MediaError, MediaSource, Selector, SelectorType
from connect_transcribe.models.api import Role, StartSelectorType
from connect_transcribe.models.gateway import Checkpoint
from connect_transcribe.models.session import SessionJob


@dataclass(frozen=True)
class StartPoint:
    selector: Selector
    skip_before_ms: dict[Role, int]  # per participant: frames before this were handled by an earlier run
    takeover: bool  # carrying on another owner's run of this generation
    exact: bool = True  # False: the start fragment was not found and the call's first fragment may be missed


def start_point(
    job: SessionJob,
    checkpoint: Checkpoint | None,
    media: MediaSource,
    *,
    lookup_s: float,
    cancelled: threading.Event,
    monotonic: Callable[[], float],
) -> StartPoint:
    same_generation = checkpoint is not None and checkpoint.generation == job.generation
    skip = {}
    if checkpoint is not None:  # never feed audio an earlier run (or generation) already transcribed
        skip = {r: s.resume_ts_ms for r, s in checkpoint.streams.items() if s.resume_ts_ms is not None}
    if same_generation and checkpoint is not None and checkpoint.fragment_ts_ms:
        return StartPoint(Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=checkpoint.fragment_ts_ms), skip, True)
    selector = job.start_selector
    if selector.type is StartSelectorType.FRAGMENT_NUMBER and selector.after_fragment_number:
        # GetMedia's FRAGMENT_NUMBER starts *after* the fragment, but Connect's StartFragmentNumber is the call's
        # first fragment: start at its producer timestamp instead, which returns the fragment containing it.
        number = selector.after_fragment_number
        ts = fragment_timestamp(
            media, job.stream_arn, number, lookup_s=lookup_s, cancelled=cancelled, monotonic=monotonic
        )
        if ts is not None:
            return StartPoint(Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=ts), skip, same_generation)
        return StartPoint(Selector(SelectorType.FRAGMENT_NUMBER, fragment_number=number), skip, same_generation, False)
    return StartPoint(Selector(SelectorType.NOW), skip, same_generation)


def fragment_timestamp(
    media: MediaSource,
    stream_arn: str,
    number: str,
    *,
    lookup_s: float,
    cancelled: threading.Event,
    monotonic: Callable[[], float],
) -> int | None:
    """KVS lists a fragment only once it is complete (~1 s after Connect names it): ask for a little while."""
    deadline = monotonic() + lookup_s
    while True:
        try:
            ts = media.fragment_timestamp_ms(stream_arn, number)
        except MediaError:
            ts = None
        if ts is not None or monotonic() >= deadline or cancelled.wait(0.25):
            return ts
