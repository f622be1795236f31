import os
import subprocess
import sys

from connect_transcribe.speech.threads import VARIABLES, pin_math_threads


def test_unset_variables_become_one_thread():
    environ: dict[str, str] = {}
    pin_math_threads(environ)
    assert environ == dict.fromkeys(VARIABLES, "1")


def test_a_value_the_deployment_set_is_kept():
    environ = {"OMP_NUM_THREADS": "4"}
    pin_math_threads(environ)
    assert environ["OMP_NUM_THREADS"] == "4"
    assert environ["OPENBLAS_NUM_THREADS"] == "1"


def test_the_worker_entry_point_pins_them_before_numpy_loads():
    """Importing the worker's entry module (as `python -m` does, minus running it) in a clean environment: the
    variables are set, and numpy was not loaded before they were (OpenBLAS reads them once, at load)."""
    probe = (
        "import os, sys\n"
        "import connect_transcribe.gateway.__main__\n"
        f"print(all(os.environ.get(name) == '1' for name in {VARIABLES!r}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    order = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert order.stdout.strip() == "True"
    imported = [line.rsplit("|", 1)[-1].strip() for line in order.stderr.splitlines() if "|" in line]
    assert imported.index("connect_transcribe.speech.threads") < imported.index("numpy")
