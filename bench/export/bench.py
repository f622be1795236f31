"""File Exporter throughput and memory: N synthetic utterances exported as one day (or one hour), through the real
index reader (8-shard merge with read-ahead), row formatting, gzip JSON Lines + Parquet encoders and S3 multipart
uploads to a moto server running in its own process, then the manifest commit. Prints rows/s, bytes per format and
the exporter process's peak RSS (moto's memory is not counted: it stands in for S3).

DynamoDB is the one stand-in inside the process: a synthetic client answers the index queries with pages of
realistic items (about 1 MB each, as DynamoDB pages are), built on the fly so they cost no memory up front.

    python -m bench.export.bench [--rows 1000000] [--hours 24] [--formats jsonl,parquet]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

import boto3
import requests
from connect_transcribe.adapters.dynamodb_export import EXPORT_SHARDS, DynamoDbExportSource
from connect_transcribe.adapters.s3_feed_store import S3FeedStore
from connect_transcribe.export.runs import ExportService
from connect_transcribe.models.api import Role
from connect_transcribe.models.feed import ExportPlan, FeedFormat, slot_bounds

from bench.utterances import utterance

PAGE_ITEMS = 1_600  # ~1 MB of these items: DynamoDB's page size
DAY = "2026-11-23"
_WORDS = [
    "thanks",
    "for",
    "calling",
    "how",
    "can",
    "I",
    "help",
    "you",
    "today",
    "I'd",
    "like",
    "to",
    "check",
    "the",
    "status",
    "of",
    "my",
    "order",
    "please",
    "sure",
    "can",
    "have",
    "your",
    "account",
    "number",
    "it's",
    "[redacted]",
    "and",
    "zip",
    "code",
    "is",
    "one",
    "moment",
    "while",
    "pull",
    "that",
    "up",
    "okay",
    "see",
    "here",
    "shipped",
    "yesterday",
    "should",
    "arrive",
    "on",
    "Thursday",
    "refund",
    "billing",
    "address",
    "card",
    "charge",
    "twice",
    "cancel",
    "subscription",
    "upgrade",
    "plan",
    "internet",
    "slow",
    "router",
    "restart",
    "technician",
    "appointment",
    "Monday",
    "morning",
    "email",
    "confirmation",
]
# Varied sentences (3-20 words), so the files compress like real transcripts rather than like one repeated line.
_RANDOM = random.Random(7)
_TEXTS = tuple(" ".join(_RANDOM.choices(_WORDS, k=_RANDOM.randint(3, 20))) for _ in range(4_099))


class SyntheticIndex:
    """Answers DynamoDbExportSource's Query calls: `per_partition` items per (hour, shard), createdAt ascending."""

    def __init__(self, per_partition: int) -> None:
        self._per_partition = per_partition

    def query(self, **kwargs: Any) -> dict[str, Any]:
        partition = kwargs["ExpressionAttributeValues"][":slot"]["S"]
        slot, shard = partition.split("#")
        start = int(kwargs.get("ExclusiveStartKey", {}).get("offset", {"N": "0"})["N"])
        end = min(start + PAGE_ITEMS, self._per_partition)
        hour_start, _ = slot_bounds(slot)
        items = [self._item(slot, int(shard), i, hour_start) for i in range(start, end)]
        page: dict[str, Any] = {"Items": items, "Count": len(items)}
        if end < self._per_partition:
            page["LastEvaluatedKey"] = {"offset": {"N": str(end)}}
        return page

    def _item(self, slot: str, shard: int, i: int, hour_start: int) -> dict[str, Any]:
        created = hour_start + (i * 3_600_000) // self._per_partition + shard
        guid = f"{slot}-{shard}-{i // 40:06d}"  # 40 utterances per call
        role = Role.CUSTOMER if i % 2 else Role.AGENT
        sequence = i % 40 // 2 + 1
        body = utterance(
            created,
            guid=guid,
            role=role,
            sequence=sequence,
            text=_TEXTS[i % len(_TEXTS)],
            validate=False,
            external_id=f"{role.value}-{shard}{i % 997}",
            start_ms=sequence * 4_000,
            end_ms=sequence * 4_000 + 2_500,
        ).model_dump_json()
        return {"body": {"S": body}, "createdAt": {"N": str(created)}}


@contextmanager
def moto_server() -> Iterator[str]:
    """moto in its own process, so its memory (it holds every uploaded byte) stays out of our RSS."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{url}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--hours", type=int, default=24, choices=range(1, 25), metavar="1-24")
    parser.add_argument("--formats", default="jsonl,parquet")
    args = parser.parse_args()
    formats = [FeedFormat(f) for f in args.formats.split(",")]
    per_partition = -(-args.rows // (args.hours * EXPORT_SHARDS))
    rows = per_partition * args.hours * EXPORT_SHARDS

    # What the stand-in for DynamoDB costs by itself (building and paging the items, the 8-shard merge), to
    # subtract from the figures below: in Lambda, botocore parses real pages instead.
    source_began = time.perf_counter()
    source = DynamoDbExportSource(SyntheticIndex(per_partition), "bench")
    read = sum(1 for h in range(args.hours) for _ in source.bodies(f"{DAY}T{h:02d}"))
    source_s = time.perf_counter() - source_began
    assert read == rows

    with moto_server() as endpoint:
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="feed")
        service = ExportService(
            DynamoDbExportSource(SyntheticIndex(per_partition), "bench"),
            S3FeedStore(s3, "feed"),
            formats=formats,
            max_file_rows=1_000_000,
        )
        slots = tuple(f"{DAY}T{h:02d}" for h in range(args.hours))
        run = ExportPlan(run_id="bench-1", started_at_ms=int(time.time() * 1000), slots=slots)
        baseline = peak_rss_mb()
        began = time.perf_counter()
        cpu_began = time.process_time()
        exported = sum(service.export_hour(run.run_id, run.started_at_ms, slot).rows for slot in slots)
        exported_s = time.perf_counter() - began
        result = service.commit(run)
        total_s = time.perf_counter() - began
        cpu_s = time.process_time() - cpu_began
        sizes = dict.fromkeys(formats, 0)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="feed", Prefix="utterances/"):
            for item in page.get("Contents", ()):
                sizes[FeedFormat(item["Key"].split("format=")[1].split("/")[0])] += item["Size"]

    assert exported == rows == result.rows, (exported, rows, result.rows)
    print(f"File Exporter: {rows:,} utterances over {args.hours} hour(s), formats {', '.join(formats)}")
    print(f"  export (read, format, compress, upload): {exported_s:6.1f} s  {rows / exported_s:9,.0f} rows/s")
    print(f"  with commit (manifest swap, symlinks):   {total_s:6.1f} s  {rows / total_s:9,.0f} rows/s")
    print(f"  exporter CPU: {cpu_s:.1f} s ({cpu_s / total_s:.0%} of one core; includes the synthetic index)")
    own_s = total_s - source_s
    print(f"  the synthetic index alone: {source_s:.1f} s; without it: {own_s:.1f} s  {rows / own_s:9,.0f} rows/s")
    for fmt, size in sizes.items():
        print(f"  {fmt.value:8s} {size / 1e6:8.1f} MB  ({size / rows:5.1f} bytes/row)")
    print(f"  peak RSS: {peak_rss_mb():.0f} MB (before the export: {baseline:.0f} MB)")


if __name__ == "__main__":
    main()
