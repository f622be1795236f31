"""The one place typed errors become HTTP responses in the documented error shape."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from connect_transcribe.errors import ApiError, InvalidField, RouteNotFound
from connect_transcribe.models.api import ErrorDetail, ErrorResponse
from connect_transcribe.observability import logger, metrics

_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, each naming the field by its wire path (e.g. amazonConnectParams.streamArn)."""
    parts = []
    for err in exc.errors(include_url=False):
        path = wire_path(err["loc"])
        message = err["msg"]
        for prefix in _PYDANTIC_PREFIXES:
            message = message.removeprefix(prefix)
        if err["type"] == "missing":
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a recognised field"
        parts.append(f"{path}: {message}")
    return "; ".join(parts)


def wire_path(loc: tuple[int | str, ...]) -> str:
    """("autotranscribeParams", "customVocabulary", 3, "phrase") -> autotranscribeParams.customVocabulary[3].phrase"""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def error_response(app: APIGatewayRestResolver, error: ApiError) -> Response:
    request_id = app.current_event.request_context.request_id or ""
    body = ErrorResponse(error=ErrorDetail(request_id=request_id, code=error.code, message=error.message))
    headers = {"Retry-After": str(error.retry_after_seconds)} if error.retry_after_seconds else None
    logger.info("request rejected", extra={"status": error.status, "code": error.code, "error": error.message})
    metrics.add_metric(name=f"Http{error.status // 100}xx", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(by_alias=True),
        headers=headers,
    )


def register(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(app, exc)

    @app.exception_handler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return error_response(app, InvalidField(describe_validation_error(exc)))

    @app.not_found
    def _no_route(_: Exception) -> Response:
        event = app.current_event
        return error_response(app, RouteNotFound(f"no route for {event.http_method} {event.path}"))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(app, ApiError("internal error; the request may be retried"))
