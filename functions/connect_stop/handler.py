"""Connect flow Lambda: stop (pause) transcription; place it immediately before 'Stop media streaming'."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe import wiring
from connect_transcribe.adapters.api_client import HttpApiClient
from connect_transcribe.logic import connect_flow
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.settings import ConnectFlowSettings

# Leave Connect time to receive our answer before its own 8 s limit.
SAFETY_MARGIN_S = 0.5


@cache
def settings() -> ConnectFlowSettings:
    return ConnectFlowSettings()


@cache
def api() -> HttpApiClient:
    return wiring.connect_api_client(settings())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    remaining_s = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
    result = connect_flow.flow_step(
        event,
        build=connect_flow.stop_request,
        path=connect_flow.STOP_PATH,
        api=api,
        defaults=lambda: wiring.flow_defaults(settings()),
        deadline_s=min(settings().request_timeout_seconds, remaining_s),
    )
    logger.info(
        "stop requested",
        extra={"status": result.status, "error_code": result.error_code, "http_status": result.http_status},
    )
    metrics.add_metric(name=connect_flow.FLOW_REQUEST_METRIC, unit=MetricUnit.Count, value=1)
    if result.status != "ok":
        metrics.add_metric(name=connect_flow.FLOW_FAILED_METRIC, unit=MetricUnit.Count, value=1)
    return result.flat()
