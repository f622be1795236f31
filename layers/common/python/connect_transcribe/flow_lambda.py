"""The shared body of the connect_start / connect_stop Lambdas: settings and API client built once per
container, one guarded flow step per invocation, a metric per outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from connect_transcribe import wiring
from connect_transcribe.adapters.api_client import HttpApiClient
from connect_transcribe.logic import connect_flow
from connect_transcribe.models.connect import ContactFlowEvent
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.settings import ConnectFlowSettings

# Leave Connect time to receive our answer before its own 8 s limit.
SAFETY_MARGIN_S = 0.5

BuildRequest = Callable[[ContactFlowEvent, connect_flow.FlowDefaults], dict[str, Any]]


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
            self._api = wiring.connect_api_client(self.settings())
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
            defaults=lambda: wiring.flow_defaults(self.settings()),
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
