"""Gateway metrics are CloudWatch EMF lines on stdout (extracted by CloudWatch Logs from the task's log)."""

from __future__ import annotations

import json
import threading

import pytest
from connect_transcribe.adapters.emf_metrics import EmfMetrics


def test_metrics_from_many_threads_flush_as_one_emf_document(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = EmfMetrics(namespace="ConnectTranscribeTest")
    threads = [threading.Thread(target=lambda: metrics.observe("PublishLagMs", 120.0)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    metrics.count("SessionsStarted")
    metrics.flush()
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "ConnectTranscribeTest"
    assert {m["Name"] for m in directive["Metrics"]} == {"PublishLagMs", "SessionsStarted"}
    assert doc["PublishLagMs"] == [120.0] * 8 and doc["service"] == "media-gateway"


def test_more_than_100_values_of_a_metric_are_split_across_documents(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = EmfMetrics(namespace="ConnectTranscribeTest")
    for i in range(250):
        metrics.observe("PublishLagMs", float(i))
    metrics.flush()
    docs = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    values = [
        v for d in docs for v in (d["PublishLagMs"] if isinstance(d["PublishLagMs"], list) else [d["PublishLagMs"]])
    ]
    assert values == [float(i) for i in range(250)]
    assert all(len(d["PublishLagMs"]) <= 100 for d in docs if isinstance(d["PublishLagMs"], list))


def test_a_metrics_failure_never_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = EmfMetrics(namespace="ConnectTranscribeTest")

    def broken(**_: object) -> None:
        raise RuntimeError("EMF schema")

    monkeypatch.setattr(metrics._metrics, "flush_metrics", broken)
    for i in range(150):  # crosses the 100-value flush
        metrics.observe("PublishLagMs", float(i))
    metrics.flush()


def test_without_a_configured_namespace_the_default_is_used(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    metrics = EmfMetrics()
    metrics.count("SessionsStarted")
    metrics.flush()
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ConnectTranscribe"
