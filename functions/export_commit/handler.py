"""File Exporter, step 3: swap the day manifests to the run's files, update Athena, delete replaced files."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.models.feed import ExportPlan
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.wiring import exporter


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = exporter.run_service().commit(ExportPlan.model_validate(event))
    metrics.add_metric(name="ExportRuns", unit="Count", value=1)
    logger.info("export committed", extra=result.model_dump())
    return result.model_dump(mode="json")
