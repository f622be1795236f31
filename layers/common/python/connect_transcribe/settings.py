"""Typed settings per deployable unit, read from the environment once at the entry point.

The field aliases are the variable names; infra sets them through `env_name` / `environment` below.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, HttpUrl, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from connect_transcribe.models.enums import ApiAuthMode, ContactIdSource, RedactionOutput, WebhookAuthMode
from connect_transcribe.models.vocabulary import CustomVocabulary


def env_name(model: type[BaseSettings], field: str) -> str:
    """The environment variable `model` reads `field` from (its validation alias).

    Infra names every variable it sets through this, so a renamed or misspelt field fails at synth, not at run time.
    """
    info = model.model_fields.get(field)
    if info is None:
        raise ValueError(f"{model.__name__} has no field {field!r}")
    if not isinstance(info.validation_alias, str):
        raise ValueError(f"{model.__name__}.{field} has no environment variable name (validation_alias)")
    return info.validation_alias


def environment(model: type[BaseSettings], **values: str | None) -> dict[str, str]:
    """Field name -> value, keyed by the variable names `model` reads. None leaves a variable out (its default
    applies); values are already strings because infra decides how each one is written."""
    return {env_name(model, field): value for field, value in values.items() if value is not None}


class ApiSettings(BaseSettings):
    """Start/Stop API function."""

    model_config = SettingsConfigDict(frozen=True)

    table_name: str = Field(validation_alias="TABLE_NAME")
    sessions_queue_url: str = Field(validation_alias="SESSIONS_QUEUE_URL")
    retention_days: int = Field(default=7, ge=1, le=3650, validation_alias="RETENTION_DAYS")
    max_body_bytes: int = Field(default=16_384, ge=1024, validation_alias="MAX_BODY_BYTES")
    # transcript-interim messages for starts that do not set autotranscribeParams.interimResults
    interim_results: bool = Field(default=False, validation_alias="INTERIM_RESULTS")
    supported_languages: tuple[str, ...] = Field(
        default=("en-US", "en-GB", "en-AU", "en-CA", "en-IE", "en-IN", "en-NZ", "en-ZA"),
        validation_alias="SUPPORTED_LANGUAGES",
    )
    # Call recordings (audioRecordingAllowed): the bucket the worker writes them to; the messages API presigns a
    # link (recordingUrl) valid this long. Unset: no recording links.
    recordings_bucket: str | None = Field(default=None, validation_alias="RECORDINGS_BUCKET")
    recording_link_seconds: int = Field(default=900, ge=60, le=43_200, validation_alias="RECORDING_LINK_SECONDS")


class AgentEventsSettings(BaseSettings):
    """agent_events function (pause on hold): the API's session store and sessions queue, and the flow's id source."""

    model_config = SettingsConfigDict(frozen=True)

    table_name: str = Field(validation_alias="TABLE_NAME")
    sessions_queue_url: str = Field(validation_alias="SESSIONS_QUEUE_URL")
    retention_days: int = Field(default=7, ge=1, le=3650, validation_alias="RETENTION_DAYS")
    # The same source the Connect flow functions use, so an agent event's contact maps to the conversation's guid.
    contact_id_source: ContactIdSource = Field(default=ContactIdSource.CONTACT_ID, validation_alias="CONTACT_ID_SOURCE")


class AuthorizerSettings(BaseSettings):
    """Lambda authorizer for the optional api-id/secret mode."""

    model_config = SettingsConfigDict(frozen=True)

    credentials_secret_arn: str = Field(validation_alias="API_CREDENTIALS_SECRET_ARN")
    id_header: str = Field(default="asapp-api-id", validation_alias="API_ID_HEADER")
    secret_header: str = Field(default="asapp-api-secret", validation_alias="API_SECRET_HEADER")
    secret_cache_seconds: int = Field(default=300, ge=0, validation_alias="SECRET_CACHE_SECONDS")


class ConnectFlowSettings(BaseSettings):
    """connect_start / connect_stop functions."""

    model_config = SettingsConfigDict(frozen=True)

    api_base_url: HttpUrl = Field(validation_alias="API_BASE_URL")
    api_auth_mode: ApiAuthMode = Field(default=ApiAuthMode.IAM, validation_alias="API_AUTH_MODE")
    api_credentials_secret_arn: str | None = Field(default=None, validation_alias="API_CREDENTIALS_SECRET_ARN")
    api_id_header: str = Field(default="asapp-api-id", validation_alias="API_ID_HEADER")
    api_secret_header: str = Field(default="asapp-api-secret", validation_alias="API_SECRET_HEADER")
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    contact_id_source: ContactIdSource = Field(default=ContactIdSource.CONTACT_ID, validation_alias="CONTACT_ID_SOURCE")
    agent_id_key: str = Field(default="agentId", validation_alias="AGENT_ID_KEY")
    customer_id_key: str = Field(default="customerId", validation_alias="CUSTOMER_ID_KEY")
    language: str = Field(default="en-US", validation_alias="TRANSCRIBE_LANGUAGE")
    redaction_output: RedactionOutput = Field(default=RedactionOutput.REDACTED, validation_alias="REDACTION_OUTPUT")
    detailed_token: bool = Field(default=False, validation_alias="DETAILED_TOKEN")
    secret_cache_seconds: int = Field(default=300, ge=0, validation_alias="SECRET_CACHE_SECONDS")
    # Connect gives a flow Lambda 8 s at most; the whole call to the API must finish well before.
    request_timeout_seconds: float = Field(default=5.0, gt=0, le=7.0, validation_alias="REQUEST_TIMEOUT_SECONDS")


class GatewaySettings(BaseSettings):
    """Media gateway worker (Fargate task or local process)."""

    model_config = SettingsConfigDict(frozen=True)

    table_name: str = Field(validation_alias="TABLE_NAME")
    sessions_queue_url: str = Field(validation_alias="SESSIONS_QUEUE_URL")
    utterances_queue_url: str = Field(validation_alias="UTTERANCES_QUEUE_URL")
    max_sessions: int = Field(default=12, ge=1, le=500, validation_alias="MAX_SESSIONS")
    engine: str = Field(default="tiny.en", validation_alias="ENGINE")
    # at most one interim transcript per stream this often (conversations with interimResults)
    interim_every_ms: int = Field(default=500, ge=500, le=5000, validation_alias="INTERIM_EVERY_MS")
    decode_workers: int | None = Field(default=None, ge=1, validation_alias="DECODE_WORKERS")
    kvs_role_arn: str | None = Field(default=None, validation_alias="KVS_ROLE_ARN")
    kvs_external_id: str | None = Field(default=None, validation_alias="KVS_EXTERNAL_ID")
    kvs_endpoint_url: str | None = Field(default=None, validation_alias="KVS_ENDPOINT_URL")  # local KVS server
    lease_seconds: int = Field(default=20, ge=3, le=300, validation_alias="LEASE_SECONDS")
    heartbeat_seconds: float = Field(default=5.0, gt=0, validation_alias="HEARTBEAT_SECONDS")
    # the checkpoint (a few KB, billed by size) is saved with a heartbeat at most this often
    checkpoint_seconds: float = Field(default=15.0, gt=0, validation_alias="CHECKPOINT_SECONDS")
    visibility_seconds: int = Field(default=20, ge=3, le=3600, validation_alias="VISIBILITY_SECONDS")
    end_of_stream_seconds: float = Field(default=10.0, gt=0, validation_alias="END_OF_STREAM_SECONDS")
    retention_days: int = Field(default=7, ge=1, le=3650, validation_alias="RETENTION_DAYS")
    worker_id: str | None = Field(default=None, validation_alias="WORKER_ID")
    # The Start languages the deployment accepts (JSON list, as the API's); language "auto" detects among these only.
    # Unset: every language the engine has.
    supported_languages: tuple[str, ...] | None = Field(default=None, validation_alias="SUPPORTED_LANGUAGES")
    # where calls with audioRecordingAllowed are recorded (models/recording.py has the key layout); unset: not recorded
    recordings_bucket: str | None = Field(default=None, validation_alias="RECORDINGS_BUCKET")
    # the deployment's custom vocabulary, JSON [{"phrase", "soundsLike"}] (models/vocabulary.py): every stream's,
    # after the start's own autotranscribeParams.customVocabulary. Unset: none.
    custom_vocabulary: CustomVocabulary = Field(default=(), validation_alias="CUSTOM_VOCABULARY")


class GatewayHealthSettings(BaseSettings):
    """The worker's liveness file: the worker writes it (adapters/alive_file.py), the container health check
    (gateway/health.py) reads it."""

    model_config = SettingsConfigDict(frozen=True)

    health_file: str = Field(
        default="/tmp/connect-transcribe-gateway.alive",  # noqa: S108 - the task's own scratch volume
        min_length=1,
        validation_alias="HEALTH_FILE",
    )
    health_max_age_seconds: float = Field(default=30.0, gt=0, validation_alias="HEALTH_MAX_AGE_SECONDS")


class WebhookSettings(BaseSettings):
    """Webhook delivery function (consumes the utterances FIFO queue)."""

    model_config = SettingsConfigDict(frozen=True)

    url: str = Field(min_length=1, validation_alias="WEBHOOK_URL")
    auth: WebhookAuthMode = Field(default=WebhookAuthMode.NONE, validation_alias="WEBHOOK_AUTH")
    secret_arn: str | None = Field(default=None, validation_alias="WEBHOOK_SECRET_ARN")
    header_name: str = Field(default="X-Webhook-Token", min_length=1, validation_alias="WEBHOOK_HEADER_NAME")
    query_param: str = Field(default="token", min_length=1, validation_alias="WEBHOOK_QUERY_PARAM")
    mtls: bool = Field(default=False, validation_alias="WEBHOOK_MTLS")
    signing: bool = Field(default=False, validation_alias="WEBHOOK_SIGNING")
    oauth_token_url: str | None = Field(default=None, validation_alias="OAUTH_TOKEN_URL")
    oauth_scope: str | None = Field(default=None, validation_alias="OAUTH_SCOPE")
    oauth_audience: str | None = Field(default=None, validation_alias="OAUTH_AUDIENCE")
    # One attempt must end well before the Lambda's own timeout, leaving room for retries and the DLQ send.
    timeout_seconds: float = Field(default=5.0, gt=0, le=30, validation_alias="WEBHOOK_TIMEOUT_SECONDS")
    allow_http: bool = Field(default=False, validation_alias="WEBHOOK_ALLOW_HTTP")  # local development only
    allow_private_targets: bool = Field(default=False, validation_alias="WEBHOOK_ALLOW_PRIVATE_TARGETS")
    max_receives: int = Field(default=5, ge=1, le=100, validation_alias="DELIVERY_MAX_RECEIVES")
    retry_budget_seconds: float = Field(default=20.0, ge=0, le=600, validation_alias="DELIVERY_RETRY_BUDGET_SECONDS")
    dlq_url: str = Field(min_length=1, validation_alias="DELIVERY_DLQ_URL")
    secret_cache_seconds: int = Field(default=300, ge=0, validation_alias="SECRET_CACHE_SECONDS")

    @model_validator(mode="after")
    def _complete(self) -> WebhookSettings:
        needs_secret = self.auth is not WebhookAuthMode.NONE or self.mtls or self.signing
        if needs_secret and not self.secret_arn:
            raise ValueError(
                "WEBHOOK_SECRET_ARN is required with WEBHOOK_AUTH other than none, WEBHOOK_MTLS or WEBHOOK_SIGNING"
            )
        if self.auth is WebhookAuthMode.OAUTH2 and not self.oauth_token_url:
            raise ValueError("OAUTH_TOKEN_URL is required when WEBHOOK_AUTH=oauth2")
        return self


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _known_formats(value: tuple[str, ...]) -> tuple[str, ...]:
    allowed = {"jsonl", "parquet"}
    if not value or not set(value) <= allowed:
        raise ValueError(f"EXPORT_FORMATS must list some of {sorted(allowed)}")
    return tuple(dict.fromkeys(value))  # in the order given, once each


# EXPORT_FORMATS: a plain comma list ("jsonl,parquet"); NoDecode stops pydantic-settings expecting JSON for a tuple.
FeedFormats = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_list), AfterValidator(_known_formats)]


class ExportSettings(BaseSettings):
    """File Exporter run functions (export_plan, export_hour, export_commit) and the export CLI."""

    model_config = SettingsConfigDict(frozen=True)

    table_name: str = Field(validation_alias="TABLE_NAME")
    feed_bucket: str = Field(min_length=3, validation_alias="FEED_BUCKET")
    formats: FeedFormats = Field(default=("jsonl", "parquet"), validation_alias="EXPORT_FORMATS")
    max_file_rows: int = Field(default=1_000_000, ge=1, validation_alias="EXPORT_MAX_FILE_ROWS")
    part_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024, validation_alias="EXPORT_PART_BYTES")
    max_interval_hours: int = Field(default=744, ge=1, le=744, validation_alias="EXPORT_MAX_INTERVAL_HOURS")
    # The table's message TTL: older hours may be partly deleted already and are not re-exported.
    retention_days: int = Field(default=7, ge=1, le=3650, validation_alias="RETENTION_DAYS")


class FeedApiSettings(BaseSettings):
    """File Exporter API function (feed listings, presigned file URLs, on-demand exports)."""

    model_config = SettingsConfigDict(frozen=True)

    feed_bucket: str = Field(min_length=3, validation_alias="FEED_BUCKET")
    formats: FeedFormats = Field(default=("jsonl", "parquet"), validation_alias="EXPORT_FORMATS")
    url_ttl_seconds: int = Field(default=300, ge=1, le=3600, validation_alias="FEED_URL_TTL_SECONDS")
    state_machine_arn: str = Field(min_length=1, validation_alias="EXPORT_STATE_MACHINE_ARN")
    max_interval_hours: int = Field(default=744, ge=1, le=744, validation_alias="EXPORT_MAX_INTERVAL_HOURS")
    max_body_bytes: int = Field(default=16_384, ge=1024, validation_alias="MAX_BODY_BYTES")
    # The table's message TTL: exports of older hours are refused (see ExportSettings).
    retention_days: int = Field(default=7, ge=1, le=3650, validation_alias="RETENTION_DAYS")
