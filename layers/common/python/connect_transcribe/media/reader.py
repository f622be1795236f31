"""Read one Connect stream from KVS: GetMedia, parse as bytes arrive, reconnect without losing or repeating audio.

A connection ends on its own after a while (KVS closes GetMedia after minutes, networks drop); the reader reopens
it from the last continuation token, or from the producer timestamp of the fragment it was in, and drops any frame
it has already passed on (per participant, by timestamp) — so audio across a cut is byte-exact.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from connect_transcribe.media.connect_stream import (
    AudioFrame,
    ConnectEvent,
    ConnectStreamDecoder,
    FragmentDone,
    FragmentTagged,
)
from connect_transcribe.media.mkv import MkvError, MkvStreamParser
from connect_transcribe.media.ports import (
    MediaConnection,
    MediaError,
    MediaIdle,
    MediaSource,
    Selector,
    SelectorType,
)
from connect_transcribe.models.api import Role


@dataclass(frozen=True)
class ReaderSettings:
    end_of_stream_s: float = 10.0  # no new audio for this long = the call's media has ended
    min_call_interval_s: float = 0.25  # KVS allows 5 GetMedia calls/s per stream; stay under it
    backoff_base_s: float = 0.25
    backoff_max_s: float = 5.0
    give_up_after_s: float = 120.0  # consecutive failed connection attempts before the session fails


class MediaEnded(Exception):
    """No new audio for `end_of_stream_s`: the call is over (or the stream was abandoned)."""


class KvsReader:
    def __init__(
        self,
        source: MediaSource,
        stream_arn: str,
        start: Selector,
        *,
        settings: ReaderSettings | None = None,
        skip_before_ms: dict[Role, int] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._arn = stream_arn
        self._start = start
        self.settings = settings or ReaderSettings()
        # per participant: frames with a timestamp below this were passed on already (or must be skipped)
        self._next_ms: dict[Role, int] = dict(skip_before_ms or {})
        self._monotonic = monotonic
        self._closed = threading.Event()
        self._conn: MediaConnection | None = None
        self._lock = threading.Lock()
        self._token: str | None = None
        self._current_fragment_ts: int | None = None
        self._last_call = -1e9
        self.connections = 0
        self.reconnects = 0
        self.millis_behind_now: int | None = None
        self._last_audio = monotonic()

    @property
    def continuation_token(self) -> str | None:
        return self._token

    def close(self) -> None:
        """Stop reading (from any thread): the event iterator ends at the next read."""
        self._closed.set()
        with self._lock:
            conn = self._conn
        if conn is not None:
            conn.close()

    def events(self) -> Iterator[ConnectEvent]:
        """Audio frames (each exactly once), fragment starts and ends, until close() or MediaEnded/errors."""
        self._last_audio = self._monotonic()
        while not self._closed.is_set():
            conn = self._open(self._resume_selector())
            if conn is None:
                return
            try:
                yield from self._stream(conn)
            except MediaError as exc:
                if not exc.retryable:
                    raise
            finally:
                self._close_connection(conn)
            if self._closed.is_set():
                return
            if self._monotonic() - self._last_audio >= self.settings.end_of_stream_s:
                raise MediaEnded(f"no new audio for {self.settings.end_of_stream_s:g} s")
            self.reconnects += 1

    def _stream(self, conn: MediaConnection) -> Iterator[ConnectEvent]:
        """One connection: a fresh parser (a cut connection leaves a partial element behind, never an error)."""
        parser, decoder = MkvStreamParser(), ConnectStreamDecoder()
        while not self._closed.is_set():
            try:
                data = conn.read()
            except MediaIdle:
                return
            except MediaError:
                if self._closed.is_set():
                    return
                raise
            if not data:
                return
            try:
                events = parser.feed(data)
            except MkvError as exc:
                # pass on every frame that was intact before the fault, then fail this stream
                for event in decoder.decode(exc.events):
                    if self._accept(event):
                        yield event
                raise
            for event in decoder.decode(events):
                if self._accept(event):
                    yield event

    def _accept(self, event: ConnectEvent) -> bool:
        if isinstance(event, AudioFrame):
            if event.timestamp_ms < self._next_ms.get(event.role, 0):
                return False  # already passed on before a reconnect (or before a takeover)
            self._next_ms[event.role] = event.timestamp_ms + 1
            self._last_audio = self._monotonic()
        elif isinstance(event, FragmentTagged):
            self._current_fragment_ts = event.fragment.producer_ts_ms
        elif isinstance(event, FragmentDone):
            if event.continuation_token:
                self._token = event.continuation_token
            if event.millis_behind_now is not None:
                self.millis_behind_now = event.millis_behind_now
        return True

    def _resume_selector(self) -> Selector:
        if self.connections == 0:
            return self._start
        if self._token is not None:
            return Selector(SelectorType.CONTINUATION_TOKEN, token=self._token)
        if self._current_fragment_ts is not None:
            return Selector(SelectorType.PRODUCER_TIMESTAMP, timestamp_ms=self._current_fragment_ts)
        return self._start

    def _open(self, selector: Selector) -> MediaConnection | None:
        s = self.settings
        failing_since: float | None = None
        attempt = 0
        while not self._closed.is_set():
            wait = self._last_call + s.min_call_interval_s - self._monotonic()
            if wait > 0 and self._closed.wait(wait):
                return None
            self._last_call = self._monotonic()
            try:
                conn = self._source.get_media(self._arn, selector)
            except MediaError as exc:
                if not exc.retryable:
                    raise
                now = self._monotonic()
                failing_since = failing_since if failing_since is not None else now
                if now - failing_since >= s.give_up_after_s:
                    raise
                attempt += 1
                delay = min(s.backoff_max_s, s.backoff_base_s * 2**attempt) * random.uniform(0.5, 1.0)  # noqa: S311
                if self._closed.wait(delay):
                    return None
                continue
            with self._lock:
                self._conn = conn
            self.connections += 1
            if self._closed.is_set():
                self._close_connection(conn)
                return None
            return conn
        return None

    def _close_connection(self, conn: MediaConnection) -> None:
        with self._lock:
            if self._conn is conn:
                self._conn = None
        conn.close()
