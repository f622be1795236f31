"""Composition root: builds the logic with boto3 adapters from typed settings (called at entry, once)."""

from __future__ import annotations

import boto3
from botocore.config import Config

from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.logic.sessions import SessionPolicy, SessionService
from connect_transcribe.settings import ApiSettings

# The API answers Connect flows that give up after 8 s: fail fast rather than retry for long.
AWS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})


def session_service(settings: ApiSettings) -> SessionService:
    table = boto3.resource("dynamodb", config=AWS_CONFIG).Table(settings.table_name)
    sqs = boto3.client("sqs", config=AWS_CONFIG)
    return SessionService(
        store=DynamoDbConversationStore(table),
        jobs=SqsJobQueue(sqs, settings.sessions_queue_url),
        clock=SystemClock(),
        ids=UuidIds(),
        policy=SessionPolicy(
            retention_days=settings.retention_days, supported_languages=settings.supported_languages
        ),
    )
