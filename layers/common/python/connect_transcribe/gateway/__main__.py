"""`python -m connect_transcribe.gateway`: the media gateway worker process (Fargate task entry point)."""

from __future__ import annotations

import os
import signal
import sys

from connect_transcribe.speech.threads import pin_math_threads

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "media-gateway")  # before the logger is created at import
pin_math_threads()  # before numpy loads

from connect_transcribe.observability import logger  # noqa: E402 (after the pinning above)
from connect_transcribe.settings import GatewaySettings  # noqa: E402 (after the pinning above)
from connect_transcribe.wiring.worker import build_worker  # noqa: E402 (after the pinning above)


def main() -> int:
    settings = GatewaySettings()  # from the environment
    worker, engine = build_worker(settings)

    def stop(signum: int, _frame: object) -> None:
        logger.info("shutting down: handing sessions over", extra={"signal": signum})
        worker.shutdown()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        worker.run()
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
