"""File Exporter API routes: parse the body into its model, one FeedApiService call, the wire model."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit

from connect_transcribe.api import errors
from connect_transcribe.api.body import parse_body
from connect_transcribe.export.feed_api import FeedApiService
from connect_transcribe.models.feed_api import (
    DateRequest,
    EmptyRequest,
    FeedRequest,
    FileRequest,
    FormatRequest,
    IntervalRequest,
    StartExportRequest,
    VersionRequest,
)
from connect_transcribe.observability import logger, metrics

PREFIX = "/fileexporter/v1"
STATIC = f"{PREFIX}/static"
LIST_FEEDS_PATH = f"{STATIC}/listfeeds"
LIST_VERSIONS_PATH = f"{STATIC}/listfeedversions"
LIST_FORMATS_PATH = f"{STATIC}/listfeedformats"
LIST_DATES_PATH = f"{STATIC}/listfeeddates"
LIST_INTERVALS_PATH = f"{STATIC}/listfeedintervals"
LIST_FILES_PATH = f"{STATIC}/listfeedfiles"
GET_FILE_PATH = f"{STATIC}/getfeedfile"
EXPORTS_PATH = f"{PREFIX}/exports"


def build_feed_app(service: Callable[[], FeedApiService], max_body_bytes: Callable[[], int]) -> APIGatewayRestResolver:
    """The resolver; `service` and `max_body_bytes` are resolved on first use (settings read at entry)."""
    app = APIGatewayRestResolver()
    errors.register(app)

    def counted(name: str) -> None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)

    @app.post(LIST_FEEDS_PATH)
    def list_feeds() -> dict[str, object]:
        parse_body(app.current_event, EmptyRequest, max_body_bytes())
        counted("ListFeeds")
        return service().feeds().wire()

    @app.post(LIST_VERSIONS_PATH)
    def list_versions() -> dict[str, object]:
        request = parse_body(app.current_event, FeedRequest, max_body_bytes())
        counted("ListFeedVersions")
        return service().versions(request).wire()

    @app.post(LIST_FORMATS_PATH)
    def list_formats() -> dict[str, object]:
        request = parse_body(app.current_event, VersionRequest, max_body_bytes())
        counted("ListFeedFormats")
        return service().formats(request).wire()

    @app.post(LIST_DATES_PATH)
    def list_dates() -> dict[str, object]:
        request = parse_body(app.current_event, FormatRequest, max_body_bytes())
        response = service().dates(request)
        counted("ListFeedDates")
        return response.wire()

    @app.post(LIST_INTERVALS_PATH)
    def list_intervals() -> dict[str, object]:
        request = parse_body(app.current_event, DateRequest, max_body_bytes())
        logger.append_keys(feed_date=str(request.date))
        response = service().intervals(request)
        counted("ListFeedIntervals")
        return response.wire()

    @app.post(LIST_FILES_PATH)
    def list_files() -> dict[str, object]:
        request = parse_body(app.current_event, IntervalRequest, max_body_bytes())
        logger.append_keys(feed_date=str(request.date), interval=request.interval)
        response = service().files(request)
        counted("ListFeedFiles")
        return response.wire()

    @app.post(GET_FILE_PATH)
    def get_file() -> dict[str, object]:
        request = parse_body(app.current_event, FileRequest, max_body_bytes())
        logger.append_keys(feed_date=str(request.date), file_name=request.file_name)
        response = service().file_url(request)
        counted("GetFeedFile")
        logger.info("file url issued", extra={"format": request.format.value, "expires_at": response.expires_at})
        return response.wire()

    @app.post(EXPORTS_PATH)
    def start_export() -> Response:
        request = parse_body(app.current_event, StartExportRequest, max_body_bytes())
        started = service().start_export(request)
        counted("ExportStarted")
        return Response(
            status_code=202,
            content_type=content_types.APPLICATION_JSON,
            body=started.model_dump_json(by_alias=True, exclude_none=True),
        )

    @app.get(f"{EXPORTS_PATH}/<export_id>")
    def export_state(export_id: str) -> dict[str, object]:
        logger.append_keys(export_id=export_id)
        response = service().export_state(export_id)
        counted("GetExport")
        return response.wire()

    return app
