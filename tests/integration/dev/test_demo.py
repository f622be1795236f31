"""The local-mode commands a newcomer runs: `demo`, and `local up` + `local play`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from connect_transcribe_dev import cli, demo

from tests.factories import unused_port
from tests.integration.dev.local_up import children, running


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


def test_local_up_serves_local_play(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stop = threading.Event()
    port = unused_port()
    options = {"control_port": port, "stop": stop, "worker_log": tmp_path / "worker.log"}
    thread = threading.Thread(target=demo.up, kwargs=options, daemon=True)
    thread.start()
    try:
        wait_for_control(port)
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


def wait_for_control(port: int, process: subprocess.Popen[str] | None = None, timeout: float = 60) -> None:
    """Until `local up` answers on its control port (it opens it once the whole stack is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process is None or process.poll() is None, process.communicate()
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"local up did not open its control port within {timeout:g} s")


# A shell starts a background job (`connect-transcribe local up &`) with SIGINT ignored; exec keeps that.
AS_BACKGROUND_JOB = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); os.execv(sys.executable, sys.argv[1:])"
)


@pytest.mark.parametrize(
    ("signum", "background"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True)],
    ids=["SIGTERM", "SIGINT", "SIGINT to a background job"],
)
def test_local_up_stops_the_whole_stack_on_a_signal(signum: signal.Signals, background: bool, tmp_path: Path) -> None:
    # Given `connect-transcribe local up` running in its own session, with its media gateway worker process
    port = unused_port()
    command = [sys.executable, "-m", "connect_transcribe_dev.cli", "local", "up", "--control-port", str(port)]
    command += ["--worker-log", str(tmp_path / "worker.log")]
    process = subprocess.Popen(
        [sys.executable, "-c", AS_BACKGROUND_JOB, *command] if background else command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_control(port, process)
        [worker] = [pid for pid, cmdline in children(process.pid) if "connect_transcribe.gateway" in cmdline]

        # When only the parent gets the signal (kill <pid>, a service manager, a CI runner)
        process.send_signal(signum)
        out, err = process.communicate(timeout=90)

        # Then it stops the stack, worker included, and exits cleanly
        assert process.returncode == 0, err
        assert not running(worker)
        assert f"stopping ({signum.name})" in err
        assert "Ctrl-C to stop." in out
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
