"""Local stand-in for the export state machine: each on-demand export runs in a thread of this process, with the
same steps (plan, every hour, commit) the deployed Step Functions workflow runs in Lambda."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from connect_transcribe.errors import ConflictingRequest
from connect_transcribe.export.runs import ExportService
from connect_transcribe.models.feed import ExportRequest
from connect_transcribe.models.feed_api import ExportExecution
from connect_transcribe.observability import logger


class LocalExportStarter:
    """Implements export/ports.ExportStarter."""

    def __init__(self, service: ExportService) -> None:
        self._service = service
        self._lock = threading.Lock()
        self._executions: dict[str, ExportExecution] = {}
        self._threads: list[threading.Thread] = []

    def start(self, run_id: str, run_input: dict[str, Any]) -> None:
        with self._lock:
            if run_id in self._executions:
                raise ConflictingRequest(f"exportId: an export named {run_id!r} already exists; retry")
            self._executions[run_id] = ExportExecution(status="RUNNING", started_at=datetime.now(UTC))
        thread = threading.Thread(target=self._run, args=(run_id, run_input), name=f"export-{run_id}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def describe(self, run_id: str) -> ExportExecution | None:
        with self._lock:
            return self._executions.get(run_id)

    def wait(self, timeout: float = 60.0) -> None:
        """Until every export started so far has ended (tests and the demo)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def _run(self, run_id: str, run_input: dict[str, Any]) -> None:
        started = self._executions[run_id].started_at
        try:
            result = self._service.run(ExportRequest.model_validate(run_input))
            ended = ExportExecution(
                status="SUCCEEDED", started_at=started, stopped_at=datetime.now(UTC), output=result.model_dump_json()
            )
        except Exception as exc:  # the execution fails, as a Step Functions task would; the process goes on
            logger.exception("local export failed", extra={"export_id": run_id})
            ended = ExportExecution(
                status="FAILED", started_at=started, stopped_at=datetime.now(UTC), error=type(exc).__name__
            )
        with self._lock:
            self._executions[run_id] = ended
