"""`connect-transcribe local up` as a child process, the way a script drives it, and what tests look at around it:
its processes, and where a worker that reads real KVS tries to go."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from connect_transcribe_dev.endpoints import LocalEndpoints

from tests.factories import unused_port


@dataclass
class LocalUp:
    process: subprocess.Popen[str]
    endpoints: LocalEndpoints
    stderr: Path  # the lines for people, transcripts included


@contextlib.contextmanager
def local_up_json(*options: str, tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[LocalUp]:
    """`local up --json` until the block ends, then SIGTERM. It must print exactly one line on stdout, a JSON object,
    once the stack is ready (read while it runs: the line was flushed), and nothing else until it exits cleanly."""
    command = [sys.executable, "-m", "connect_transcribe_dev.cli", "local", "up", "--json"]
    command += ["--control-port", str(unused_port()), "--worker-log", str(tmp_path / "worker.log"), *options]
    stderr = tmp_path / "local-up.err"
    with stderr.open("w") as err:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err, text=True, env=env, start_new_session=True
        )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 90)
        assert ready, f"no endpoints line within 90 s: {stderr.read_text()}"
        line = process.stdout.readline()
        assert line.endswith("\n"), f"local up exited before it was ready: {stderr.read_text()}"
        yield LocalUp(process, LocalEndpoints.model_validate_json(line), stderr)
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=90)
        assert process.returncode == 0, stderr.read_text()
        assert rest == "", "stdout holds only the endpoints line"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the process's children, from /proc. Processes and threads come and go while this reads
    (a thread's own children file can vanish between listing and reading it), so each is read by its parent id in its
    stat line, and one that is gone by the time it is read is left out."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The command name in parentheses may hold spaces; the parent id is the second field after it.
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def worker_of(pid: int) -> int:
    [worker] = [child for child, cmdline in children(pid) if "connect_transcribe.gateway" in cmdline]
    return worker


def environment(pid: int) -> dict[str, str]:
    """The environment a process was started with, from /proc."""
    pairs = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie has exited


class RecordingProxy:
    """An HTTPS proxy (HTTPS_PROXY) that only writes down each request line (`CONNECT host:443 ...`) and refuses it:
    where a process would have gone on the internet, without going there."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        proxy = self

        class _Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                proxy.requests.append(self.rfile.readline().decode("latin-1").strip())
                self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, request: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(r.startswith(request) for r in self.requests):
            assert time.monotonic() < deadline, f"no {request!r} within {timeout:g} s; got {self.requests}"
            time.sleep(0.1)

    def __enter__(self) -> RecordingProxy:
        threading.Thread(target=self._server.serve_forever, name="recording-proxy", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
