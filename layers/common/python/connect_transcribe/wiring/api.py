"""Composition root of the API deployable (api and authorizer Lambdas): the session and message services on
DynamoDB, SQS and the recordings bucket, and the stored API credentials."""

from __future__ import annotations

import boto3
from botocore.config import Config

from connect_transcribe.adapters.api_secrets import api_credentials
from connect_transcribe.adapters.dynamodb_messages import DynamoDbMessageReader
from connect_transcribe.adapters.dynamodb_stop_signals import DynamoDbStopSignals
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.s3_recording_links import S3RecordingLinks
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.control.message_history import MessageService
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.settings import ApiSettings

__all__ = ["AWS_CONFIG", "RECORDINGS_S3_CONFIG", "api_credentials", "message_service", "session_service"]

# The API answers Connect flows that give up after 8 s: fail fast rather than retry for long.
AWS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})
# Recording links are presigned: SigV4, since S3 refuses SigV2 for SSE-KMS objects, on the bucket's regional host
# (botocore's default "auto" addressing presigns for the global s3.amazonaws.com outside us-east-1, from where S3
# redirects a young bucket's requests and the signed host no longer matches; us-east-1 needs "regional" too). A
# local endpoint given by IP address keeps path-style URLs.
RECORDINGS_S3_CONFIG = AWS_CONFIG.merge(
    Config(signature_version="s3v4", s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"})
)


def session_service(settings: ApiSettings) -> SessionService:
    table = boto3.resource("dynamodb", config=AWS_CONFIG).Table(settings.table_name)
    sqs = boto3.client("sqs", config=AWS_CONFIG)
    return SessionService(
        store=DynamoDbConversationStore(table),
        jobs=SqsJobQueue(sqs, settings.sessions_queue_url),
        clock=SystemClock(),
        ids=UuidIds(),
        policy=SessionPolicy(
            retention_days=settings.retention_days,
            supported_languages=settings.supported_languages,
            interim_results=settings.interim_results,
        ),
        stop_signals=DynamoDbStopSignals(table),  # tells the session's worker at once
    )


def message_service(settings: ApiSettings) -> MessageService:
    table = boto3.resource("dynamodb", config=AWS_CONFIG).Table(settings.table_name)
    reader = DynamoDbMessageReader(table, SystemClock())
    recordings = None
    if settings.recordings_bucket is not None:
        s3 = boto3.client("s3", config=RECORDINGS_S3_CONFIG)
        recordings = S3RecordingLinks(s3, settings.recordings_bucket, settings.recording_link_seconds)
    return MessageService(reader, legs=reader, recordings=recordings)
