"""The MKV parse benchmark runs end to end and prints its figures (quick mode, well under a second of parsing)."""

from __future__ import annotations

import pytest
from connect_transcribe.media.mkv import Frame, MkvStreamParser

from bench.kvs import parse


def test_quick_parse_benchmark_prints_throughput_and_calls_per_core(capsys: pytest.CaptureFixture[str]) -> None:
    results = parse.main(["--quick"])

    out = capsys.readouterr().out
    connect = [r for r in results if r.label.startswith("Connect")]
    assert [r.chunk for r in connect] == [64 * 1024, 4 * 1024]
    assert all(r.mb_per_s > 0 and r.frames > 0 for r in results)
    assert "calls per core" in out
    assert "worst Connect case:" in out


def test_the_generated_call_is_two_tracks_of_32_kb_per_second_with_little_framing() -> None:
    call = parse.connect_call(10)  # ten 1.024 s fragments

    events = MkvStreamParser().feed(call)

    audio = [e for e in events if isinstance(e, Frame)]
    assert {e.track for e in audio} == {1, 2}
    assert sum(len(e.payload) for e in audio) == parse.CALL_BYTES_PER_S * 10.24
    assert len(call) < 1.05 * parse.CALL_BYTES_PER_S * 10.24
