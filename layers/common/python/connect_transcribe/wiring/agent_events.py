"""Composition root of the agent_events function (pause on hold): the hold logic on the API's session service
(DynamoDB conversation store, SQS sessions queue) and the handler's powertools metrics."""

from __future__ import annotations

import boto3
from botocore.config import Config

from connect_transcribe.adapters.dynamodb_stop_signals import DynamoDbStopSignals
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.powertools_metrics import PowertoolsMetrics
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.control.hold import HoldService
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.settings import AgentEventsSettings

# A hold should stop the reader within ~2 s: fail a slow call fast; Kinesis retries the record.
AWS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})


def hold_service(settings: AgentEventsSettings) -> HoldService:
    table = boto3.resource("dynamodb", config=AWS_CONFIG).Table(settings.table_name)
    store = DynamoDbConversationStore(table)
    sessions = SessionService(
        store=store,
        jobs=SqsJobQueue(boto3.client("sqs", config=AWS_CONFIG), settings.sessions_queue_url),
        clock=SystemClock(),
        ids=UuidIds(),  # never used: this function creates no conversation
        policy=SessionPolicy(retention_days=settings.retention_days),
        stop_signals=DynamoDbStopSignals(table),  # a hold stops the session's reader at once
    )
    return HoldService(sessions, store, PowertoolsMetrics(), contact_id_source=settings.contact_id_source)
