"""File Exporter API Lambda (API Gateway REST proxy, AWS_IAM): feed listings, file URLs, on-demand exports."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.api.feed_routes import build_feed_app
from connect_transcribe.export.feed_api import FeedApiService
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.settings import FeedApiSettings
from connect_transcribe.wiring import exporter


@cache
def settings() -> FeedApiSettings:
    return FeedApiSettings()


@cache
def service() -> FeedApiService:
    return exporter.feed_api_service(settings())


app = build_feed_app(service, lambda: settings().max_body_bytes)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
