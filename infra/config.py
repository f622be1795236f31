"""Typed deployment settings: every name, size, runtime and switch of the CDK app in one place.

Values come from CDK context (`cdk.json` "context" mirrors the defaults below; `cdk synth -c key=value`
overrides one). Context values given on the command line are strings, so fields rely on pydantic's
lax coercion ("false" -> False, "60" -> 60).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
LAYERS_DIR = REPO_ROOT / "layers"
# Filled by `make install` (pip download with the Lambda platform flags, one folder per platform tag);
# makes synth fully offline.
WHEELHOUSE_DIR = REPO_ROOT / ".build" / "lambda-wheels"

# The public API contract (docs/api): the Connect flow functions call exactly these two routes.
START_STREAMING_PATH = "/mg-autotranscribe/v1/start-streaming"
STOP_STREAMING_PATH = "/mg-autotranscribe/v1/stop-streaming"
API_ID_HEADER = "asapp-api-id"
API_SECRET_HEADER = "asapp-api-secret"  # noqa: S105 - a header name, not a secret

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

_CONNECT_INSTANCE_ARN = re.compile(r"^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance/[0-9a-f-]{36}$")
_WAF_WEB_ACL_ARN = re.compile(r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[\w-]+/[0-9a-f-]{36}$")


class ApiAuth(StrEnum):
    """Mirrors connect_transcribe.settings.ApiAuthMode (infra must not import runtime code)."""

    IAM = "iam"
    API_SECRET = "api_secret"  # noqa: S105 - a mode name, not a secret


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
    api_auth: ApiAuth = ApiAuth.IAM
    api_stage_name: str = Field(default="prod", pattern=r"^[A-Za-z0-9_]{1,128}$")
    api_throttle_rate_limit: float = Field(default=50, gt=0)
    api_throttle_burst_limit: int = Field(default=100, ge=0)
    api_max_body_bytes: int = Field(default=16_384, ge=1024)
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
    contact_id_source: Literal["ContactId", "InitialContactId", "PreviousContactId"] = "ContactId"
    agent_id_key: str = "agentId"
    customer_id_key: str = "customerId"
    transcribe_language: str = "en-US"
    redaction_output: Literal["redacted", "unredacted", "redacted_and_unredacted"] = "redacted"
    detailed_token: bool = False
    request_timeout_seconds: float = Field(default=5.0, gt=0, le=7.0)  # the flow Lambda has 8 s

    @field_validator("connect_instance_arn", "waf_web_acl_arn", "alarm_email", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        # `-c connect_instance_arn=` and "" in cdk.json both mean "not set".
        return None if value in ("", None) else value

    @field_validator("connect_instance_arn")
    @classmethod
    def _connect_arn(cls, value: str | None) -> str | None:
        if value is not None and not _CONNECT_INSTANCE_ARN.match(value):
            raise ValueError("must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<acct>:instance/<uuid>)")
        return value

    @field_validator("waf_web_acl_arn")
    @classmethod
    def _waf_arn(cls, value: str | None) -> str | None:
        if value is not None and not _WAF_WEB_ACL_ARN.match(value):
            raise ValueError("must be a REGIONAL WAFv2 web ACL ARN")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in _RETENTION_BY_DAYS:
            raise ValueError(f"CloudWatch Logs accepts only {sorted(_RETENTION_BY_DAYS)}")
        return value

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
