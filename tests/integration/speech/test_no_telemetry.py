"""The speech engine never phones home: onnxruntime (>= 1.29) sends usage telemetry to Microsoft from Linux unless
ORT_DISABLE_TELEMETRY is set before it initialises, and the worker runs in the customer's account.

Whether onnxruntime tries at all depends on the machine: on the development machine, with the opt-out explicitly off,
it tried to reach the endpoint below about 7 s after the engine was built; on the CI machine it sent nothing either
way. So this probe is the check where it would send, and tests/unit/speech/test_telemetry_opt_out.py checks the
mechanism (the opt-out is in the environment when onnxruntime is first imported) everywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.integration.dev.local_up import RecordingProxy

# Build the engine as the worker does, then stay up. Measured: the first upload is tried about 7 s after the engine
# is built, the next one about 5 s later.
WORKER_LIKE = (
    "import sys, time\n"
    "from connect_transcribe.speech.engine import EngineSettings, WhisperEngine\n"
    "engine = WhisperEngine(EngineSettings())\n"
    "time.sleep(float(sys.argv[1]))\n"
    "engine.close()\n"
)
TELEMETRY = "CONNECT mobile.events.data.microsoft.com"


@contextmanager
def worker_like(stay_s: float, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], RecordingProxy]]:
    """The engine in its own process, its HTTPS going through a proxy that notes every CONNECT and refuses it."""
    with RecordingProxy() as proxy:
        child = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
        child.update(HTTPS_PROXY=proxy.url, https_proxy=proxy.url, **env)
        process = subprocess.Popen([sys.executable, "-c", WORKER_LIKE, str(stay_s)], env=child)
        try:
            yield process, proxy
        finally:
            process.kill()
            process.wait()


def test_the_engine_sends_no_telemetry_by_default() -> None:
    # Given the worker's engine built with nothing set by the operator, up for twice the first upload's delay
    with worker_like(14) as (process, proxy):
        assert process.wait(timeout=120) == 0
    # Then it never tried to reach Microsoft's telemetry endpoint
    assert not [r for r in proxy.requests if r.startswith(TELEMETRY)], proxy.requests
