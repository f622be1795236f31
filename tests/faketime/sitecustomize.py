"""Makes every Python process of a test run under Debian's libfaketime work (`make test-any-date` puts this folder
on PYTHONPATH, so pytest and the processes the tests start, such as the media gateway worker, all load it).

Debian 12's libfaketime 0.9.10 and CPython 3.11 disagree on the monotonic clock (measured on these machines):
- with the monotonic clock shifted too, every timed lock wait (Event.wait, Queue.get, Condition.wait with a
  timeout) hangs: CPython waits with sem_clockwait(CLOCK_MONOTONIC), which libfaketime does not intercept, so a
  deadline 400 days "ahead" is waited for in real time;
- with FAKETIME_DONT_FAKE_MONOTONIC=1 those waits work, but time.sleep (clock_nanosleep with an absolute
  monotonic deadline) fails with EINVAL: libfaketime still shifts that deadline back by the offset.
So the runs keep the monotonic clock real and time.sleep waits on an Event, the wait that works. Only the wall
clock moves, and that is the clock dates, hours, retention and TTLs are read from.

A third one crashed CI: libfaketime calls getenv() inside every intercepted pthread_cond_timedwait, and every thread
waiting for the GIL waits that way, without holding the GIL. glibc's setenv reallocates (and frees) the environment
array when a new variable is added, so a thread that sets a new os.environ key (monkeypatch.setenv, local mode
configuring its handlers) while another waits for the GIL made that getenv read freed memory: SIGSEGV, about once a
run (tests/unit/test_faketime_harness.py: one thread adding variables while three spin segfaults within seconds). Here putenv
and unsetenv write into environment arrays this module owns and never frees (an addition is one aligned pointer
store before the NULL that ends the array, a removal publishes a new array), so a concurrent getenv sees the old
or the new environment, never freed memory.
"""

import ctypes
import os
import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


_sleep.adapted_to_libfaketime = True  # type: ignore[attr-defined]


class StableEnviron:
    """The process environment (C `environ`) in arrays that are only ever replaced, never freed or shrunk."""

    def __init__(self) -> None:
        self._libc = ctypes.CDLL(None)
        self._environ = ctypes.c_void_p.in_dll(self._libc, "environ")
        self._lock = threading.Lock()
        self._keep: list[object] = []  # every array and string ever published stays alive
        self._array: ctypes.Array[ctypes.c_void_p] | None = None
        self._count = 0
        self._capacity = 0

    def _entries(self) -> list[int]:
        base = self._environ.value
        out: list[int] = []
        while base and (entry := ctypes.c_void_p.from_address(base + 8 * len(out)).value):
            out.append(entry)
        return out

    def _adopt(self, entries: list[int], capacity: int) -> None:
        array = (ctypes.c_void_p * capacity)(*entries)  # zero-filled: NULL after the last entry
        self._keep.append(array)
        self._array, self._count, self._capacity = array, len(entries), capacity
        self._environ.value = ctypes.addressof(array)  # one pointer store: readers see the old or the new array

    def _current(self) -> ctypes.Array[ctypes.c_void_p]:
        if self._array is None or self._environ.value != ctypes.addressof(self._array):
            entries = self._entries()  # first use, or C code called setenv and replaced the array
            self._adopt(entries, 2 * len(entries) + 64)
        assert self._array is not None
        return self._array

    def _find(self, array: ctypes.Array[ctypes.c_void_p], key: bytes) -> int | None:
        prefix = key + b"="
        for index in range(self._count):
            if ctypes.string_at(array[index], len(prefix)) == prefix:
                return index
        return None

    def putenv(self, key: str | bytes, value: str | bytes) -> None:
        key_b, value_b = os.fsencode(key), os.fsencode(value)
        if not key_b or b"=" in key_b or b"\0" in key_b + value_b:
            raise ValueError(f"illegal environment variable name or value: {key!r}")
        entry = ctypes.create_string_buffer(key_b + b"=" + value_b)
        with self._lock:
            self._keep.append(entry)
            array = self._current()
            index = self._find(array, key_b)
            if index is not None:
                array[index] = ctypes.addressof(entry)
                return
            if self._count + 1 >= self._capacity:
                self._adopt([*array[: self._count]], 2 * self._capacity)
                array = self._current()
            array[self._count] = ctypes.addressof(entry)  # the NULL after it was already there
            self._count += 1

    def unsetenv(self, key: str | bytes) -> None:
        key_b = os.fsencode(key)
        with self._lock:
            array = self._current()
            index = self._find(array, key_b)
            if index is None:
                return
            entries = [*array[: self._count]]
            del entries[index]
            self._adopt(entries, 2 * len(entries) + 64)  # a new array: a reader of the old one misses no other entry


if "libfaketime" in os.environ.get("LD_PRELOAD", ""):
    if os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") != "1":
        raise RuntimeError(
            "libfaketime is preloaded with the monotonic clock shifted: every timed wait would hang. "
            "Set FAKETIME_DONT_FAKE_MONOTONIC=1 (make test-any-date does)."
        )
    time.sleep = _sleep
    _stable = StableEnviron()
    os.putenv, os.unsetenv = _stable.putenv, _stable.unsetenv
