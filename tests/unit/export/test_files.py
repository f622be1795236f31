"""Feed files: gzip JSON Lines and Parquet with the same rows, rolled over at the row limit, lazily opened."""

from __future__ import annotations

import gzip
import io
import json

import pyarrow.parquet as pq
from connect_transcribe.export.files import HourWriter, JsonlGzipEncoder, ParquetEncoder
from connect_transcribe.export.rows import feed_row
from connect_transcribe.models.feed import COLUMNS, FeedFormat

from bench.utterances import utterance
from tests.feed_factories import epoch_ms
from tests.unit.export.feed_fakes import MemoryFeedStore

SLOT = "2026-11-23T14"


def rows(n: int) -> list[dict]:
    base = epoch_ms("2026-11-23T14:00:00")
    return [
        feed_row(
            utterance(base + i, sequence=i + 1, text=f"utterance {i}: ünïcode").model_dump_json(), *SLOT.split("T")
        )
        for i in range(n)
    ]


class Collect:
    def __init__(self) -> None:
        self.data = bytearray()
        self.writes = 0

    def write(self, data: bytes) -> None:
        self.data += data
        self.writes += 1

    def close(self) -> int:
        return len(self.data)

    def abort(self) -> None:
        self.data = bytearray()


def test_jsonl_is_a_standard_gzip_file_of_one_json_object_per_line() -> None:
    sink = Collect()
    encoder = JsonlGzipEncoder(sink, chunk_chars=1_000)  # compressed in many small chunks
    for row in rows(50):
        encoder.add(row)
    encoder.finish()
    lines = gzip.decompress(bytes(sink.data)).decode().splitlines()
    assert [json.loads(line) for line in lines] == rows(50)


def test_parquet_holds_the_same_rows_with_typed_columns() -> None:
    sink = Collect()
    encoder = ParquetEncoder(sink, row_group_rows=20, batch_rows=7)
    for row in rows(50):
        encoder.add(row)
    encoder.finish()
    table = pq.read_table(io.BytesIO(bytes(sink.data)))
    assert table.column_names == list(COLUMNS)
    assert str(table.schema.field("sequence").type) == "int64"
    assert pq.ParquetFile(io.BytesIO(bytes(sink.data))).metadata.num_row_groups == 3
    assert table.to_pylist() == rows(50)


def test_an_hour_rolls_over_to_a_new_file_per_format_at_the_row_limit() -> None:
    store = MemoryFeedStore()
    writer = HourWriter(store, formats=list(FeedFormat), slot=SLOT, run_id="run-1", max_file_rows=20)
    for row in rows(45):
        writer.add(row)
    files = writer.close()
    assert [f.rows for f in files[FeedFormat.JSONL]] == [20, 20, 5]
    assert [f.name for f in files[FeedFormat.PARQUET]] == [f"utterances-{SLOT}-run-1-0000{i}.parquet" for i in range(3)]
    assert files[FeedFormat.JSONL][0].key == (
        f"utterances/version=1/format=jsonl/dt=2026-11-23/hr=14/utterances-{SLOT}-run-1-00000.jsonl.gz"
    )
    # Every row is in exactly one file of each format
    exported = [
        json.loads(line)
        for f in files[FeedFormat.JSONL]
        for line in gzip.decompress(store.objects_[f.key][0]).splitlines()
    ]
    assert exported == rows(45)
    assert all(f.bytes == len(store.objects_[f.key][0]) for fs in files.values() for f in fs)


def test_an_hour_without_utterances_writes_no_files() -> None:
    store = MemoryFeedStore()
    writer = HourWriter(store, formats=list(FeedFormat), slot=SLOT, run_id="r", max_file_rows=10)
    assert writer.close() == {} and store.data_keys() == []


def test_an_aborted_hour_leaves_no_open_file_behind() -> None:
    store = MemoryFeedStore()
    writer = HourWriter(store, formats=[FeedFormat.JSONL], slot=SLOT, run_id="r", max_file_rows=10)
    for row in rows(15):
        writer.add(row)
    writer.abort()
    # the completed first file stays (no manifest names it; the next commit sweeps it), the open one is dropped
    assert store.aborted == [
        f"utterances/version=1/format=jsonl/dt=2026-11-23/hr=14/utterances-{SLOT}-r-00001.jsonl.gz"
    ]
