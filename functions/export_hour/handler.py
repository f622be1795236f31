"""File Exporter, step 2 (one per hour, in parallel): the hour's utterances into feed files in S3."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.models.feed import HourTask
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.wiring import exporter


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = HourTask.model_validate(event)
    result = exporter.run_service().export_hour(task.run_id, task.started_at_ms, task.slot)
    metrics.add_metric(name="ExportedRows", unit="Count", value=result.rows)
    logger.info("hour exported", extra={"run_id": task.run_id, "slot": task.slot, "rows": result.rows})
    return result.model_dump(mode="json")
