"""In-memory stand-ins for the exporter's ports: a list-backed source and a dict-backed feed store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from connect_transcribe.export import layout as feed_layout
from connect_transcribe.models.feed import DayManifest, FeedFormat, HourExport


class MemorySink:
    def __init__(self, store: MemoryFeedStore, key: str) -> None:
        self._store, self._key, self._data = store, key, bytearray()

    def write(self, data: bytes) -> None:
        self._data += data

    def close(self) -> int:
        self._store.objects_[self._key] = (bytes(self._data), self._store.now_ms)
        return len(self._data)

    def abort(self) -> None:
        self._data = bytearray()
        self._store.aborted.append(self._key)


@dataclass
class MemoryFeedStore:
    objects_: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # key -> (body, modified ms)
    now_ms: int = 0
    aborted: list[str] = field(default_factory=list)
    conflicts: int = 0  # put_manifest fails this many times first

    def open(self, key: str, content_type: str) -> MemorySink:
        return MemorySink(self, key)

    def put_run_result(self, run_id: str, hour: HourExport) -> None:
        self.objects_[feed_layout.run_result_key(run_id, hour.slot)] = (hour.model_dump_json().encode(), self.now_ms)

    def run_result(self, run_id: str, slot: str) -> HourExport | None:
        raw = self.objects_.get(feed_layout.run_result_key(run_id, slot))
        return HourExport.model_validate_json(raw[0]) if raw else None

    def delete_run(self, run_id: str) -> None:
        self.delete([k for k in self.objects_ if k.startswith(f"_runs/{run_id}/")])

    def manifest(self, day: str) -> tuple[DayManifest | None, str | None]:
        raw = self.objects_.get(feed_layout.manifest_key(day))
        return (DayManifest.model_validate_json(raw[0]), str(hash(raw[0]))) if raw else (None, None)

    def put_manifest(self, manifest: DayManifest, *, expected: str | None) -> bool:
        if self.conflicts:
            self.conflicts -= 1
            return False
        if self.manifest(manifest.date.isoformat())[1] != expected:
            return False
        self.objects_[feed_layout.manifest_key(manifest.date.isoformat())] = (
            manifest.model_dump_json().encode(),
            self.now_ms,
        )
        return True

    def put_symlink(self, fmt: FeedFormat, slot: str, keys: list[str]) -> None:
        self.objects_[feed_layout.symlink_key(fmt, slot)] = ("".join(f"s3://b/{k}\n" for k in keys).encode(), 0)

    def objects(self, prefix: str) -> Iterator[tuple[str, int]]:
        return iter([(k, at) for k, (_, at) in sorted(self.objects_.items()) if k.startswith(prefix)])

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.objects_.pop(key, None)

    def data_keys(self) -> list[str]:
        return sorted(k for k in self.objects_ if k.startswith("utterances/"))

    def symlink(self, fmt: FeedFormat, slot: str) -> list[str]:
        return self.objects_[feed_layout.symlink_key(fmt, slot)][0].decode().split()


class ListSource:
    """Bodies per hour slot, as the index would return them."""

    def __init__(self, bodies: dict[str, list[str]] | None = None) -> None:
        self.bodies_ = bodies or {}

    def bodies(self, slot: str) -> Iterator[str]:
        return iter(self.bodies_.get(slot, []))
