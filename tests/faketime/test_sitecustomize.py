"""The libfaketime workarounds hold: under `make test-any-date`'s faketime, a process that adds environment variables
while other threads run (every thread waiting for the GIL goes through libfaketime's getenv) does not crash, and the
environment it changes is the one C code and child processes see."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent

pytestmark = pytest.mark.skipif(
    shutil.which("faketime") is None, reason="faketime not installed (apt-get install faketime)"
)

ADD_VARIABLES_WHILE_THREADS_RUN = """
import os, threading, time
stop = time.monotonic() + 4
def spin():
    while time.monotonic() < stop:
        pass
def churn():
    i = 0
    while time.monotonic() < stop:
        os.environ[f"STRESS_{i}"] = "x"
        i += 1
        if i % 200 == 0:
            for j in range(i - 200, i):
                del os.environ[f"STRESS_{j}"]
threads = [threading.Thread(target=spin) for _ in range(3)] + [threading.Thread(target=churn)]
[t.start() for t in threads]
[t.join() for t in threads]
print("survived")
"""

ENVIRONMENT_IS_SEEN_BY_C_AND_CHILDREN = """
import ctypes, os, subprocess
getenv = ctypes.CDLL(None).getenv
getenv.restype = ctypes.c_char_p
os.environ["HARNESS_NEW"] = "1"
os.environ["HARNESS_CHANGED"] = "after"
for i in range(300):
    os.environ[f"HARNESS_{i}"] = str(i)
del os.environ["HARNESS_0"]
seen = subprocess.run(["sh", "-c", "echo ${HARNESS_NEW:-unset} $HARNESS_CHANGED ${HARNESS_0:-unset} $HARNESS_299"],
                      capture_output=True, text=True, check=True).stdout.split()
print(getenv(b"HARNESS_NEW").decode(), getenv(b"HARNESS_0"), getenv(b"HARNESS_299").decode(), *seen)
"""


def under_faketime(script: str) -> subprocess.CompletedProcess[str]:
    # Without the harness on PYTHONPATH the first script dies with SIGSEGV within seconds (libfaketime 0.9.10).
    env = {**os.environ, "FAKETIME_DONT_FAKE_MONOTONIC": "1", "HARNESS_CHANGED": "before", "PYTHONPATH": str(HERE)}
    return subprocess.run(
        ["faketime", "-f", "+400d", sys.executable, "-c", script],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_adding_environment_variables_while_threads_wait_for_the_gil_does_not_crash() -> None:
    result = under_faketime(ADD_VARIABLES_WHILE_THREADS_RUN)
    assert (result.returncode, result.stdout.strip()) == (0, "survived"), result.stderr[-2000:]


def test_the_environment_changes_reach_c_code_and_child_processes() -> None:
    result = under_faketime(ENVIRONMENT_IS_SEEN_BY_C_AND_CHILDREN)
    assert result.stdout.split() == ["1", "None", "299", "1", "after", "unset", "299"], result.stderr[-2000:]
