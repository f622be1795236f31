"""Faults the local KVS server injects on demand so tests can exercise a reader's recovery: cut connections,
stalls, error chunks inside the media and corrupt fragment bytes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from connect_transcribe_dev.kvs_store import LocalStream


class GetMediaConnection:
    """One GetMedia response being served; Faults may give it a byte budget after which it is cut."""

    def __init__(self, stream: LocalStream) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._cut_after: int | None = None

    def cut(self, after_bytes: int) -> None:
        with self._lock:
            self._cut_after = after_bytes if self._cut_after is None else min(self._cut_after, after_bytes)

    @property
    def cut_now(self) -> bool:
        with self._lock:
            return self._cut_after == 0

    def allow(self, data: bytes) -> tuple[bytes, bool]:
        """The part of `data` this connection may still send, and whether it must be cut right after."""
        with self._lock:
            if self._cut_after is None:
                return data, False
            if len(data) < self._cut_after:
                self._cut_after -= len(data)
                return data, False
            allowed, self._cut_after = data[: self._cut_after], 0
            return allowed, True


class Faults:
    """Thread-safe; `stream` arguments take a name or ARN, None means every stream."""

    def __init__(
        self,
        lookup: Callable[[str], LocalStream],
        connections: Callable[[], list[GetMediaConnection]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._connections = connections
        self._clock = clock
        self._lock = threading.Lock()
        self._pending_cuts: list[tuple[str | None, int]] = []
        self._stalled_until: dict[str | None, float] = {}

    def cut_connections(self, stream: str | None = None, after_bytes: int = 0, *, next_connections: int = 0) -> int:
        """Abort the current GetMedia connections after `after_bytes` more body bytes (0: now), without ending the
        chunked body, so the client sees a truncated response. `next_connections` more connections opened later
        are cut the same way. Returns how many current connections were affected."""
        name = self._name(stream)
        with self._lock:
            self._pending_cuts += [(name, after_bytes)] * next_connections
        victims = [c for c in self._connections() if name is None or c.stream.name == name]
        for connection in victims:
            connection.cut(after_bytes)
            with connection.stream.changed:  # wake a reader that is waiting for data so it notices now
                connection.stream.changed.notify_all()
        return len(victims)

    def stall(self, seconds: float, stream: str | None = None) -> None:
        """Send nothing for `seconds` on current and new connections (data keeps accumulating; no idle close)."""
        name = self._name(stream)
        with self._lock:
            self._stalled_until[name] = max(self._stalled_until.get(name, 0.0), self._clock() + seconds)

    def inject_error(self, stream: str, code: str, message: str) -> None:
        """Append an error chunk after the stream's current fragment; readers reaching it get it and their response
        ends, as KVS ends GetMedia on an error. Readers starting after that point never see it."""
        self._lookup(stream).append_error(code, message)

    def corrupt_next(self, stream: str, nbytes: int = 4) -> None:
        """Zero the first `nbytes` of the first block of the next fragment begun on the stream, which makes the
        SimpleBlock id/size invalid EBML. Stored that way: every later reader of that fragment sees it too."""
        self._lookup(stream).corrupt_next(nbytes)

    def clear(self) -> None:
        with self._lock:
            self._pending_cuts.clear()
            self._stalled_until.clear()

    # -- used by the server ---------------------------------------------------------------------------------------

    def connected(self, connection: GetMediaConnection) -> None:
        """Apply a pending cut_connections(next_connections=...) to a connection that just opened."""
        with self._lock:
            for i, (name, after_bytes) in enumerate(self._pending_cuts):
                if name is None or name == connection.stream.name:
                    del self._pending_cuts[i]
                    connection.cut(after_bytes)
                    return

    def stall_left(self, stream: LocalStream) -> float:
        with self._lock:
            until = max(self._stalled_until.get(None, 0.0), self._stalled_until.get(stream.name, 0.0))
        return max(0.0, until - self._clock())

    def _name(self, stream: str | None) -> str | None:
        return None if stream is None else self._lookup(stream).name
