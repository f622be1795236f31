"""The delivery Lambda's metrics (delivery/ports.py: DeliveryMetrics) on the handler's powertools Metrics."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from connect_transcribe.observability import metrics


class PowertoolsMetrics:
    """Adds to the handler's powertools Metrics; @metrics.log_metrics flushes them once per invocation."""

    def count(self, name: str, value: float = 1) -> None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def latency_ms(self, name: str, value: float) -> None:
        metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=value)
