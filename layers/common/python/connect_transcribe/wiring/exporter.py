"""Composition root of the File Exporter deployable: the run (export_plan, export_hour, export_commit: DynamoDB index
reader + S3 feed store + run logic) and its API (file_exporter_api: S3 catalog + Step Functions starter)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from connect_transcribe.adapters.dynamodb_backfill import ExportIndexBackfill
from connect_transcribe.adapters.dynamodb_export import EXPORT_SHARDS, DynamoDbExportSource
from connect_transcribe.adapters.s3_feed_catalog import S3FeedCatalog
from connect_transcribe.adapters.s3_feed_store import S3FeedStore
from connect_transcribe.adapters.sfn_exports import SfnExportStarter
from connect_transcribe.adapters.system import SystemClock
from connect_transcribe.export.feed_api import FeedApiPolicy, FeedApiService
from connect_transcribe.export.ports import ExportStarter
from connect_transcribe.export.runs import ExportService
from connect_transcribe.models.feed import FeedFormat
from connect_transcribe.settings import ExportSettings, FeedApiSettings

# A batch job: patient retries (throttling on a busy table is worth waiting out), a connection per shard reader.
AWS_CONFIG = Config(
    connect_timeout=5,
    read_timeout=60,
    retries={"mode": "adaptive", "max_attempts": 10},
    max_pool_connections=EXPORT_SHARDS + 4,
)


def export_service(settings: ExportSettings, *, session: boto3.Session | None = None) -> ExportService:
    session = session or boto3.Session()
    return ExportService(
        DynamoDbExportSource(session.client("dynamodb", config=AWS_CONFIG), settings.table_name),
        S3FeedStore(session.client("s3", config=AWS_CONFIG), settings.feed_bucket, part_bytes=settings.part_bytes),
        formats=[FeedFormat(f) for f in settings.formats],
        max_file_rows=settings.max_file_rows,
        max_interval_hours=settings.max_interval_hours,
        retention_days=settings.retention_days,
    )


def export_index_backfill(
    table_name: str, *, segments: int, on_corrupt: Callable[[dict[str, Any], str], None]
) -> ExportIndexBackfill:
    """`connect-transcribe backfill-export-index`: a batch job like a run, with the same patient client."""
    return ExportIndexBackfill(
        boto3.client("dynamodb", config=AWS_CONFIG), table_name, segments=segments, on_corrupt=on_corrupt
    )


@cache
def run_service() -> ExportService:
    """The service of the run's three Lambdas (export_plan, export_hour, export_commit): built on the first invocation
    of a container, from the settings read then (never at import), and kept while the container is warm."""
    return export_service(ExportSettings())


# The API answers people and scripts: fail fast. Presigned URLs must be SigV4: the feed bucket is SSE-KMS, and S3
# refuses KMS objects on SigV2 signatures.
API_AWS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})
FEED_S3_CONFIG = API_AWS_CONFIG.merge(Config(signature_version="s3v4"))


def feed_api_service(settings: FeedApiSettings, *, exports: ExportStarter | None = None) -> FeedApiService:
    """`exports` replaces the Step Functions starter (local mode runs exports in-process)."""
    return FeedApiService(
        catalog=S3FeedCatalog(boto3.client("s3", config=FEED_S3_CONFIG), settings.feed_bucket),
        exports=exports
        or SfnExportStarter(boto3.client("stepfunctions", config=API_AWS_CONFIG), settings.state_machine_arn),
        clock=SystemClock(),
        policy=FeedApiPolicy(
            formats=tuple(FeedFormat(f) for f in settings.formats),
            url_ttl_seconds=settings.url_ttl_seconds,
            max_interval_hours=settings.max_interval_hours,
            retention_days=settings.retention_days,
        ),
    )
