"""Gateway metrics as CloudWatch EMF through powertools, safe to call from every session and decode thread;
the supervisor flushes them every few seconds (a long-running process has no per-invocation flush).
Metrics are best effort: a metrics failure is logged, never raised into a session."""

from __future__ import annotations

import os
import threading

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from connect_transcribe.observability import logger

DEFAULT_NAMESPACE = "ConnectTranscribe"


# CloudWatch accepts at most 100 values per metric in one EMF document: flush before that.
MAX_VALUES = 100


class EmfMetrics:
    def __init__(self, namespace: str | None = None, service: str = "media-gateway") -> None:
        namespace = namespace or os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
        # Ephemeral: this instance's own metric set. powertools' Metrics share one set per process, so anything else
        # that records metrics in the process (a handler in local mode or a test) would land in the gateway's flush.
        self._metrics = EphemeralMetrics(namespace=namespace, service=service)
        self._lock = threading.Lock()
        self._values: dict[str, int] = {}

    def count(self, name: str, value: float = 1) -> None:
        self._add(name, MetricUnit.Count, value)

    def observe(self, name: str, value: float, unit: str = "Milliseconds") -> None:
        self._add(name, MetricUnit(unit), value)

    def flush(self) -> None:
        with self._lock:
            self._flush()

    def _add(self, name: str, unit: MetricUnit, value: float) -> None:
        with self._lock:
            if self._values.get(name, 0) >= MAX_VALUES:
                self._flush()
            try:
                self._metrics.add_metric(name=name, unit=unit, value=value)
            except Exception:
                logger.warning("metric dropped", extra={"metric": name}, exc_info=True)
                return
            self._values[name] = self._values.get(name, 0) + 1

    def _flush(self) -> None:
        self._values.clear()
        if not self._metrics.metric_set:
            return
        try:
            self._metrics.flush_metrics(raise_on_empty_metrics=False)
        except Exception:
            logger.warning("metrics flush failed", exc_info=True)
            self._metrics.clear_metrics()
