"""Composition root of the worker: boto3 adapters + speech engine + session logic, from typed settings."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace

import boto3
from botocore.config import Config

from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.dynamodb_stop_signals import DynamoDbStopSignals
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.emf_metrics import EmfMetrics
from connect_transcribe.adapters.kvs import KvsMediaSource, assumed_role_session
from connect_transcribe.adapters.s3_recordings import S3Recordings
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.sqs_sessions import SqsJobSource
from connect_transcribe.adapters.sqs_utterances import SqsUtteranceQueue, StoreAndEnqueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.gateway.session import SessionDeps, SessionSettings
from connect_transcribe.gateway.worker import Worker, WorkerSettings
from connect_transcribe.media.reader import ReaderSettings
from connect_transcribe.settings import GatewayHealthSettings, GatewaySettings
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.interim import InterimSettings
from connect_transcribe.speech.vocabulary import terms_from
from connect_transcribe.wiring.health import alive_file

AWS_CONFIG = Config(
    connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=64
)


def build_worker(
    settings: GatewaySettings, *, health: GatewayHealthSettings | None = None, session: boto3.Session | None = None
) -> tuple[Worker, WhisperEngine]:
    session = session or boto3.Session()
    health = health or GatewayHealthSettings()
    table = session.resource("dynamodb", config=AWS_CONFIG).Table(settings.table_name)
    sqs = session.client("sqs", config=AWS_CONFIG)
    conversations = DynamoDbConversationStore(table)
    service = SessionService(
        store=conversations,
        jobs=SqsJobQueue(sqs, settings.sessions_queue_url),
        clock=SystemClock(),
        ids=UuidIds(),
        policy=SessionPolicy(retention_days=settings.retention_days),
    )
    gateway_store = DynamoDbGatewayStore(table, retention_days=settings.retention_days)
    kvs_session = (
        assumed_role_session(settings.kvs_role_arn, settings.kvs_external_id, region=session.region_name)
        if settings.kvs_role_arn
        else session
    )
    engine_settings = EngineSettings(engine=settings.engine)
    if settings.decode_workers:
        engine_settings = EngineSettings(engine=settings.engine, decode_workers=settings.decode_workers)
    engine_settings = replace(engine_settings, vocabulary=terms_from(settings.custom_vocabulary))
    engine_settings = replace(engine_settings, languages=settings.supported_languages)
    engine_settings = replace(engine_settings, interim=InterimSettings(every_ms=settings.interim_every_ms))
    engine = WhisperEngine(engine_settings)
    deps = SessionDeps(
        worker_id=settings.worker_id or f"{os.uname().nodename}-{uuid.uuid4().hex[:8]}",
        leases=gateway_store,
        conversations=conversations,
        record_event=service.record_gateway_event,
        media=KvsMediaSource(kvs_session, endpoint_url=settings.kvs_endpoint_url),
        engine=engine,
        sink=StoreAndEnqueue(gateway_store, SqsUtteranceQueue(sqs, settings.utterances_queue_url)),
        metrics=EmfMetrics(),
        conversation_batch=gateway_store,  # the stop check: one BatchGetItem per pass for all sessions
        stop_signals=DynamoDbStopSignals(table),  # read once per pass per task; sessions re-checked every 10 s
        recordings=(
            S3Recordings(session.client("s3", config=AWS_CONFIG), settings.recordings_bucket)
            if settings.recordings_bucket
            else None
        ),
    )
    worker_settings = WorkerSettings(
        max_sessions=settings.max_sessions,
        heartbeat_every_s=settings.heartbeat_seconds,
        visibility_s=settings.visibility_seconds,
        session=SessionSettings(
            lease_ms=settings.lease_seconds * 1000,
            checkpoint_every_s=settings.checkpoint_seconds,
            reader=ReaderSettings(end_of_stream_s=settings.end_of_stream_seconds),
        ),
    )
    jobs = SqsJobSource(sqs, settings.sessions_queue_url, visibility_s=settings.visibility_seconds)
    return Worker(jobs, deps, worker_settings, liveness=alive_file(health)), engine
