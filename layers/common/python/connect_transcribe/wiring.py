"""Composition root: builds the logic with boto3 adapters from typed settings (called at entry, once)."""

from __future__ import annotations

import boto3
from aws_lambda_powertools.utilities import parameters
from botocore.config import Config

from connect_transcribe.adapters.api_client import ApiSecretSigner, HttpApiClient, Signer, SigV4Signer
from connect_transcribe.adapters.dynamodb_messages import DynamoDbMessageReader
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.s3_feed_catalog import S3FeedCatalog
from connect_transcribe.adapters.sfn_exports import SfnExportStarter
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.logic.connect_flow import FlowDefaults
from connect_transcribe.logic.feed_api import ExportStarter, FeedApiPolicy, FeedApiService
from connect_transcribe.logic.messages import MessageService
from connect_transcribe.logic.sessions import SessionPolicy, SessionService
from connect_transcribe.models.credentials import ApiCredentialsSecret
from connect_transcribe.models.feed import FeedFormat
from connect_transcribe.settings import ApiAuthMode, ApiSettings, ConnectFlowSettings, FeedApiSettings

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
    return MessageService(DynamoDbMessageReader(table, SystemClock()))


def api_credentials(secret_arn: str, max_age: int) -> ApiCredentialsSecret:
    """The stored api-id/secret pairs, cached in memory for `max_age` seconds (powertools parameters)."""
    raw = parameters.get_secret(secret_arn, transform="json", max_age=max_age)
    return ApiCredentialsSecret.model_validate(raw)


def connect_api_client(settings: ConnectFlowSettings) -> HttpApiClient:
    signer: Signer
    if settings.api_auth_mode is ApiAuthMode.API_SECRET:
        if not settings.api_credentials_secret_arn:
            raise ValueError("API_CREDENTIALS_SECRET_ARN is required when API_AUTH_MODE=api_secret")
        arn = settings.api_credentials_secret_arn

        def pair() -> tuple[str, str]:
            client = api_credentials(arn, settings.secret_cache_seconds).clients[0]
            return client.api_id, client.api_secret.get_secret_value()

        signer = ApiSecretSigner(pair, settings.api_id_header, settings.api_secret_header)
    else:
        session = boto3.Session()
        signer = SigV4Signer(session.get_credentials, settings.aws_region)
    return HttpApiClient(str(settings.api_base_url), signer)


def flow_defaults(settings: ConnectFlowSettings) -> FlowDefaults:
    return FlowDefaults(
        contact_id_source=settings.contact_id_source,
        agent_id_key=settings.agent_id_key,
        customer_id_key=settings.customer_id_key,
        language=settings.language,
        redaction_output=settings.redaction_output,
        detailed_token=settings.detailed_token,
    )


# Presigned URLs must be SigV4: the feed bucket is SSE-KMS, and S3 refuses KMS objects on SigV2 signatures.
FEED_S3_CONFIG = AWS_CONFIG.merge(Config(signature_version="s3v4"))


def feed_api_service(settings: FeedApiSettings, *, exports: ExportStarter | None = None) -> FeedApiService:
    """`exports` replaces the Step Functions starter (local mode runs exports in-process)."""
    return FeedApiService(
        catalog=S3FeedCatalog(boto3.client("s3", config=FEED_S3_CONFIG), settings.feed_bucket),
        exports=exports
        or SfnExportStarter(boto3.client("stepfunctions", config=AWS_CONFIG), settings.state_machine_arn),
        clock=SystemClock(),
        policy=FeedApiPolicy(
            formats=tuple(FeedFormat(f) for f in settings.formats),
            url_ttl_seconds=settings.url_ttl_seconds,
            max_interval_hours=settings.max_interval_hours,
            retention_days=settings.retention_days,
        ),
    )
