"""Feed files: rows encoded as gzip JSON Lines or Parquet, streamed into sinks a part at a time.

Memory stays bounded whatever the hour's size: JSON Lines holds about a megabyte of text before compressing it,
Parquet one row group; the sink (an S3 multipart upload) holds one part.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Iterable
from typing import Any

from connect_transcribe.export import layout as feed_layout
from connect_transcribe.export.ports import FileSink, RowEncoder, SinkOpener
from connect_transcribe.models.feed import COLUMNS, FeedFile, FeedFormat

CONTENT_TYPES = {FeedFormat.JSONL: "application/gzip", FeedFormat.PARQUET: "application/vnd.apache.parquet"}
_INT_COLUMNS = frozenset({"sequence", "start_ms", "end_ms", "created_at_ms"})


class JsonlGzipEncoder:
    """One JSON object per line, gzip-compressed (a standard .gz any tool reads)."""

    def __init__(self, sink: FileSink, *, level: int = 6, chunk_chars: int = 1 << 20) -> None:
        self._sink = sink
        self._zip = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31: gzip header and trailer
        self._lines: list[str] = []
        self._chars = 0
        self._chunk = chunk_chars

    def add(self, row: dict[str, Any]) -> None:
        line = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
        self._lines.append(line)
        self._chars += len(line)
        if self._chars >= self._chunk:
            self._compress()

    def finish(self) -> None:
        self._compress()
        self._sink.write(self._zip.flush())

    def _compress(self) -> None:
        if not self._lines:
            return
        out = self._zip.compress(("\n".join(self._lines) + "\n").encode())
        self._lines, self._chars = [], 0
        if out:
            self._sink.write(out)


class _SinkFile(io.RawIOBase):
    """The file object pyarrow writes Parquet into; forwards every write to the sink."""

    def __init__(self, sink: FileSink) -> None:
        super().__init__()
        self._sink = sink
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._sink.write(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position


class ParquetEncoder:
    """Snappy Parquet with the feed's columns; one row group per `row_group_rows` rows.

    Rows wait as Python values only `batch_rows` at a time; they are then kept as a compact Arrow batch until
    the row group is full (a Python row costs about ten times its Arrow form).
    """

    def __init__(self, sink: FileSink, *, row_group_rows: int = 100_000, batch_rows: int = 10_000) -> None:
        import pyarrow as pa  # imported here: only the exporter ships pyarrow (its own Lambda layer)
        import pyarrow.parquet as pq

        self._pa = pa
        self._schema = pa.schema([(c, pa.int64() if c in _INT_COLUMNS else pa.string()) for c in COLUMNS])
        self._file = _SinkFile(sink)
        self._writer = pq.ParquetWriter(self._file, self._schema, compression="snappy")
        self._columns: dict[str, list[Any]] = {c: [] for c in COLUMNS}
        self._pending = 0
        self._batches: list[Any] = []
        self._batched = 0
        self._group = row_group_rows
        self._batch = min(batch_rows, row_group_rows)

    def add(self, row: dict[str, Any]) -> None:
        for column, values in self._columns.items():
            values.append(row[column])
        self._pending += 1
        if self._pending >= self._batch:
            self._to_batch()
            if self._batched >= self._group:
                self._write_group()

    def finish(self) -> None:
        self._to_batch()
        self._write_group()
        self._writer.close()

    def _to_batch(self) -> None:
        if not self._pending:
            return
        self._batches.append(self._pa.RecordBatch.from_pydict(self._columns, schema=self._schema))
        self._batched += self._pending
        self._columns = {c: [] for c in COLUMNS}
        self._pending = 0

    def _write_group(self) -> None:
        if self._batches:
            self._writer.write_table(self._pa.Table.from_batches(self._batches, schema=self._schema))
        self._batches = []
        self._batched = 0


def encoder(fmt: FeedFormat, sink: FileSink) -> RowEncoder:
    return JsonlGzipEncoder(sink) if fmt is FeedFormat.JSONL else ParquetEncoder(sink)


class _OpenFile:
    def __init__(self, fmt: FeedFormat, name: str, key: str, sink: FileSink) -> None:
        self.name, self.key, self.sink = name, key, sink
        self.encoder = encoder(fmt, sink)


class HourWriter:
    """Writes one hour's rows into every format at once, starting new files every `max_file_rows` rows.

    Files are opened on the first row: an hour without utterances writes no files.
    """

    def __init__(
        self,
        opener: SinkOpener,
        *,
        formats: Iterable[FeedFormat],
        slot: str,
        run_id: str,
        max_file_rows: int,
    ) -> None:
        self._opener = opener
        self._formats = tuple(formats)
        self._slot = slot
        self._run_id = run_id
        self._max_rows = max_file_rows
        self._open: list[tuple[FeedFormat, _OpenFile]] = []
        self._done: dict[FeedFormat, list[FeedFile]] = {fmt: [] for fmt in self._formats}
        self._part = 0
        self._rows_in_file = 0
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        if not self._open:
            self._start_files()
        for _, file in self._open:
            file.encoder.add(row)
        self._rows_in_file += 1
        self.rows += 1
        if self._rows_in_file >= self._max_rows:
            self._finish_files()

    def close(self) -> dict[FeedFormat, tuple[FeedFile, ...]]:
        """Completes the open files; returns every file written, per format, in part order."""
        self._finish_files()
        return {fmt: tuple(files) for fmt, files in self._done.items() if files}

    def abort(self) -> None:
        """Drops the files still open; completed ones stay for the sweep (they are in no manifest)."""
        for _, file in self._open:
            file.sink.abort()
        self._open = []

    def _start_files(self) -> None:
        for fmt in self._formats:
            name = feed_layout.file_name(fmt, self._slot, self._run_id, self._part)
            key = feed_layout.file_key(fmt, self._slot, name)
            self._open.append((fmt, _OpenFile(fmt, name, key, self._opener.open(key, CONTENT_TYPES[fmt]))))

    def _finish_files(self) -> None:
        if not self._open:
            return
        for fmt, file in self._open:
            file.encoder.finish()
            size = file.sink.close()
            self._done[fmt].append(FeedFile(name=file.name, key=file.key, rows=self._rows_in_file, bytes=size))
        self._open = []
        self._part += 1
        self._rows_in_file = 0
