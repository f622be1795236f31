"""The small interfaces the File Exporter's logic depends on: the export run's source and feed store (with the file
sinks they open and the row encoders that fill them) and the feed API's catalog and export starter. Adapters
implement them on DynamoDB, S3 and Step Functions (adapters/dynamodb_export.py, s3_feed_store.py,
s3_feed_catalog.py, sfn_exports.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Protocol

from connect_transcribe.models.feed import DayManifest, FeedFormat, HourExport
from connect_transcribe.models.feed_api import ExportExecution


class FileSink(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> int:
        """Finish the object; returns its size in bytes."""
        ...

    def abort(self) -> None:
        """Give the object up: nothing of it stays."""
        ...


class SinkOpener(Protocol):
    def open(self, key: str, content_type: str) -> FileSink: ...


class RowEncoder(Protocol):
    def add(self, row: dict[str, Any]) -> None: ...

    def finish(self) -> None:
        """Write everything still buffered; the sink is then complete."""
        ...


class ExportSource(Protocol):
    def bodies(self, slot: str) -> Iterator[str]:
        """Stored utterance bodies published in the hour slot, oldest first."""
        ...


class FeedStore(SinkOpener, Protocol):
    def put_run_result(self, run_id: str, hour: HourExport) -> None: ...

    def run_result(self, run_id: str, slot: str) -> HourExport | None: ...

    def delete_run(self, run_id: str) -> None: ...

    def manifest(self, day: str) -> tuple[DayManifest | None, str | None]:
        """The day's manifest and its version tag (None, None before the first commit)."""
        ...

    def put_manifest(self, manifest: DayManifest, *, expected: str | None) -> bool:
        """Writes it only if the stored version is still `expected` (None: only if absent); False otherwise."""
        ...

    def put_symlink(self, fmt: FeedFormat, slot: str, keys: list[str]) -> None: ...

    def objects(self, prefix: str) -> Iterator[tuple[str, int]]:
        """(key, last-modified epoch ms) of every object under the prefix."""
        ...

    def delete(self, keys: list[str]) -> None: ...


class FeedCatalog(Protocol):
    def dates(self) -> list[dt.date]:
        """Every date that has a manifest, in any order."""
        ...

    def manifest(self, day: dt.date) -> DayManifest | None:
        """The date's manifest, or None when no run has committed that date."""
        ...

    def presign(self, key: str, ttl_seconds: int) -> str:
        """A GET URL for the object `key`, valid for `ttl_seconds`."""
        ...


class ExportStarter(Protocol):
    def start(self, run_id: str, run_input: dict[str, Any]) -> None:
        """Start the export state machine with `run_input`, execution name `run_id`; ConflictingRequest if taken."""
        ...

    def describe(self, run_id: str) -> ExportExecution | None:
        """The execution named `run_id`, or None when there is none."""
        ...
