"""File Exporter API: request bodies (each names the bad field and what it allows) and response bodies."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from connect_transcribe.models.api import WireModel
from connect_transcribe.models.feed import FEED, VERSION, FeedFormat

FEEDS: tuple[str, ...] = (FEED,)
VERSIONS: dict[str, tuple[str, ...]] = {FEED: (VERSION,)}
EXPORT_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # ExportPlan.run_id: the id names the run's files

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTERVAL = re.compile(r"^hr=(\d{2})$")
# Extended ISO-8601 only (what clients send); fromisoformat alone would also take '20261123T14' and spaces.
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")
_INSTANT_EXAMPLE = "e.g. 2026-11-23T14:00:00Z or 2026-11-23T16:00:00+02:00"
# What the validators below accept, for the OpenAPI document (docs/openapi.json).
_INTERVAL_SCHEMA: dict[str, Any] = {"pattern": r"^hr=([01]\d|2[0-3])$"}
_INSTANT_SCHEMA: dict[str, Any] = {"pattern": _INSTANT.pattern}
_FEEDS_SCHEMA: dict[str, Any] = {"enum": list(FEEDS)}
_VERSIONS_SCHEMA: dict[str, Any] = {"enum": sorted({v for versions in VERSIONS.values() for v in versions})}

FileName = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._=-]+$")]


def _shown(value: Any) -> str:
    """The offending value, quoted and cut short, for messages."""
    return repr(value) if not isinstance(value, str) else repr(value[:40])


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string ({what}), got {type(value).__name__}")
    return value


class EmptyRequest(WireModel):
    """listfeeds takes no fields; any field is a mistake worth reporting."""


class FeedRequest(WireModel):
    feed: str = Field(json_schema_extra=_FEEDS_SCHEMA)

    @field_validator("feed", mode="before")
    @classmethod
    def _feed(cls, value: Any) -> str:
        text = _text(value, f"one of: {', '.join(FEEDS)}")
        if text not in FEEDS:
            raise ValueError(f"unknown feed {_shown(text)} (available: {', '.join(FEEDS)})")
        return text


class VersionRequest(FeedRequest):
    version: str = Field(default=VERSION, json_schema_extra=_VERSIONS_SCHEMA)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any, info: ValidationInfo) -> str:
        known = VERSIONS.get(info.data.get("feed", FEED), ())
        text = _text(value, f"one of: {', '.join(known)}")
        if text not in known:
            raise ValueError(f"unknown version {_shown(text)} (available: {', '.join(known)})")
        return text


class FormatRequest(VersionRequest):
    # Known formats here; which of them this deployment exports is checked by the service (settings).
    format: FeedFormat = FeedFormat.JSONL

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> FeedFormat:
        known = ", ".join(f.value for f in FeedFormat)
        text = _text(value, f"one of: {known}")
        if text not in {f.value for f in FeedFormat}:
            raise ValueError(f"unknown format {_shown(text)} (available: {known})")
        return FeedFormat(text)


def parse_date(value: Any) -> dt.date:
    text = _text(value, "a date YYYY-MM-DD")
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"must be a real date YYYY-MM-DD, got {_shown(text)}")


class DateRequest(FormatRequest):
    date: dt.date

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date:
        return parse_date(value)


class IntervalRequest(DateRequest):
    interval: str | None = Field(default=None, json_schema_extra=_INTERVAL_SCHEMA)  # "hr=HH"; None: every hour

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> str | None:
        if value is None:
            return None
        text = _text(value, "hr=00 to hr=23")
        found = _INTERVAL.match(text)
        if not found or int(found.group(1)) > 23:
            raise ValueError(f"must be hr=00 to hr=23, got {_shown(text)}")
        return text

    @property
    def hour(self) -> str | None:
        """'HH' of the interval (the key of DayManifest.hours), or None for the whole date."""
        return self.interval[3:] if self.interval else None


class FileRequest(IntervalRequest):
    file_name: FileName


def parse_instant(value: Any) -> dt.datetime:
    text = _text(value, f"ISO-8601 with a timezone, {_INSTANT_EXAMPLE}")
    if _INSTANT.match(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(
        f"must be an ISO-8601 date-time with a timezone (Z or an offset), {_INSTANT_EXAMPLE}; got {_shown(text)}"
    )


class StartExportRequest(FeedRequest):
    """Either a whole UTC `date`, or `start` and `end` (end exclusive); rounded outward to whole UTC hours."""

    date: dt.date | None = None
    start: dt.datetime | None = Field(default=None, json_schema_extra=_INSTANT_SCHEMA)
    # checked against start even when absent
    end: dt.datetime | None = Field(default=None, validate_default=True, json_schema_extra=_INSTANT_SCHEMA)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date | None:
        return None if value is None else parse_date(value)

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> dt.datetime | None:
        return None if value is None else parse_instant(value)

    @field_validator("end", mode="before")
    @classmethod
    def _end(cls, value: Any, info: ValidationInfo) -> dt.datetime | None:
        end = None if value is None else parse_instant(value)
        if "start" not in info.data:  # start itself was invalid: already reported
            return end
        start = info.data["start"]
        if start is not None and end is None:
            raise ValueError("is required with start (an interval is start and end)")
        if start is None and end is not None:
            raise ValueError("was given without start (an interval is start and end)")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"must be later than start ({start.isoformat()}), got {end.isoformat()}")
        return end

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if self.date is not None and self.start is not None:
            raise ValueError("give either date, or start and end, not both")
        if self.date is None and self.start is None:
            raise ValueError("date, or start and end, is required")
        return self


class ExportStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


class ExportExecution(BaseModel):
    """An export's state machine execution as the starter port reports it (Step Functions' own status names)."""

    model_config = ConfigDict(frozen=True)

    status: str
    started_at: dt.datetime
    stopped_at: dt.datetime | None = None
    output: str | None = None  # the execution's output JSON (the commit step's CommitResult) once it succeeded
    error: str | None = None  # the error name when it failed


class WireResponse(WireModel):
    def wire(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class FeedsResponse(WireResponse):
    feeds: tuple[str, ...]


class VersionsResponse(WireResponse):
    versions: tuple[str, ...]


class FormatsResponse(WireResponse):
    formats: tuple[FeedFormat, ...]


class DatesResponse(WireResponse):
    dates: tuple[dt.date, ...]


class IntervalsResponse(WireResponse):
    intervals: tuple[str, ...]


class FilesResponse(WireResponse):
    files: tuple[str, ...]


class FileUrlResponse(WireResponse):
    url: str
    expires_at: str


class ExportStarted(WireResponse):
    export_id: str
    status: ExportStatus = ExportStatus.RUNNING
    slots: int
    from_: str = Field(alias="from")
    to: str


class ExportResult(WireResponse):
    """What a finished export committed (CommitResult, camelCase)."""

    dates: tuple[str, ...]
    hours: int
    rows: int
    replaced_files: int
    deleted_files: int


class ExportState(WireResponse):
    export_id: str
    status: ExportStatus
    started_at: str
    stopped_at: str | None = None
    result: ExportResult | None = None
    error: str | None = None
