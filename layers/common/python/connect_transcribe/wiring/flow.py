"""Composition root of the two Connect flow Lambdas (connect_start, connect_stop): the signed API client, the
flow defaults, and the guarded handler they share (settings and client built once per container, one flow step
per invocation, a metric per outcome)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from connect_transcribe.adapters.api_client import ApiSecretSigner, HttpApiClient, Signer, SigV4Signer
from connect_transcribe.adapters.api_secrets import api_credentials
from connect_transcribe.control import connect_flow
from connect_transcribe.models.connect import ContactFlowEvent
from connect_transcribe.models.enums import ApiAuthMode
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.settings import ConnectFlowSettings

# Leave Connect time to receive our answer before its own 8 s limit.
SAFETY_MARGIN_S = 0.5

BuildRequest = Callable[[ContactFlowEvent, connect_flow.FlowDefaults], dict[str, Any]]


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


def flow_defaults(settings: ConnectFlowSettings) -> connect_flow.FlowDefaults:
    return connect_flow.FlowDefaults(
        contact_id_source=settings.contact_id_source,
        agent_id_key=settings.agent_id_key,
        customer_id_key=settings.customer_id_key,
        language=settings.language,
        redaction_output=settings.redaction_output,
        detailed_token=settings.detailed_token,
    )


class FlowLambda:
    def __init__(self, action: str, build: BuildRequest, path: str) -> None:
        self._action = action
        self._build = build
        self._path = path
        self._settings: ConnectFlowSettings | None = None
        self._api: HttpApiClient | None = None
        self.handler = logger.inject_lambda_context(clear_state=True)(
            tracer.capture_lambda_handler(metrics.log_metrics(self._handle))
        )

    def settings(self) -> ConnectFlowSettings:
        if self._settings is None:
            self._settings = ConnectFlowSettings()
        return self._settings

    def api(self) -> HttpApiClient:
        if self._api is None:
            self._api = connect_api_client(self.settings())
        return self._api

    def reset(self) -> None:
        """Forget settings and client (the environment changed: tests, local mode restarts)."""
        self._settings = None
        self._api = None

    def _handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
        remaining_s = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
        result = connect_flow.flow_step(
            event,
            build=self._build,
            path=self._path,
            api=self.api,
            defaults=lambda: flow_defaults(self.settings()),
            deadline_s=min(self.settings().request_timeout_seconds, remaining_s),
        )
        logger.info(
            f"{self._action} requested",
            extra={"status": result.status, "error_code": result.error_code, "http_status": result.http_status},
        )
        metrics.add_metric(name=connect_flow.FLOW_REQUEST_METRIC, unit=MetricUnit.Count, value=1)
        if result.status != "ok":
            metrics.add_metric(name=connect_flow.FLOW_FAILED_METRIC, unit=MetricUnit.Count, value=1)
        return result.flat()
