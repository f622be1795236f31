"""API routes (start/stop, after-call messages): parse the request into its model, one logic call, the wire model."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit

from connect_transcribe.api import errors
from connect_transcribe.api.body import M, parse_body
from connect_transcribe.control.message_history import MessageService
from connect_transcribe.control.sessions import SessionService
from connect_transcribe.models.api import StartStreamingRequest, StopStreamingRequest
from connect_transcribe.models.message_history import MessagesQuery
from connect_transcribe.observability import logger, metrics

START_PATH = "/mg-autotranscribe/v1/start-streaming"
STOP_PATH = "/mg-autotranscribe/v1/stop-streaming"
MESSAGES_PATH = "/conversation/v1/conversation/messages"


def build_app(
    service: Callable[[], SessionService],
    max_body_bytes: Callable[[], int],
    *,
    messages: Callable[[], MessageService],
) -> APIGatewayRestResolver:
    """The resolver; `service`, `max_body_bytes` and `messages` are resolved on first use (settings read at entry)."""
    app = APIGatewayRestResolver()
    errors.register(app)

    def parse(model: type[M]) -> M:
        return parse_body(app.current_event, model, max_body_bytes())

    @app.post(START_PATH)
    def start_streaming() -> dict[str, object]:
        request = parse(StartStreamingRequest)
        logger.append_keys(guid=request.guid)
        response = service().start(request)
        metrics.add_metric(name="StartStreaming", unit=MetricUnit.Count, value=1)
        return response.wire()

    @app.post(STOP_PATH)
    def stop_streaming() -> dict[str, object]:
        request = parse(StopStreamingRequest)
        logger.append_keys(guid=request.guid)
        response = service().stop(request)
        metrics.add_metric(name="StopStreaming", unit=MetricUnit.Count, value=1)
        return response.wire()

    @app.get(MESSAGES_PATH)
    def get_messages() -> dict[str, object]:
        query = MessagesQuery.model_validate(app.current_event.query_string_parameters or {})
        logger.append_keys(guid=query.external_id)
        response = messages().page(query)
        metrics.add_metric(name="GetMessages", unit=MetricUnit.Count, value=1)
        logger.info("messages listed", extra={"count": len(response.items), "more": response.next_token is not None})
        return response.wire()

    return app
