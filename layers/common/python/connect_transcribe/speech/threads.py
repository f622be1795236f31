"""One thread for the math libraries' own pools (OpenBLAS under numpy and scipy, OpenMP).

They read these variables once, when they load, and start a pool the size of the machine whose threads spin for a
while after each call. In the worker every stream's feature extraction and resampling is a small matrix product on
a decode thread, so that spin ran beside every encode: measured on 2 cores, the tiny.en encoder of a 5 s window
took 121 ms of CPU for 64 ms of wall time, and 62 ms once pinned; 20 real-time streams used 1.42 cores, 1.12 pinned.
The decode pool (EngineSettings.decode_workers) and CTranslate2's own threads (threads_per_worker, which CTranslate2
sets itself) are how the worker uses more cores. Call before numpy is imported: at the process's entry point."""

from __future__ import annotations

import os
from collections.abc import MutableMapping

VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_math_threads(environ: MutableMapping[str, str] = os.environ) -> None:
    """Each variable not already set becomes 1; a value the deployment set is kept."""
    for name in VARIABLES:
        environ.setdefault(name, "1")
