"""The end-to-end benchmark runs in quick mode (one call, the sample's first 16 s, in real time through the whole
local stack) and prints its table: every utterance reached the webhook once, after its speech ended."""

from __future__ import annotations

import pytest

from bench.e2e import bench


def test_quick_end_to_end_benchmark_measures_every_utterance_of_a_real_time_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the whole local stack, block-level KVS delivery, one call played in real time
    # When the quick benchmark runs
    results = bench.main(["--quick"])

    # Then one run was measured, the call finished and each of its utterances arrived once
    out = capsys.readouterr().out
    [r] = results
    assert (r.mode, r.calls) == ("block", 1)
    assert r.failed_calls == 0 and r.duplicates == 0
    assert r.per_call[0] >= 3  # the three reference utterances of the first 16 s (the engine may split them)
    # and every latency counts from the reference end of speech: after it, not seconds late; every reference
    # utterance was covered, and the text scored
    assert all(0 < ms < 5_000 for ms in r.latencies_ms) and r.missed == 0
    assert len(r.latencies_ms) == 3 and r.errors.reference_words > 0 and r.errors.rate < 1
    assert 0 < r.p50 <= r.p95 <= r.max
    # and CPU and memory were measured for the run
    assert r.cpu_s > 0 and r.worker_rss_mb > 0 and r.local_rss_mb > 0
    # and where the latency went, stage by stage, from the timings the stored messages carry
    for key in ("endpoint_wait", "queue_wait", "decode", "publish_queue", "redact", "publish_delivery", "rest"):
        assert len(r.stages[key]) == sum(r.per_call), key  # one per received utterance
    assert bench.statistics.median(r.stages["endpoint_wait"]) == 288  # 300 ms of silence, in 32 ms windows
    assert all(v >= 0 for v in r.stages["decode"]) and all(v >= 0 for v in r.stages["publish_delivery"])
    # the stages account for the latency: what is left (KVS ingest, clocks) is small with block delivery
    assert all(abs(v) < 500 for v in r.stages["rest"]), r.stages["rest"]
    # and the tables and the verdict are printed
    assert "| block | 1 | " in out
    assert "| KVS delivery | calls | endpoint wait | decode queue | decode |" in out
    assert "block-level delivery: largest N with p95 ≤ 1 s:" in out
