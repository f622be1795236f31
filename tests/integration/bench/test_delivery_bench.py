"""The delivery latency benchmark runs end to end in quick mode (moto server, poller, real webhook handler, HTTPS
receiver) and prints its table; every message reaches the receiver through both queue types."""

from __future__ import annotations

import pytest

from bench.delivery import bench


def test_quick_delivery_benchmark_measures_both_queues_and_prints_the_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = bench.main(["--quick"])

    out = capsys.readouterr().out
    assert [r.queue for r in results] == ["FIFO", "standard"]
    for r in results:
        assert r.messages == 20
        p50, p95, worst = r.hop_ms
        assert 0 < p50 <= p95 <= worst
        assert r.hop_ms[1] <= r.send_ms[1]  # the hop is part of the whole way from the sender
        assert r.records_per_invocation >= 1
    assert "SQS → Lambda → POST hop p95 ≤ 100 ms:" in out
    assert "FIFO" in out and "standard" in out
