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
"""

import os
import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


_sleep.adapted_to_libfaketime = True  # type: ignore[attr-defined]

if "libfaketime" in os.environ.get("LD_PRELOAD", ""):
    if os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") != "1":
        raise RuntimeError(
            "libfaketime is preloaded with the monotonic clock shifted: every timed wait would hang. "
            "Set FAKETIME_DONT_FAKE_MONOTONIC=1 (make test-any-date does)."
        )
    time.sleep = _sleep
