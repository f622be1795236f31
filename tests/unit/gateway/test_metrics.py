"""Gateway metrics are CloudWatch EMF lines on stdout (extracted by CloudWatch Logs from the task's log)."""

from __future__ import annotations

import json
import threading

import pytest
from connect_transcribe.gateway.metrics import EmfMetrics


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
