"""Which whole UTC hours a run exports, and its run id (pure; the clock and randomness come in)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from connect_transcribe.models.feed import ExportPlan, ExportRequest, hour_slot

HOUR = timedelta(hours=1)
MAX_INTERVAL_HOURS = 744  # 31 days: one run's plan stays small enough for a Step Functions state


class InvalidExport(ValueError):
    """The request does not describe an exportable interval."""


def new_run_id(now: datetime, token: str) -> str:
    """Sortable by start time, unique by token, e.g. 20261124T020000Z-3f9a1c."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{token}"


def day_slots(day: date) -> list[str]:
    return [f"{day.isoformat()}T{hour:02d}" for hour in range(24)]


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floor = floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def interval_slots(start: datetime, end: datetime, *, max_hours: int = MAX_INTERVAL_HOURS) -> list[str]:
    """Every hour the half-open interval [start, end) touches: partitions are exported whole, never in part."""
    if end <= start:
        raise InvalidExport("end must be after start")
    first = floor_hour(start)
    hours = (ceil_hour(end) - first) // HOUR
    if hours > max_hours:
        raise InvalidExport(f"the interval covers {hours} hours; at most {max_hours} per export")
    return [hour_slot(first + h * HOUR) for h in range(hours)]


def check_retention(first_slot_start: datetime, *, now: datetime, retention_days: int) -> None:
    """Refuses hours whose messages may already have expired from the table (TTL = publication + retention).

    Exporting them would replace a complete feed with whatever is left, so the feed keeps its older files instead.
    """
    earliest = now - timedelta(days=retention_days)
    if first_slot_start < earliest:
        raise InvalidExport(
            f"{hour_slot(first_slot_start)}:00Z is past the message retention ({retention_days} days): its messages "
            f"may already be deleted, and re-exporting would replace its feed files with what is left; export hours "
            f"from {hour_slot(earliest + timedelta(hours=1))}:00Z on"
        )


def plan(
    request: ExportRequest,
    *,
    now: datetime,
    token: str,
    max_hours: int = MAX_INTERVAL_HOURS,
    retention_days: int | None = None,
) -> ExportPlan:
    if request.date is not None:
        slots = day_slots(request.date)
    elif request.start is not None or request.end is not None:
        if request.start is None or request.end is None:
            raise InvalidExport("an interval needs both start and end")
        slots = interval_slots(request.start, request.end, max_hours=max_hours)
    elif request.time is not None:
        slots = day_slots(request.time.astimezone(UTC).date() - timedelta(days=1))
    else:
        raise InvalidExport("give a date, a start and end, or a scheduled event's time")
    if retention_days is not None:
        first = datetime.strptime(slots[0], "%Y-%m-%dT%H").replace(tzinfo=UTC)
        check_retention(first, now=now, retention_days=retention_days)
    return ExportPlan(
        run_id=request.run_id or new_run_id(now, token),
        started_at_ms=int(now.timestamp() * 1000),
        slots=tuple(slots),
    )
