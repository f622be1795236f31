"""onnxruntime reads ORT_DISABLE_TELEMETRY once, when it initialises: the opt-out must be in the environment by the
time anything the worker imports first imports onnxruntime (tests/integration/speech/test_no_telemetry.py is the probe
on the wire)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Note the opt-out's value at the moment onnxruntime is first imported, then import what the worker imports.
PROBE = """
import importlib.abc, json, os, sys

seen = []

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "onnxruntime" and not seen:
            seen.append(os.environ.get("ORT_DISABLE_TELEMETRY"))
        return None

sys.meta_path.insert(0, Watch())
import connect_transcribe.wiring.worker
import connect_transcribe.speech.engine
print(json.dumps({"seen": seen, "loaded": "onnxruntime" in sys.modules}))
"""


def first_import(**env: str) -> dict[str, object]:
    child = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"} | env
    done = subprocess.run(
        [sys.executable, "-c", PROBE], check=False, env=child, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_opt_out_is_set_before_onnxruntime_is_first_imported() -> None:
    # Given nothing set by the operator, when the worker's modules are imported
    result = first_import()
    # Then onnxruntime was imported, and the opt-out was already on at that moment
    assert result == {"seen": ["1"], "loaded": True}


def test_an_operators_explicit_value_wins() -> None:
    assert first_import(ORT_DISABLE_TELEMETRY="0") == {"seen": ["0"], "loaded": True}
