"""Typed deployment settings: every name, size, runtime and switch of the CDK app in one place.

Values come from CDK context (`cdk.json` "context" mirrors the defaults below; `cdk synth -c key=value`
overrides one). Context values given on the command line are strings, so fields rely on pydantic's
lax coercion ("false" -> False, "60" -> 60). Modes the runtime also reads (API auth, webhook auth, contact id
source, redaction output) are the runtime's own enums (connect_transcribe.models.enums), not copies.
"""

from __future__ import annotations

import ipaddress
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from connect_transcribe.models.enums import ApiAuthMode, ContactIdSource, RedactionOutput, WebhookAuthMode
from connect_transcribe.models.vocabulary import CustomVocabulary
from connect_transcribe.speech.weights import AUTO, MULTILINGUAL, accepted_languages
from constructs import Construct
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
LAYERS_DIR = REPO_ROOT / "layers"
# Filled by `make install` (pip download with the Lambda platform flags, one folder per platform tag);
# makes synth fully offline.
WHEELHOUSE_DIR = REPO_ROOT / ".build" / "lambda-wheels"

# The public API contract (docs/api): the Connect flow functions call exactly these two routes.
START_STREAMING_PATH = "/mg-autotranscribe/v1/start-streaming"
STOP_STREAMING_PATH = "/mg-autotranscribe/v1/stop-streaming"
# The after-call API (GET, ?externalId=<ContactId>), on the same API function.
MESSAGES_PATH = "/conversation/v1/conversation/messages"
API_ID_HEADER = "asapp-api-id"
API_SECRET_HEADER = "asapp-api-secret"  # noqa: S105 - a header name, not a secret

# The File Exporter API (functions/file_exporter_api): (HTTP method, path), always AWS_IAM.
FILE_EXPORTER_STATIC_PREFIX = "/fileexporter/v1/static"
FILE_EXPORTER_EXPORTS_PATH = "/fileexporter/v1/exports"
FILE_EXPORTER_PATHS: tuple[tuple[str, str], ...] = (
    *(
        ("POST", f"{FILE_EXPORTER_STATIC_PREFIX}/{name}")
        for name in (
            "listfeeds",
            "listfeedversions",
            "listfeedformats",
            "listfeeddates",
            "listfeedintervals",
            "listfeedfiles",
            "getfeedfile",
        )
    ),
    ("POST", FILE_EXPORTER_EXPORTS_PATH),
    ("GET", f"{FILE_EXPORTER_EXPORTS_PATH}/{{exportId}}"),
)
# Mirrors connect_transcribe.models.feed.FeedFormat (infra imports only the runtime's declarations, settings and
# models.enums; a test compares them).
FEED_FORMATS = ("jsonl", "parquet")
# export_plan only turns a date or an interval into hour slots.
EXPORT_PLAN_MEMORY_MB = 256
EXPORT_PLAN_TIMEOUT_SECONDS = 60

# CloudWatch Logs only accepts these retention periods.
_RETENTION_BY_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}

_KINESIS_STREAM_ARN = re.compile(r"^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[A-Za-z0-9_.-]{1,128}$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$")
_IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@/_-]{1,512}$")
_CONNECT_INSTANCE_ARN = re.compile(r"^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance/[0-9a-f-]{36}$")
_WAF_WEB_ACL_ARN = re.compile(r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[\w-]+/[0-9a-f-]{36}$")
# EventBridge cron: minutes hours day-of-month month day-of-week year. Minutes and hours are single values
# (each run exports the previous UTC day, so the schedule fires at most once a day).
_EVENTS_CRON = re.compile(
    r"^cron\((?P<minutes>[0-9]{1,2}) (?P<hours>[0-9]{1,2}) (?P<dom>[0-9,*?/LW-]+) (?P<month>[0-9A-Za-z,*/-]+) "
    r"(?P<dow>[0-9A-Za-z,*?/L#-]+) (?P<year>[0-9,*/-]+)\)$"
)
# The complete ARN (with Secrets Manager's 6-character suffix): IAM is granted on exactly that secret.
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$")


# Fargate's valid task sizes: vCPU units -> memory (MiB) range and step.
_FARGATE_MEMORY: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16_384, 1024),
    4096: (8192, 30_720, 1024),
    8192: (16_384, 61_440, 4096),
    16_384: (32_768, 122_880, 8192),
}


def _check_literal_target(host: str, allow_private: bool) -> None:
    """Refuse a webhook URL whose host is a literal private, loopback or link-local (metadata) address.

    Host names are checked by the function when it resolves them (its SSRF guard); this catches the obvious
    mistake at synth.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if address.is_link_local:
        raise ValueError(f"webhook_url: {host} is link-local (instance metadata range), never a webhook target")
    if not allow_private and not address.is_global:
        raise ValueError(f"webhook_url: {host} is not a public address (set webhook_allow_private_targets to allow it)")


class Architecture(StrEnum):
    ARM_64 = "arm64"
    X86_64 = "x86_64"


class DeploymentConfig(BaseModel):
    """Deployment settings. Field names are the CDK context keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- names
    stack_prefix: str = Field(default="ConnectTranscribe", pattern=r"^[A-Za-z][A-Za-z0-9-]{0,80}$")
    service_name: str = Field(default="connect-transcribe", pattern=r"^[a-z][a-z0-9-]{0,62}$")
    metrics_namespace: str = "ConnectTranscribe"

    # --- Lambda runtime (python_version is fixed by the product: the layers are built for it)
    python_version: Literal["3.12"] = "3.12"
    architecture: Architecture = Architecture.ARM_64
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_retention_days: int = 30
    api_memory_mb: int = Field(default=512, ge=128, le=10_240)
    api_timeout_seconds: int = Field(default=10, ge=1, le=29)  # API Gateway gives up after 29 s
    authorizer_memory_mb: int = Field(default=256, ge=128, le=10_240)
    authorizer_timeout_seconds: int = Field(default=5, ge=1, le=29)
    connect_memory_mb: int = Field(default=512, ge=128, le=10_240)

    # --- data
    removal_policy: Literal["retain", "destroy"] = "retain"
    deletion_protection: bool = True
    retention_days: int = Field(default=7, ge=1, le=3650)  # how long session items live (TTL)
    sessions_visibility_timeout_seconds: int = Field(default=60, ge=0, le=43_200)
    sessions_max_receive_count: int = Field(default=5, ge=1, le=1000)
    sessions_dlq_retention_days: int = Field(default=14, ge=1, le=14)

    # --- control API
    api_auth: ApiAuthMode = ApiAuthMode.IAM
    api_stage_name: str = Field(default="prod", pattern=r"^[A-Za-z0-9_]{1,128}$")
    api_throttle_rate_limit: float = Field(default=50, gt=0)
    api_throttle_burst_limit: int = Field(default=100, ge=0)
    api_max_body_bytes: int = Field(default=16_384, ge=1024)
    # transcript-interim webhook messages for every start that does not set autotranscribeParams.interimResults
    interim_results: bool = False
    # The gateway's interim cadence per stream (INTERIM_EVERY_MS): higher costs less CPU and shows words later
    # (README, Interim results: the measured trade-off).
    interim_every_ms: int = Field(default=500, ge=500, le=5000)
    api_authorizer_cache_seconds: int = Field(default=300, ge=0, le=3600)
    # API Gateway execution logging needs an account-wide CloudWatch role (AWS::ApiGateway::Account).
    # Turn off when another stack in the account/region already manages it.
    api_cloudwatch_role: bool = True
    waf_web_acl_arn: str | None = None
    # --- monitoring
    alarm_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    alarm_api_5xx_per_5_minutes: int = Field(default=5, ge=1)

    # --- Amazon Connect
    connect_instance_arn: str | None = None
    contact_id_source: ContactIdSource = ContactIdSource.CONTACT_ID
    agent_id_key: str = "agentId"
    customer_id_key: str = "customerId"
    transcribe_language: str = "en-US"
    redaction_output: RedactionOutput = RedactionOutput.REDACTED
    detailed_token: bool = False
    request_timeout_seconds: float = Field(default=5.0, gt=0, le=7.0)  # the flow Lambda has 8 s

    # --- media gateway (ECS Fargate)
    gateway_architecture: Architecture = Architecture.ARM_64
    gateway_cpu: int = 2048  # vCPU units; DECODE_WORKERS = vCPUs
    gateway_memory_mb: int = 4096
    gateway_min_tasks: int = Field(default=1, ge=0, le=1000)
    gateway_max_tasks: int = Field(default=10, ge=1, le=1000)
    # Unset: CloudFormation starts the service with 1 task and never resets it, so autoscaling owns the count.
    gateway_desired_tasks: int | None = Field(default=None, ge=0, le=1000)
    # 6 calls per vCPU on the default 2-vCPU task: make bench-e2e's 12 realistic test calls on 2 cores (harness
    # included) kept p95 at 607 ms from the reference end of speech, 20 calls went to 1,570 ms (README, 2026-12-06).
    gateway_max_sessions_per_task: int = Field(default=12, ge=1, le=500)
    gateway_target_utilization_percent: int = Field(default=70, ge=10, le=100)
    gateway_engine: str = Field(default="tiny.en", pattern=r"^(tiny\.en|base|dir:/\S+)$")
    # dir: engines only: the Start `language` values the model serves (comma list of speech/weights.py MULTILINGUAL
    # tags, plus "auto" for a multilingual model). Unset: the English tags. tiny.en and base derive theirs (see
    # supported_languages).
    gateway_languages: tuple[str, ...] | None = None
    gateway_lease_seconds: int = Field(default=20, ge=5, le=300)
    gateway_end_of_stream_seconds: int = Field(default=10, ge=1, le=600)
    # Phrases (brand, product and person names) every call's decoder expects, [{"phrase", "soundsLike"}] with the
    # Start API's limits (models/vocabulary.py); a start's autotranscribeParams.customVocabulary comes first.
    custom_vocabulary: CustomVocabulary = ()
    # Fargate Spot: this share of the tasks above the on-demand base runs on FARGATE_SPOT (0: no capacity
    # providers, the service keeps launchType FARGATE). A Spot interruption is a SIGTERM with 2 minutes' notice,
    # the worker's handover path. 0 until the Spot discount and the interruption rate are measured on a deployment.
    gateway_spot_percent: int = Field(default=0, ge=0, le=100)
    # Tasks that always run on demand when gateway_spot_percent > 0; unset: gateway_min_tasks (at least 1).
    gateway_on_demand_base: int | None = Field(default=None, ge=0, le=1000)
    # 6 x delivery_function_timeout_seconds (AWS's advice for SQS event sources): see _delivery.
    utterances_visibility_timeout_seconds: int = Field(default=360, ge=0, le=43_200)
    # SQS's own redrive is the safety net behind the delivery function's DLQ hand-off (delivery_max_receives).
    utterances_max_receive_count: int = Field(default=10, ge=1, le=1000)
    utterances_dlq_retention_days: int = Field(default=14, ge=1, le=14)
    alarm_publish_lag_p95_ms: int = Field(default=5000, ge=100)

    # --- File Exporter (feed bucket, Step Functions run, Glue/Athena, file exporter API)
    # EventBridge cron (UTC); each scheduled run exports the previous UTC day.
    export_schedule: str = "cron(0 2 * * ? *)"
    # false: the schedule rule is deployed disabled (exports only on request through the API).
    export_enabled: bool = True
    # Comma list of FEED_FORMATS; EXPORT_FORMATS of the functions, and which Glue tables exist.
    export_formats: str = "jsonl,parquet"
    # Hours exported at once (the Map state's MaxConcurrency); the inline Map runs at most 40 in parallel.
    export_max_concurrency: int = Field(default=4, ge=1, le=40)
    export_hour_memory_mb: int = Field(default=1024, ge=256, le=10_240)
    export_hour_timeout_seconds: int = Field(default=900, ge=60, le=900)
    export_commit_memory_mb: int = Field(default=512, ge=128, le=10_240)
    export_commit_timeout_seconds: int = Field(default=900, ge=60, le=900)
    # A whole run (Plan -> hours -> Commit) times out after this (the ExportRunsTimedOut alarm fires).
    export_run_timeout_hours: int = Field(default=24, ge=1, le=168)
    # Rows per data file (EXPORT_MAX_FILE_ROWS); an hour with more rows gets more files.
    export_max_file_rows: int = Field(default=1_000_000, ge=1000, le=10_000_000)
    # The longest on-demand interval (EXPORT_MAX_INTERVAL_HOURS). 744 = 31 days: the runtime's own cap; a run's
    # Step Functions history (25,000 events, ~7 per exported hour) would allow about 3,000.
    export_max_interval_hours: int = Field(default=744, ge=1, le=744)
    # Everything in the feed bucket expires after this many days (manifests and symlinks one day earlier).
    feed_retention_days: int = Field(default=365, ge=2, le=3650)
    # Lifetime of a presigned feed file URL (FEED_URL_TTL_SECONDS).
    feed_url_ttl_seconds: int = Field(default=300, ge=1, le=3600)

    # --- call recordings (recordings bucket; calls whose start request sets audioRecordingAllowed)
    # Joined recordings (recordings/<guid>.wav) expire after this many days; the working segments after
    # SEGMENT_LIFETIME_DAYS (connect_transcribe.models.recording), whatever this says.
    recording_retention_days: int = Field(default=90, ge=1, le=3650)
    # RECORDING_LINK_SECONDS: lifetime of the presigned recordingUrl the messages API returns (bounds mirror
    # ApiSettings). A link signed with the function's temporary credentials also stops when they expire.
    recording_link_seconds: int = Field(default=900, ge=60, le=43_200)

    # --- webhook delivery (functions/webhook_delivery, consumes the utterances queue)
    # Empty: the function and its secret are deployed, but not attached to the queue (utterances wait there).
    webhook_url: str | None = None
    webhook_auth: WebhookAuthMode = WebhookAuthMode.NONE
    # Bring your own secret (complete ARN); unset: the stack generates one with a token and a signing secret.
    webhook_secret_arn: str | None = None
    # Only for a brought secret encrypted with a customer key other than this stack's.
    webhook_secret_kms_key_arn: str | None = None
    webhook_header_name: str = Field(default="X-Webhook-Token", pattern=r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
    webhook_query_param: str = Field(default="token", pattern=r"^[A-Za-z0-9._~-]{1,128}$")
    webhook_mtls: bool = False
    webhook_signing: bool = True
    oauth_token_url: str | None = None
    oauth_scope: str | None = Field(default=None, max_length=1024)
    oauth_audience: str | None = Field(default=None, max_length=1024)
    # Bounds mirror WebhookSettings (the runtime refuses more).
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    webhook_allow_private_targets: bool = False
    delivery_max_receives: int = Field(default=5, ge=1, le=100)
    delivery_retry_budget_seconds: float = Field(default=20.0, ge=0, le=600)
    delivery_function_timeout_seconds: int = Field(default=60, ge=10, le=900)
    delivery_memory_mb: int = Field(default=512, ge=128, le=10_240)
    # Also the event source mapping's maximum concurrency (at least 2), so the poller is never throttled.
    delivery_reserved_concurrency: int | None = Field(default=None, ge=2, le=1000)

    # --- network: a new VPC, or an existing one when vpc_id is set (no lookups: synth needs no credentials)
    vpc_id: str | None = Field(default=None, pattern=r"^vpc-[0-9a-f]{8,17}$")
    private_subnet_ids: tuple[str, ...] = ()
    # Existing VPC with gateway_public_ip=true: the subnets the tasks run in, each routing 0.0.0.0/0 to an internet
    # gateway (by naming them here the deployer says they are public).
    public_subnet_ids: tuple[str, ...] = ()
    availability_zones: tuple[str, ...] = ()
    vpc_cidr: str = "10.40.0.0/16"
    # Only for the NAT layout (gateway_public_ip resolved false on the VPC this stack creates).
    vpc_nat_gateways: int = Field(default=1, ge=1, le=2)
    vpc_interface_endpoints: bool = False
    # The gateway tasks get a public IPv4 and reach KVS through an internet gateway instead of a NAT gateway, which
    # charges per GB and KVS (GetMedia) has no VPC endpoint. Unset ("" or "auto"): true for the VPC this stack
    # creates (then it has public subnets only, no NAT gateway), false with vpc_id. See gateway_uses_public_ip.
    gateway_public_ip: bool | None = None

    # --- Kinesis Video Streams (Amazon Connect live media streaming)
    # Connect names streams "<prefix>-connect-<instance alias>-contact-<id>"; empty = any prefix.
    kvs_stream_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_.-]{0,100}$")
    kvs_kms_key_arn: str | None = None
    kvs_role_arn: str | None = None
    kvs_external_id: str | None = Field(default=None, min_length=2, max_length=1224, pattern=r"^[A-Za-z0-9+=,.@:/_-]+$")

    # --- pause on hold (functions/agent_events): Connect's agent event stream, a Kinesis data stream
    # Empty: nothing is deployed. Set: a consumer pauses transcription while a contact is on hold, resumes it after.
    agent_event_stream_arn: str | None = None
    # Only for a stream encrypted with a customer managed key (Connect's default is none, or the AWS managed key).
    agent_event_stream_kms_key_arn: str | None = None

    @field_validator(
        "connect_instance_arn",
        "waf_web_acl_arn",
        "alarm_email",
        "gateway_desired_tasks",
        "gateway_on_demand_base",
        "vpc_id",
        "kvs_kms_key_arn",
        "kvs_role_arn",
        "kvs_external_id",
        "webhook_url",
        "webhook_secret_arn",
        "webhook_secret_kms_key_arn",
        "oauth_token_url",
        "oauth_scope",
        "oauth_audience",
        "delivery_reserved_concurrency",
        "gateway_public_ip",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        # `-c connect_instance_arn=` and "" in cdk.json both mean "not set".
        return None if value in ("", None) else value

    @field_validator("gateway_public_ip", mode="before")
    @classmethod
    def _auto_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() == "auto" else value

    @field_validator("connect_instance_arn")
    @classmethod
    def _connect_arn(cls, value: str | None) -> str | None:
        if value is not None and not _CONNECT_INSTANCE_ARN.match(value):
            raise ValueError("must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<acct>:instance/<uuid>)")
        return value

    @field_validator("private_subnet_ids", "public_subnet_ids", "availability_zones", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # `-c private_subnet_ids=subnet-a,subnet-b` arrives as one string.
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    @field_validator("custom_vocabulary", mode="before")
    @classmethod
    def _json_list(cls, value: Any) -> Any:
        # `-c 'custom_vocabulary=[{"phrase": "Contoso"}]'` arrives as one string; cdk.json gives the list itself.
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else ()
            except json.JSONDecodeError as err:
                raise ValueError(f"must be a JSON list of {{phrase, soundsLike}} objects ({err})") from err
        return value

    @field_validator("private_subnet_ids", "public_subnet_ids")
    @classmethod
    def _subnet_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for subnet_id in value:
            if not re.match(r"^subnet-[0-9a-f]{8,17}$", subnet_id):
                raise ValueError(f"{subnet_id!r} is not a subnet id (subnet-...)")
        return value

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        network = ipaddress.ip_network(value)  # raises ValueError with the reason
        if network.version != 4 or not 16 <= network.prefixlen <= 24:
            raise ValueError("must be an IPv4 CIDR between /16 and /24")
        return value

    @field_validator("kvs_kms_key_arn")
    @classmethod
    def _kms_arn(cls, value: str | None) -> str | None:
        if value is not None and not _KMS_KEY_ARN.match(value):
            raise ValueError("must be a KMS key ARN (arn:aws:kms:<region>:<acct>:key/<id>)")
        return value

    @field_validator("kvs_role_arn")
    @classmethod
    def _role_arn(cls, value: str | None) -> str | None:
        if value is not None and not _IAM_ROLE_ARN.match(value):
            raise ValueError("must be an IAM role ARN (arn:aws:iam::<acct>:role/<name>)")
        return value

    @field_validator("waf_web_acl_arn")
    @classmethod
    def _waf_arn(cls, value: str | None) -> str | None:
        if value is not None and not _WAF_WEB_ACL_ARN.match(value):
            raise ValueError("must be a REGIONAL WAFv2 web ACL ARN")
        return value

    @field_validator("webhook_url", "oauth_token_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        # The runtime's plain-HTTP switch is for local development only; a deployment always uses TLS.
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("must be an https:// URL")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not carry credentials (they belong in the webhook secret)")
        if parts.fragment:
            raise ValueError("must not have a #fragment")
        return value

    @field_validator("webhook_secret_arn")
    @classmethod
    def _secret_arn(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET_ARN.match(value):
            raise ValueError(
                "must be the complete Secrets Manager secret ARN, with its 6-character suffix "
                "(arn:aws:secretsmanager:<region>:<acct>:secret:<name>-AbCdEf)"
            )
        return value

    @field_validator("webhook_secret_kms_key_arn")
    @classmethod
    def _secret_kms_arn(cls, value: str | None) -> str | None:
        if value is not None and not _KMS_KEY_ARN.match(value):
            raise ValueError("must be a KMS key ARN (arn:aws:kms:<region>:<acct>:key/<id>)")
        return value

    @field_validator("agent_event_stream_arn", "agent_event_stream_kms_key_arn", mode="before")
    @classmethod
    def _agent_events_empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("agent_event_stream_arn")
    @classmethod
    def _kinesis_stream_arn(cls, value: str | None) -> str | None:
        if value is not None and not _KINESIS_STREAM_ARN.match(value):
            raise ValueError("must be a Kinesis data stream ARN (arn:aws:kinesis:<region>:<acct>:stream/<name>)")
        return value

    @field_validator("agent_event_stream_kms_key_arn")
    @classmethod
    def _agent_events_kms_arn(cls, value: str | None) -> str | None:
        if value is not None and not _KMS_KEY_ARN.match(value):
            raise ValueError("must be a KMS key ARN (arn:aws:kms:<region>:<acct>:key/<id>)")
        return value

    @field_validator("export_schedule")
    @classmethod
    def _export_schedule(cls, value: str) -> str:
        match = _EVENTS_CRON.match(value.strip())
        if match is None:
            raise ValueError(
                "must be an EventBridge cron expression with a single minute and hour, "
                "e.g. cron(0 2 * * ? *) (minutes hours day-of-month month day-of-week year, UTC)"
            )
        if int(match["minutes"]) > 59 or int(match["hours"]) > 23:
            raise ValueError("minutes must be 0-59 and hours 0-23")
        if (match["dom"] == "?") == (match["dow"] == "?"):
            raise ValueError("exactly one of day-of-month and day-of-week must be '?'")
        return value.strip()

    @field_validator("export_formats")
    @classmethod
    def _export_formats(cls, value: str) -> str:
        formats = [part.strip() for part in value.split(",") if part.strip()]
        if not formats or not set(formats) <= set(FEED_FORMATS) or len(set(formats)) != len(formats):
            raise ValueError(f"must be a comma-separated list of distinct formats out of {list(FEED_FORMATS)}")
        return ",".join(formats)

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in _RETENTION_BY_DAYS:
            raise ValueError(f"CloudWatch Logs accepts only {sorted(_RETENTION_BY_DAYS)}")
        return value

    @model_validator(mode="after")
    def _gateway(self) -> Self:
        low, high, step = _FARGATE_MEMORY.get(self.gateway_cpu, (0, 0, 0))
        if not step:
            raise ValueError(f"gateway_cpu must be one of {sorted(_FARGATE_MEMORY)} (Fargate task sizes)")
        if not (low <= self.gateway_memory_mb <= high and self.gateway_memory_mb % step == 0):
            raise ValueError(
                f"gateway_memory_mb must be {low}-{high} in steps of {step} for gateway_cpu={self.gateway_cpu}"
            )
        if self.gateway_min_tasks > self.gateway_max_tasks:
            raise ValueError("gateway_min_tasks must not exceed gateway_max_tasks")
        desired = self.gateway_desired_tasks
        if desired is not None and not self.gateway_min_tasks <= desired <= self.gateway_max_tasks:
            raise ValueError("gateway_desired_tasks must lie between gateway_min_tasks and gateway_max_tasks")
        base = self.gateway_on_demand_base
        if base is not None and base > self.gateway_max_tasks:
            raise ValueError("gateway_on_demand_base must not exceed gateway_max_tasks")
        return self

    @model_validator(mode="after")
    def _export_retention(self) -> Self:
        # The scheduled run exports the whole previous day from the table; its first hour must still be there.
        if self.export_enabled and self.retention_days < 2:
            raise ValueError(
                "retention_days must be at least 2 while export_enabled: the daily run exports the previous UTC "
                "day, whose first hours are then more than a day old (messages expire after retention_days)"
            )
        return self

    @model_validator(mode="after")
    def _network(self) -> Self:
        public = self.gateway_uses_public_ip
        # 1 is the default (cdk.json always passes it), so only another value is a setting that cannot take effect.
        if public and self.vpc_nat_gateways != 1:
            raise ValueError(
                "vpc_nat_gateways applies only when gateway_public_ip is false on the VPC this stack creates "
                "(with public IPs the tasks need no NAT gateway): leave it at 1 or set gateway_public_ip=false"
            )
        if self.vpc_id is None:
            if self.private_subnet_ids or self.public_subnet_ids or self.availability_zones:
                raise ValueError(
                    "private_subnet_ids / public_subnet_ids / availability_zones describe an existing VPC: "
                    "set vpc_id too"
                )
            return self
        # The tasks run in public subnets (a route to an internet gateway) only when the deployer says so.
        if public:
            key, subnets = "public_subnet_ids", self.public_subnet_ids
            if not subnets or not self.availability_zones:
                raise ValueError("vpc_id with gateway_public_ip=true needs public_subnet_ids and availability_zones")
            if self.private_subnet_ids:
                raise ValueError(
                    "private_subnet_ids is not used with gateway_public_ip=true: the tasks run in public_subnet_ids"
                )
        else:
            key, subnets = "private_subnet_ids", self.private_subnet_ids
            if not subnets or not self.availability_zones:
                raise ValueError(
                    "vpc_id needs private_subnet_ids and availability_zones "
                    "(or public_subnet_ids with gateway_public_ip=true)"
                )
            if self.public_subnet_ids:
                raise ValueError(
                    "public_subnet_ids is only used with gateway_public_ip=true (the tasks get public IPs)"
                )
        if len(subnets) % len(self.availability_zones):
            raise ValueError(f"{key} must list the same number of subnets in each availability_zones entry")
        if self.vpc_interface_endpoints:
            raise ValueError("vpc_interface_endpoints applies to the VPC this stack creates, not to vpc_id")
        return self

    @field_validator("gateway_languages", mode="before")
    @classmethod
    def _language_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip()) or None
        return value

    @model_validator(mode="after")
    def _languages(self) -> Self:
        if self.gateway_languages is None:
            return self
        if not self.gateway_engine.startswith("dir:"):
            raise ValueError("gateway_languages is only for gateway_engine dir:/...; tiny.en and base derive theirs")
        unknown = sorted(set(self.gateway_languages) - {*MULTILINGUAL, AUTO})
        if unknown:
            raise ValueError(f"gateway_languages: {', '.join(unknown)} not among {', '.join((*MULTILINGUAL, AUTO))}")
        return self

    @property
    def supported_languages(self) -> tuple[str, ...]:
        """The Start `language` values this deployment accepts (the API's and the gateway's SUPPORTED_LANGUAGES)."""
        if self.gateway_engine.startswith("dir:"):
            return self.gateway_languages or accepted_languages(multilingual=False)
        return accepted_languages(multilingual=self.gateway_engine == "base")

    @model_validator(mode="after")
    def _kvs_access(self) -> Self:
        if self.kvs_external_id is not None and self.kvs_role_arn is None:
            raise ValueError("kvs_external_id is only used with kvs_role_arn")
        if self.kvs_role_arn is not None and self.kvs_kms_key_arn is not None:
            raise ValueError(
                "kvs_kms_key_arn is for same-account streams; with kvs_role_arn, grant kms:Decrypt to that role"
            )
        return self

    @model_validator(mode="after")
    def _delivery(self) -> Self:
        timeout = self.delivery_function_timeout_seconds
        # The last retry may start when the budget runs out and then wait a whole request timeout.
        if self.delivery_retry_budget_seconds + self.webhook_timeout_seconds >= timeout:
            raise ValueError(
                "delivery_retry_budget_seconds + webhook_timeout_seconds must stay below "
                f"delivery_function_timeout_seconds ({timeout})"
            )
        # Lambda refuses an SQS event source whose visibility timeout is shorter than the function timeout.
        if self.utterances_visibility_timeout_seconds < timeout:
            raise ValueError(
                "utterances_visibility_timeout_seconds must be at least delivery_function_timeout_seconds "
                f"({timeout}); AWS advises 6x ({6 * timeout})"
            )
        # The function dead-letters a message itself on its delivery_max_receives-th receive; SQS's redrive only
        # catches what the function never got to (crashes, timeouts), so it must count further.
        if self.utterances_max_receive_count <= self.delivery_max_receives:
            raise ValueError("utterances_max_receive_count must be greater than delivery_max_receives")
        return self

    @model_validator(mode="after")
    def _webhook_auth(self) -> Self:
        oauth2 = self.webhook_auth is WebhookAuthMode.OAUTH2
        if oauth2 and self.oauth_token_url is None:
            raise ValueError("webhook_auth=oauth2 needs oauth_token_url")
        if not oauth2 and (self.oauth_token_url or self.oauth_scope or self.oauth_audience):
            raise ValueError("oauth_token_url / oauth_scope / oauth_audience are only used with webhook_auth=oauth2")
        if self.webhook_url is not None:
            _check_literal_target(urlsplit(self.webhook_url).hostname or "", self.webhook_allow_private_targets)
        if self.webhook_secret_kms_key_arn is not None and self.webhook_secret_arn is None:
            raise ValueError("webhook_secret_kms_key_arn is only used with webhook_secret_arn (a secret you bring)")
        return self

    # --- CDK-typed views

    @property
    def lambda_runtime(self) -> lambda_.Runtime:
        return lambda_.Runtime.PYTHON_3_12

    @property
    def lambda_architecture(self) -> lambda_.Architecture:
        if self.architecture is Architecture.ARM_64:
            return lambda_.Architecture.ARM_64
        return lambda_.Architecture.X86_64

    @property
    def pip_platform(self) -> str:
        """The manylinux wheel tag matching the Lambda architecture."""
        return "manylinux2014_aarch64" if self.architecture is Architecture.ARM_64 else "manylinux2014_x86_64"

    @property
    def export_pip_platforms(self) -> tuple[str, str]:
        """pyarrow >= 14 publishes manylinux_2_28 wheels only (Lambda's Amazon Linux 2023 has glibc 2.34)."""
        return self.pip_platform, self.pip_platform.replace("manylinux2014", "manylinux_2_28")

    @property
    def export_format_list(self) -> tuple[str, ...]:
        return tuple(self.export_formats.split(","))

    @property
    def gateway_cpu_architecture(self) -> ecs.CpuArchitecture:
        if self.gateway_architecture is Architecture.ARM_64:
            return ecs.CpuArchitecture.ARM64
        return ecs.CpuArchitecture.X86_64

    @property
    def gateway_on_demand_tasks(self) -> int:
        """The on-demand base of the Spot strategy: the configured base, else the minimum task count (at least 1)."""
        if self.gateway_on_demand_base is not None:
            return self.gateway_on_demand_base
        return max(1, self.gateway_min_tasks)

    @property
    def gateway_uses_public_ip(self) -> bool:
        """gateway_public_ip resolved: unset means true for the VPC this stack creates, false with vpc_id.

        An existing VPC's subnets are private unless the deployer names public ones (public_subnet_ids).
        """
        if self.gateway_public_ip is not None:
            return self.gateway_public_ip
        return self.vpc_id is None

    @property
    def gateway_vcpus(self) -> int:
        """Whole vCPUs of a task (at least 1): the worker's decode pool size."""
        return max(1, self.gateway_cpu // 1024)

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _RETENTION_BY_DAYS[self.log_retention_days]

    @property
    def cdk_removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.DESTROY if self.removal_policy == "destroy" else RemovalPolicy.RETAIN

    @classmethod
    def from_context(cls, scope: Construct) -> DeploymentConfig:
        """Read every field from CDK context; keys that are absent keep the defaults above."""
        values = {name: value for name in cls.model_fields if (value := scope.node.try_get_context(name)) is not None}
        try:
            return cls.model_validate(values)
        except ValidationError as err:
            raise ValueError(f"Invalid CDK context for connect-transcribe:\n{err}") from err
