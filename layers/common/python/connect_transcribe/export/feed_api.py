"""File Exporter API: what the feed offers (from the day manifests), presigned file URLs, on-demand exports.

No AWS calls here: the catalog (manifests + presigning) and the export starter (the state machine) are ports.
Only files a manifest names are ever handed out; anything else under the data prefix does not exist for callers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from connect_transcribe.clock import Clock
from connect_transcribe.errors import FeedItemNotFound, InvalidField
from connect_transcribe.export.plan import (
    HOUR,
    InvalidExport,
    ceil_hour,
    check_retention,
    floor_hour,
    new_run_id,
)
from connect_transcribe.export.ports import ExportStarter, FeedCatalog
from connect_transcribe.models.feed import CommitResult, DayManifest, FeedFile, FeedFormat
from connect_transcribe.models.feed_api import (
    EXPORT_ID,
    FEEDS,
    VERSIONS,
    DateRequest,
    DatesResponse,
    ExportResult,
    ExportStarted,
    ExportState,
    ExportStatus,
    FeedRequest,
    FeedsResponse,
    FileRequest,
    FilesResponse,
    FileUrlResponse,
    FormatRequest,
    FormatsResponse,
    IntervalRequest,
    IntervalsResponse,
    StartExportRequest,
    VersionRequest,
    VersionsResponse,
)
from connect_transcribe.observability import logger

# Step Functions statuses beyond ours: a failed run waiting to be redriven is still under way.
_STATUS = {"PENDING_REDRIVE": ExportStatus.RUNNING}
_ENDED_BADLY = frozenset({ExportStatus.FAILED, ExportStatus.TIMED_OUT, ExportStatus.ABORTED})


@dataclass(frozen=True)
class FeedApiPolicy:
    formats: tuple[FeedFormat, ...]  # the formats this deployment exports
    url_ttl_seconds: int
    max_interval_hours: int
    retention_days: int | None = None  # the table's message TTL; older hours cannot be exported completely


def iso_utc(moment: dt.datetime) -> str:
    """ISO-8601 UTC with a Z; milliseconds only when the instant has them."""
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.astimezone(dt.UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def new_export_id(now: dt.datetime) -> str:
    """A run id (UTC second + random part) marked 'x' for on-demand, e.g. x20261124T150102Z-3f9a1c."""
    return "x" + new_run_id(now, secrets.token_hex(3))


class FeedApiService:
    def __init__(
        self,
        catalog: FeedCatalog,
        exports: ExportStarter,
        clock: Clock,
        policy: FeedApiPolicy,
        new_id: Callable[[dt.datetime], str] = new_export_id,
    ) -> None:
        self._catalog = catalog
        self._exports = exports
        self._clock = clock
        self._policy = policy
        self._new_id = new_id

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.now_ms() / 1000, dt.UTC)

    # Static listings -------------------------------------------------------------------------------------------

    def feeds(self) -> FeedsResponse:
        return FeedsResponse(feeds=FEEDS)

    def versions(self, request: FeedRequest) -> VersionsResponse:
        return VersionsResponse(versions=VERSIONS[request.feed])

    def formats(self, request: VersionRequest) -> FormatsResponse:
        return FormatsResponse(formats=self._policy.formats)

    def dates(self, request: FormatRequest) -> DatesResponse:
        self._deployed(request)
        return DatesResponse(dates=tuple(sorted(set(self._catalog.dates()))))

    def intervals(self, request: DateRequest) -> IntervalsResponse:
        manifest = self._manifest(request)
        return IntervalsResponse(intervals=tuple(f"hr={hour}" for hour in sorted(manifest.hours)))

    def files(self, request: IntervalRequest) -> FilesResponse:
        return FilesResponse(files=tuple(f.name for f in self._files(request)))

    def file_url(self, request: FileRequest) -> FileUrlResponse:
        found = [f for f in self._files(request) if f.name == request.file_name]
        if not found:
            where = f"{request.date} {request.interval}" if request.interval else str(request.date)
            raise FeedItemNotFound(
                f"fileName: no file {request.file_name!r} in the {request.format.value} feed for {where} "
                "(listfeedfiles lists them)"
            )
        ttl = self._policy.url_ttl_seconds
        expires = self._now().replace(microsecond=0) + dt.timedelta(seconds=ttl)
        url = self._catalog.presign(found[0].key, ttl)
        return FileUrlResponse(url=url, expires_at=iso_utc(expires))

    def _deployed(self, request: FormatRequest) -> None:
        if request.format not in self._policy.formats:
            available = ", ".join(f.value for f in self._policy.formats)
            raise InvalidField(
                f"format: {request.format.value!r} is not exported by this deployment (available: {available})"
            )

    def _manifest(self, request: DateRequest) -> DayManifest:
        self._deployed(request)
        manifest = self._catalog.manifest(request.date)
        if manifest is None:
            raise FeedItemNotFound(f"date: nothing exported for {request.date} (listfeeddates lists the dates)")
        return manifest

    def _files(self, request: IntervalRequest) -> list[FeedFile]:
        manifest = self._manifest(request)
        if request.hour is not None and request.hour not in manifest.hours:
            raise FeedItemNotFound(
                f"interval: {request.interval} of {request.date} was not exported (listfeedintervals lists them)"
            )
        return manifest.files(request.format, request.hour)

    # On-demand exports -----------------------------------------------------------------------------------------

    def start_export(self, request: StartExportRequest) -> ExportStarted:
        """Start a run over the whole UTC hours the request touches (end exclusive), up to the current hour."""
        now = self._now()
        limit = floor_hour(now) + HOUR  # the current hour may be exported so far; later ones not at all
        run_input: dict[str, Any]
        if request.date is not None:
            field = "date"
            first = dt.datetime.combine(request.date, dt.time(), dt.UTC)
            last = first + dt.timedelta(days=1)
            if last > limit:
                raise InvalidField(
                    f"date: {request.date} has not ended yet; export its hours so far with start and end "
                    f"(end at most {iso_utc(limit)})"
                )
            run_input = {"date": request.date.isoformat()}
        else:
            assert request.start is not None and request.end is not None  # the model guarantees both
            field = "end"
            first, last = floor_hour(request.start), ceil_hour(request.end)
            if last > limit:
                raise InvalidField(
                    f"end: {iso_utc(request.end)} is in the future; an export may end at most at the end of "
                    f"the current hour ({iso_utc(limit)})"
                )
            run_input = {"start": iso_utc(first), "end": iso_utc(last)}
        slots = (last - first) // HOUR
        if slots > self._policy.max_interval_hours:
            raise InvalidField(
                f"{field}: the export covers {slots} hours ({iso_utc(first)} to {iso_utc(last)}); "
                f"at most {self._policy.max_interval_hours} hours per export"
            )
        if self._policy.retention_days is not None:
            try:
                check_retention(first, now=now, retention_days=self._policy.retention_days)
            except InvalidExport as exc:
                raise InvalidField(f"{'date' if request.date is not None else 'start'}: {exc}") from exc
        export_id = self._new_id(now)
        self._exports.start(export_id, {"run_id": export_id, **run_input})
        logger.info("export started", extra={"export_id": export_id, "slots": slots, "from": iso_utc(first)})
        return ExportStarted(export_id=export_id, slots=slots, from_=iso_utc(first), to=iso_utc(last))

    def export_state(self, export_id: str) -> ExportState:
        if not EXPORT_ID.match(export_id):
            raise InvalidField(f"exportId: must be 1-64 letters, digits or '-', got {export_id[:70]!r}")
        execution = self._exports.describe(export_id)
        if execution is None:
            raise FeedItemNotFound(f"exportId: no export {export_id!r} is known")
        status = _STATUS.get(execution.status) or ExportStatus(execution.status)
        return ExportState(
            export_id=export_id,
            status=status,
            started_at=iso_utc(execution.started_at),
            stopped_at=iso_utc(execution.stopped_at) if execution.stopped_at else None,
            result=_result(export_id, execution.output) if status is ExportStatus.SUCCEEDED else None,
            error=execution.error if status in _ENDED_BADLY else None,
        )


def _result(export_id: str, output: str | None) -> ExportResult | None:
    if not output:
        return None
    try:
        commit = CommitResult.model_validate_json(output)
    except ValidationError:
        # The run finished; an unexpected output shape must not hide that from the caller.
        logger.warning("export output is not a CommitResult", extra={"export_id": export_id})
        return None
    return ExportResult(
        dates=commit.dates,
        hours=commit.hours,
        rows=commit.rows,
        replaced_files=commit.replaced_files,
        deleted_files=commit.deleted_files,
    )
