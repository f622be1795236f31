"""A run's commit: the manifest names exactly one run's files per hour; replaced and stray files go; newest wins."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from connect_transcribe.export.rows import CorruptMessage
from connect_transcribe.export.runs import ExportFailed, ExportService
from connect_transcribe.models.feed import DayManifest, ExportRequest, FeedFormat

from bench.utterances import utterance
from tests.feed_factories import epoch_ms
from tests.unit.export.feed_fakes import ListSource, MemoryFeedStore

DAY = "2026-11-23"


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def source_with(rows_per_slot: dict[str, int]) -> ListSource:
    bodies = {}
    for slot, n in rows_per_slot.items():
        base = epoch_ms(f"{slot}:00:00")
        bodies[slot] = [utterance(base + i * 10, sequence=i + 1).model_dump_json() for i in range(n)]
    return ListSource(bodies)


def service(source: ListSource, store: MemoryFeedStore, clock: Clock, **kw: object) -> ExportService:
    return ExportService(
        source, store, formats=list(FeedFormat), max_file_rows=kw.pop("max_file_rows", 100), clock=clock
    )  # type: ignore[arg-type]


def manifest(store: MemoryFeedStore, day: str = DAY) -> DayManifest:
    found, _ = store.manifest(day)
    assert found is not None
    return found


def jsonl_rows(store: MemoryFeedStore, day: str = DAY) -> list[dict]:
    return [
        json.loads(line)
        for f in manifest(store, day).files(FeedFormat.JSONL)
        for line in gzip.decompress(store.objects_[f.key][0]).splitlines()
    ]


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))


def test_a_day_run_commits_every_hour_and_names_only_its_files(clock: Clock) -> None:
    # Given utterances in two hours of the day
    store = MemoryFeedStore()
    svc = service(source_with({f"{DAY}T09": 3, f"{DAY}T17": 150}), store, clock)
    # When the day is exported
    result = svc.run(ExportRequest(date=DAY))
    # Then the manifest has all 24 hours, files only where there were utterances, and every row once
    found = manifest(store)
    assert sorted(found.hours) == [f"{h:02d}" for h in range(24)]
    assert found.hours["00"].rows == 0 and found.hours["00"].files == {}
    assert [f.rows for f in found.files(FeedFormat.JSONL, "17")] == [100, 50]
    assert len(jsonl_rows(store)) == 153 == result.rows
    assert store.data_keys() == sorted(f.key for fmt in FeedFormat for f in found.files(fmt))
    # Athena's symlinks list the same files; empty hours get an empty list
    assert store.symlink(FeedFormat.PARQUET, f"{DAY}T17") == [
        f"s3://b/{f.key}" for f in found.files(FeedFormat.PARQUET, "17")
    ]
    assert store.symlink(FeedFormat.JSONL, f"{DAY}T00") == []
    # and the run's scratch results are gone
    assert not [k for k in store.objects_ if k.startswith("_runs/")]


def test_re_running_a_day_replaces_its_files_and_never_duplicates_rows(clock: Clock) -> None:
    store = MemoryFeedStore()
    source = source_with({f"{DAY}T09": 30})
    first = service(source, store, clock).run(ExportRequest(date=DAY))
    old_keys = store.data_keys()
    # When one more utterance arrived late and the day is exported again a minute later
    clock.advance(60)
    store.now_ms = int(clock.now.timestamp() * 1000)
    source.bodies_[f"{DAY}T09"].append(utterance(epoch_ms(f"{DAY}T09:59:59"), sequence=31).model_dump_json())
    second = service(source, store, clock).run(ExportRequest(date=DAY))
    # Then the day holds the new run's files only, with every row exactly once
    assert second.run_id != first.run_id
    assert second.replaced_files == len(old_keys) == second.deleted_files
    assert not set(old_keys) & set(store.data_keys())
    rows = jsonl_rows(store)
    assert len(rows) == 31 == len({r["utterance_id"] for r in rows})


def test_a_run_that_started_earlier_never_replaces_a_newer_runs_hours(clock: Clock) -> None:
    store = MemoryFeedStore()
    source = source_with({f"{DAY}T09": 5})
    svc = service(source, store, clock)
    # Given an old run that exported its hour, then stalled before committing
    old = svc.plan(ExportRequest(date=DAY))
    for slot in old.slots:
        svc.export_hour(old.run_id, old.started_at_ms, slot)
    old_files = set(store.data_keys())
    # When a newer run exports and commits the same day, and the old run commits afterwards
    clock.advance(10)
    store.now_ms = int(clock.now.timestamp() * 1000)
    new = svc.run(ExportRequest(date=DAY))
    late = svc.commit(old)
    # Then the newer run's files stay in force and the old run's files are deleted
    assert {h.run_id for h in manifest(store).hours.values()} == {new.run_id}
    assert late.replaced_files == 0 and late.deleted_files == len(old_files)
    assert not old_files & set(store.data_keys())


def test_a_retried_commit_changes_nothing(clock: Clock) -> None:
    store = MemoryFeedStore()
    svc = service(source_with({f"{DAY}T09": 5}), store, clock)
    run = svc.plan(ExportRequest(date=DAY))
    for slot in run.slots:
        svc.export_hour(run.run_id, run.started_at_ms, slot)
    # Keep the run results, as if the first commit died before cleaning up
    scratch = {k: v for k, v in store.objects_.items() if k.startswith("_runs/")}
    svc.commit(run)
    before = dict(store.objects_)
    store.objects_.update(scratch)
    again = svc.commit(run)
    assert again.replaced_files == 0 and again.deleted_files == 0
    assert {k: v for k, v in store.objects_.items() if not k.startswith("_runs/")} == before


def test_a_contended_manifest_is_re_read_and_merged(clock: Clock) -> None:
    store = MemoryFeedStore(conflicts=2)
    svc = service(source_with({f"{DAY}T09": 5}), store, clock)
    assert svc.run(ExportRequest(date=DAY)).rows == 5
    store.conflicts = 99
    with pytest.raises(ExportFailed, match="kept changing"):
        service(source_with({}), store, clock).run(ExportRequest(date=DAY))


def test_an_interval_replaces_only_its_hours_of_the_day(clock: Clock) -> None:
    store = MemoryFeedStore()
    source = source_with({f"{DAY}T09": 4, f"{DAY}T10": 6})
    service(source, store, clock).run(ExportRequest(date=DAY))
    day_run = manifest(store).hours["09"].run_id
    clock.advance(5)
    store.now_ms = int(clock.now.timestamp() * 1000)
    result = service(source, store, clock).run(
        ExportRequest.model_validate({"start": f"{DAY}T10:15:00Z", "end": f"{DAY}T10:45:00Z"})
    )
    hours = manifest(store).hours
    assert hours["09"].run_id == day_run and hours["10"].run_id == result.run_id
    assert result.hours == 1 and len(jsonl_rows(store)) == 10


def test_a_commit_without_every_hour_exported_commits_nothing(clock: Clock) -> None:
    store = MemoryFeedStore()
    svc = service(source_with({}), store, clock)
    run = svc.plan(ExportRequest(date=DAY))
    svc.export_hour(run.run_id, run.started_at_ms, run.slots[0])
    with pytest.raises(ExportFailed, match=f"hour {DAY}T01 of run {run.run_id} was not exported"):
        svc.commit(run)
    assert store.manifest(DAY) == (None, None)


def test_stray_files_older_than_the_run_in_force_are_swept_but_newer_ones_are_kept(clock: Clock) -> None:
    store = MemoryFeedStore()
    prefix = f"utterances/version=1/format=jsonl/dt={DAY}/hr=09/"
    start_ms = int(clock.now.timestamp() * 1000)
    store.objects_[prefix + "crashed-run.jsonl.gz"] = (b"x", start_ms - 5_000)
    store.objects_[prefix + "same-second.jsonl.gz"] = (b"x", start_ms - 500)
    store.objects_[prefix + "newer-run-still-writing.jsonl.gz"] = (b"x", start_ms + 3_000)
    service(source_with({f"{DAY}T09": 1}), store, clock).run(ExportRequest(date=DAY))
    kept = [k for k in store.data_keys() if k.startswith(prefix) and "utterances-" not in k.removeprefix(prefix)]
    assert kept == [prefix + "newer-run-still-writing.jsonl.gz", prefix + "same-second.jsonl.gz"]


def test_a_corrupt_message_fails_the_hour_and_leaves_the_previous_export_in_force(clock: Clock) -> None:
    store = MemoryFeedStore()
    source = source_with({f"{DAY}T09": 3})
    service(source, store, clock).run(ExportRequest(date=DAY))
    before = manifest(store)
    source.bodies_[f"{DAY}T09"].insert(1, "{not json")
    clock.advance(5)
    with pytest.raises(CorruptMessage, match="not an utterance body"):
        service(source, store, clock).run(ExportRequest(date=DAY))
    assert manifest(store) == before and len(jsonl_rows(store)) == 3
    assert store.aborted  # the half-written files were given up
