"""Gateway metrics as CloudWatch EMF through powertools, safe to call from every session and decode thread;
the supervisor flushes them every few seconds (a long-running process has no per-invocation flush)."""

from __future__ import annotations

import threading

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit


class EmfMetrics:
    def __init__(self, namespace: str | None = None, service: str = "media-gateway") -> None:
        self._metrics = Metrics(namespace=namespace, service=service)
        self._lock = threading.Lock()

    def count(self, name: str, value: float = 1) -> None:
        with self._lock:
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def observe(self, name: str, value: float, unit: str = "Milliseconds") -> None:
        with self._lock:
            self._metrics.add_metric(name=name, unit=MetricUnit(unit), value=value)

    def flush(self) -> None:
        with self._lock:
            self._metrics.flush_metrics(raise_on_empty_metrics=False)
