"""A File Exporter run: plan the hours, export each hour, then commit them to the day manifests.

Idempotence comes from the order of writes. An hour's files get names no other run uses; the day manifest,
swapped in one conditional PUT, is what makes them count; only then are Athena's symlinks rewritten and the
files no manifest names any more deleted. A crash anywhere leaves the old files in force, and the newest run
wins when two runs export the same hour.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from itertools import groupby

from connect_transcribe.export import layout as feed_layout
from connect_transcribe.export.files import HourWriter
from connect_transcribe.export.plan import MAX_INTERVAL_HOURS, plan
from connect_transcribe.export.ports import ExportSource, FeedStore
from connect_transcribe.export.rows import feed_row
from connect_transcribe.models.feed import (
    CommitResult,
    DayManifest,
    ExportPlan,
    ExportRequest,
    FeedFile,
    FeedFormat,
    HourExport,
    HourResult,
)

MANIFEST_ATTEMPTS = 5


class ExportFailed(Exception):
    """The run cannot be committed as asked (an hour was never exported, or the manifest stayed contended)."""


class ExportService:
    def __init__(
        self,
        source: ExportSource,
        store: FeedStore,
        *,
        formats: Iterable[FeedFormat],
        max_file_rows: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_interval_hours: int = MAX_INTERVAL_HOURS,
        retention_days: int | None = None,
    ) -> None:
        self._source = source
        self._store = store
        self._formats = tuple(formats)
        self._max_file_rows = max_file_rows
        self._clock = clock
        self._max_hours = max_interval_hours
        self._retention_days = retention_days

    def plan(self, request: ExportRequest) -> ExportPlan:
        return plan(
            request,
            now=self._clock(),
            token=secrets.token_hex(3),
            max_hours=self._max_hours,
            retention_days=self._retention_days,
        )

    def export_hour(self, run_id: str, started_at_ms: int, slot: str) -> HourResult:
        """Writes the hour's files (new names, nothing overwritten but this run's own retry) and records them."""
        dt, hr = slot.split("T")
        writer = HourWriter(
            self._store, formats=self._formats, slot=slot, run_id=run_id, max_file_rows=self._max_file_rows
        )
        try:
            for body in self._source.bodies(slot):
                writer.add(feed_row(body, dt, hr))
            files = writer.close()
        except BaseException:
            writer.abort()
            raise
        hour = HourExport(
            slot=slot,
            run_id=run_id,
            run_started_at_ms=started_at_ms,
            exported_at_ms=self._now_ms(),
            rows=writer.rows,
            files=files,
        )
        self._store.put_run_result(run_id, hour)
        return HourResult(slot=slot, rows=writer.rows)

    def commit(self, run: ExportPlan) -> CommitResult:
        hours: list[HourExport] = []
        for slot in run.slots:
            hour = self._store.run_result(run.run_id, slot)
            if hour is None:
                raise ExportFailed(f"hour {slot} of run {run.run_id} was not exported; nothing was committed for it")
            hours.append(hour)
        dates: list[str] = []
        replaced = deleted = 0
        for day, group in groupby(hours, key=lambda h: h.slot[:10]):
            day_hours = list(group)
            manifest, superseded = self._swap_manifest(day, day_hours, run.started_at_ms)
            lost = [f.key for h in day_hours if manifest.hours[h.hour].run_id != h.run_id for f in _files(h)]
            for hour in day_hours:
                if manifest.hours[hour.hour].run_id == hour.run_id:
                    self._write_symlinks(hour)
            doomed = set(superseded) | set(lost) | self._strays(manifest, [h.slot for h in day_hours])
            if doomed:
                self._store.delete(sorted(doomed))
            replaced += len(superseded)
            deleted += len(doomed)
            dates.append(day)
        self._store.delete_run(run.run_id)
        return CommitResult(
            run_id=run.run_id,
            dates=tuple(dates),
            hours=len(hours),
            rows=sum(h.rows for h in hours),
            replaced_files=replaced,
            deleted_files=deleted,
        )

    def run(self, request: ExportRequest) -> CommitResult:
        """The whole run in this process, as the state machine would run it (local mode, CLI, tests)."""
        run = self.plan(request)
        for slot in run.slots:
            self.export_hour(run.run_id, run.started_at_ms, slot)
        return self.commit(run)

    def _swap_manifest(self, day: str, hours: list[HourExport], started_at_ms: int) -> tuple[DayManifest, list[str]]:
        """Puts the hours into the day's manifest; returns the manifest in force and the file keys it replaced."""
        for _ in range(MANIFEST_ATTEMPTS):
            current, tag = self._store.manifest(day)
            merged = dict(current.hours) if current else {}
            superseded: list[str] = []
            for hour in hours:
                held = merged.get(hour.hour)
                if held is not None and held.run_started_at_ms > started_at_ms:
                    continue  # a run that started later already committed this hour: its data is newer
                if held is not None and held.run_id != hour.run_id:
                    superseded += [f.key for f in _files(held)]
                merged[hour.hour] = hour
            if current is not None and merged == current.hours:
                return current, []  # nothing to change (a retried commit, or every hour lost to a newer run)
            manifest = DayManifest(date=date.fromisoformat(day), updated_at_ms=self._now_ms(), hours=merged)
            if self._store.put_manifest(manifest, expected=tag):
                return manifest, superseded
        raise ExportFailed(f"the manifest of {day} kept changing under {MANIFEST_ATTEMPTS} attempts; retry the commit")

    def _write_symlinks(self, hour: HourExport) -> None:
        for fmt in self._formats:
            self._store.put_symlink(fmt, hour.slot, [f.key for f in hour.files.get(fmt, ())])

    def _strays(self, manifest: DayManifest, slots: list[str]) -> set[str]:
        """Files of the hours that the manifest does not name and that predate the run it names.

        They are what a crashed run or an interrupted commit left behind. A stray must be a whole second older
        (S3 keeps modification times to the second), so a run that started after the one in force and is still
        writing is never touched: it may yet win.
        """
        strays: set[str] = set()
        for slot in slots:
            hour = manifest.hours[slot[-2:]]
            named = {f.key for f in _files(hour)}
            for fmt in FeedFormat:
                for key, modified_ms in self._store.objects(feed_layout.data_prefix(fmt, slot)):
                    if key not in named and modified_ms + 1000 <= hour.run_started_at_ms:
                        strays.add(key)
        return strays

    def _now_ms(self) -> int:
        return int(self._clock().timestamp() * 1000)


def _files(hour: HourExport) -> list[FeedFile]:
    return [f for files in hour.files.values() for f in files]
