"""Composition root of the API deployable (api and authorizer Lambdas): the session and message services on
DynamoDB and SQS, and the stored API credentials."""

from __future__ import annotations

import boto3
from botocore.config import Config

from connect_transcribe.adapters.api_secrets import api_credentials
from connect_transcribe.adapters.dynamodb_messages import DynamoDbMessageReader
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.control.message_history import MessageService
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.settings import ApiSettings

__all__ = ["AWS_CONFIG", "api_credentials", "message_service", "session_service"]

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
        policy=SessionPolicy(retention_days=settings.retention_days, supported_languages=settings.supported_languages),
    )


def message_service(settings: ApiSettings) -> MessageService:
    table = boto3.resource("dynamodb", config=AWS_CONFIG).Table(settings.table_name)
    reader = DynamoDbMessageReader(table, SystemClock())
    return MessageService(reader, legs=reader)
