"""Start/Stop and after-call messages API Lambda (API Gateway REST proxy)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.api.routes import build_app
from connect_transcribe.control.message_history import MessageService
from connect_transcribe.control.sessions import SessionService
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.settings import ApiSettings
from connect_transcribe.wiring import api as api_wiring


@cache
def settings() -> ApiSettings:
    return ApiSettings()


@cache
def service() -> SessionService:
    return api_wiring.session_service(settings())


@cache
def messages() -> MessageService:
    return api_wiring.message_service(settings())


app = build_app(service, lambda: settings().max_body_bytes, messages=messages)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
