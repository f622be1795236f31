"""The local-mode commands a newcomer runs: `demo`, and `local up` + `local play`."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from connect_transcribe import cli
from connect_transcribe.local import demo


def test_demo_plays_a_call_and_prints_live_transcripts_summary_and_after_call_transcript(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["demo", "--speed", "4"]) == 0
    out = capsys.readouterr().out
    live = [line for line in out.splitlines() if line.startswith("[")]
    assert len(live) >= 8
    assert any(" agent (+" in line for line in live) and any(" customer (+" in line for line in live)
    assert "after the speech ended" in live[0]
    assert "stop summary" in out and "31.2 s of audio, 499024 bytes" in out
    after_call = out.split("after-call transcript")[1].split("batch feed")[0].strip().splitlines()[1:]
    assert len(after_call) == len(live)
    # and the on-demand batch export of the call, with a download link per file
    assert f"{len(live)} utterances exported" in out.split("batch feed")[1]
    assert ".jsonl.gz\n    http://127.0.0.1:" in out


def test_local_up_serves_local_play(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    port = 4600 + int(time.time()) % 300
    thread = threading.Thread(target=demo.up, kwargs={"control_port": port, "stop": stop}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert demo.play(demo.SAMPLE_CALL, contact_id="local-play-1", speed=4.0, control_port=port) == 0
    finally:
        stop.set()
        thread.join(60)
    out = capsys.readouterr().out
    assert "API base URL" in out and "webhook receiver" in out and "not an authentication boundary" in out
    reply = out[out.index("{") :]
    assert '"contactId": "local-play-1"' in reply and '"status": "ok"' in reply
    assert reply.count('"messageId"') >= 8


def test_play_without_a_running_stack_says_how_to_start_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.play(demo.SAMPLE_CALL, control_port=1) == 2
    assert "connect-transcribe local up" in capsys.readouterr().err
