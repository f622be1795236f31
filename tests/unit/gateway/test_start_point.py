"""Where a session starts reading: never losing Connect's first fragment, never re-reading settled audio."""

from __future__ import annotations

import threading

from connect_transcribe.gateway.start_point import StartPoint, start_point
from connect_transcribe.media.ports import MediaUnavailable, Selector, SelectorType
from connect_transcribe.models.api import Role
from connect_transcribe.models.gateway import Checkpoint, StreamCheckpoint
from connect_transcribe.models.session import SessionJob, StartSelector

from tests.factories import session_job

FIRST = "91343852333181432392682062607743920146159169392"


class Lookup:
    """MediaSource stand-in answering GetMediaForFragmentList after `misses` attempts."""

    def __init__(self, ts: int | None, misses: int = 0, fail: bool = False) -> None:
        self.ts, self.misses, self.fail, self.calls = ts, misses, fail, 0

    def get_media(self, stream_arn: str, selector: Selector) -> object:
        raise AssertionError("not used")

    def fragment_timestamp_ms(self, stream_arn: str, fragment_number: str) -> int | None:
        self.calls += 1
        if self.fail:
            raise MediaUnavailable("down")
        return self.ts if self.calls > self.misses else None


def job(generation: int = 1, selector: StartSelector | None = None) -> SessionJob:
    return session_job(
        generation=generation,
        selector=selector or StartSelector(type="FRAGMENT_NUMBER", after_fragment_number=FIRST),
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.3
        return self.now


def point(j: SessionJob, cp: Checkpoint | None, media: Lookup, lookup_s: float = 5.0) -> StartPoint:
    return start_point(
        j,
        cp,
        media,
        lookup_s=lookup_s,
        cancelled=threading.Event(),
        monotonic=Clock(),
    )


def test_connects_start_fragment_becomes_its_producer_timestamp() -> None:
    # Given the start fragment is listed only after a couple of attempts (it was still being written)
    media = Lookup(1_700_000_000_000, misses=2)
    p = point(job(), None, media)
    assert p.selector == Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=1_700_000_000_000)
    assert p.exact and not p.takeover and media.calls == 3


def test_a_start_fragment_never_listed_falls_back_to_after_it() -> None:
    p = point(job(), None, Lookup(None), lookup_s=1.0)
    assert p.selector == Selector(SelectorType.FRAGMENT_NUMBER, fragment_number=FIRST)
    assert not p.exact
    assert point(job(), None, Lookup(None, fail=True), lookup_s=1.0).selector.type is SelectorType.FRAGMENT_NUMBER


def test_now_stays_now() -> None:
    p = point(job(selector=StartSelector(type="NOW")), None, Lookup(None))
    assert p.selector == Selector(SelectorType.NOW)


def test_a_takeover_restarts_at_the_checkpoints_fragment_and_skips_settled_audio() -> None:
    cp = Checkpoint(
        generation=1,
        fragment_ts_ms=5_000,
        streams={Role.CUSTOMER: StreamCheckpoint(resume_ts_ms=5_640), Role.AGENT: StreamCheckpoint(resume_ts_ms=5_576)},
    )
    media = Lookup(1)
    p = point(job(), cp, media)
    assert p.selector == Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=5_000)
    assert p.skip_before_ms == {Role.CUSTOMER: 5_640, Role.AGENT: 5_576}
    assert p.takeover and media.calls == 0


def test_a_resume_after_pause_uses_the_new_start_but_never_re_reads_the_old_audio() -> None:
    cp = Checkpoint(
        generation=1, fragment_ts_ms=5_000, finished=True, streams={Role.CUSTOMER: StreamCheckpoint(resume_ts_ms=9_000)}
    )
    p = point(job(generation=2, selector=StartSelector(type="NOW")), cp, Lookup(None))
    assert p.selector == Selector(SelectorType.NOW)
    assert p.skip_before_ms == {Role.CUSTOMER: 9_000} and not p.takeover
