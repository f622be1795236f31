"""The File Exporter's data: feed rows, the files of an exported hour, and the per-day manifest that names them.

The manifest is the feed's source of truth: the API hands out only files it names, and a re-export swaps it
in one PUT, so readers see either the old files of an hour or the new ones, never both.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

FEED = "utterances"
VERSION = "1"
Day = date  # a field named `date` would shadow the type inside its class
_HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}$")


class FeedFormat(StrEnum):
    JSONL = "jsonl"  # gzip JSON Lines, one row per utterance
    PARQUET = "parquet"  # snappy Parquet, same columns


# Column order of every file (and of the Glue tables in infra/constructs/feed_catalog.py; a test compares them).
# dt and hr are in each row too, so a file copied out of its folder keeps its partition.
COLUMNS: tuple[str, ...] = (
    "conversation_id",  # the Connect ContactId given to start-streaming
    "stream_id",
    "sender_role",  # customer | agent
    "sender_external_id",
    "utterance_id",
    "sequence",
    "start_ms",
    "end_ms",
    "text",  # as the conversation's redaction setting says (redacted by default)
    "language",
    "created_ts",  # ISO-8601 UTC with milliseconds: when the utterance was published
    "created_at_ms",  # the same instant, epoch milliseconds
    "dt",
    "hr",
)


def hour_slot(moment: datetime) -> str:
    """'YYYY-MM-DDTHH' of a UTC instant: the partition an utterance published then belongs to."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def slot_bounds(slot: str) -> tuple[int, int]:
    """[start, end) of an hour slot in epoch milliseconds."""
    start = datetime.strptime(slot, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    return int(start.timestamp() * 1000), int((start + timedelta(hours=1)).timestamp() * 1000)


class StrictModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeedFile(StrictModel):
    name: str  # unique within a date: utterances-<YYYY-MM-DDTHH>-<run>-<part>.<ext>
    key: str  # S3 object key
    rows: int = Field(ge=0)
    bytes: int = Field(ge=0)


class HourExport(StrictModel):
    """One hour of one run: its row count and files per format (no files when the hour had no utterances)."""

    slot: str
    run_id: str
    run_started_at_ms: int
    exported_at_ms: int
    rows: int = Field(ge=0)
    files: dict[FeedFormat, tuple[FeedFile, ...]]

    @field_validator("slot")
    @classmethod
    def _slot(cls, value: str) -> str:
        if not _HOUR.match(value):
            raise ValueError("slot must be YYYY-MM-DDTHH")
        return value

    @property
    def hour(self) -> str:
        return self.slot[-2:]


class DayManifest(StrictModel):
    """Every exported hour of one date (keys 'HH'). Written whole by one PUT; absent until a run commits."""

    feed: str = FEED
    version: str = VERSION
    date: date
    updated_at_ms: int
    hours: dict[str, HourExport] = Field(default_factory=dict)

    def files(self, fmt: FeedFormat, hour: str | None = None) -> list[FeedFile]:
        """The files of one format, for one hour ('HH') or the whole date, in hour then part order."""
        hours = [hour] if hour is not None else sorted(self.hours)
        return [f for h in hours if h in self.hours for f in self.hours[h].files.get(fmt, ())]

    @property
    def rows(self) -> int:
        return sum(h.rows for h in self.hours.values())


class ExportPlan(StrictModel):
    """What one run exports: whole UTC hours. The run id names its files, so runs never overwrite each other."""

    run_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    started_at_ms: int
    slots: tuple[str, ...]

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for slot in value:
            if not _HOUR.match(slot):
                raise ValueError(f"slot {slot!r} must be YYYY-MM-DDTHH")
        return value


class HourResult(StrictModel):
    """What an exported hour hands to the commit step (kept small: Step Functions passes it along)."""

    slot: str
    rows: int


class CommitResult(StrictModel):
    run_id: str
    dates: tuple[str, ...]
    hours: int
    rows: int
    replaced_files: int
    deleted_files: int


class ExportRequest(BaseModel):
    """What starts a run: an EventBridge scheduled event (its `time`: export the day before), a date, or an
    interval. Other fields of the scheduled event are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    run_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,64}$")
    date: Day | None = None
    start: datetime | None = None
    end: datetime | None = None
    time: datetime | None = None  # the scheduled event's time

    @field_validator("start", "end", "time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a timezone (e.g. 2026-11-23T00:00:00Z)")
        return value


class HourTask(StrictModel):
    """The export_hour step's input (one item of the state machine's Map)."""

    run_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    started_at_ms: int
    slot: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}$")
