"""Composition root of the File Exporter run: DynamoDB index reader + S3 feed store + run logic."""

from __future__ import annotations

import boto3
from botocore.config import Config

from connect_transcribe.adapters.dynamodb_export import EXPORT_SHARDS, DynamoDbExportSource
from connect_transcribe.adapters.s3_feed_store import S3FeedStore
from connect_transcribe.logic.export_runs import ExportService
from connect_transcribe.models.feed import FeedFormat
from connect_transcribe.settings import ExportSettings

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
