"""File Exporter, step 1: which hours this run exports (from the 02:00 schedule, a date or an interval)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.models.feed import ExportRequest
from connect_transcribe.observability import logger, tracer
from connect_transcribe.wiring import exporter


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    plan = exporter.run_service().plan(ExportRequest.model_validate(event))
    logger.info("export planned", extra={"run_id": plan.run_id, "first": plan.slots[0], "hours": len(plan.slots)})
    return plan.model_dump(mode="json")
