"""`connect-transcribe demo` / `local up` / `local play`: the whole product on this machine, no AWS account."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import requests
from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ
from connect_transcribe.media.wav import read_wav, to_pcm16
from connect_transcribe.speech.audio import to_phone_rate

from connect_transcribe_dev.endpoints import LocalEndpoints, kvs_endpoint_argument
from connect_transcribe_dev.stack import REPO, LocalDeployment, LocalModeError, PlayedCall
from connect_transcribe_dev.webhook_receiver import Received

SAMPLE_CALL = REPO / "tests" / "fixtures" / "calls" / "sample-01-balance-check.wav"
CONTROL_PORT = 4599
COLOURS = {"agent": "\033[36m", "customer": "\033[32m"}
RESET = "\033[0m"


def add_commands(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="run a two-party call through the whole pipeline on this machine and print live transcripts",
        description="Starts the local stack (moto, local KVS, API, media gateway worker, webhook delivery, a "
        "webhook receiver), plays a call into it as Amazon Connect would and prints transcripts as the webhook "
        "receives them, then the stop summary and the after-call transcript. Ctrl-C stops everything.",
    )
    demo.add_argument("--call", type=Path, default=SAMPLE_CALL, help="stereo WAV: channel 0 customer, 1 agent")
    demo.add_argument("--speed", type=float, default=1.0, help="playback speed (1 = real time)")
    demo.add_argument("--calls", type=int, default=1, help="concurrent calls")
    demo.add_argument("--webhook", help="deliver to this URL instead of the built-in receiver")
    demo.add_argument(
        "--interim", action="store_true", help="interim results: show each utterance as it is spoken, then its final"
    )
    local = commands.add_parser("local", help="a long-running local stack: `local up`, `local play`")
    sub = local.add_subparsers(dest="local_command", required=True)
    up = sub.add_parser("up", help="start the local stack and keep it running until Ctrl-C")
    up.add_argument("--webhook", help="deliver to this URL instead of the built-in receiver")
    up.add_argument("--control-port", type=int, default=CONTROL_PORT)
    up.add_argument("--interim", action="store_true", help="interim results for every call (INTERIM_RESULTS)")
    up.add_argument(
        "--json",
        action="store_true",
        help="print the endpoints as one JSON line on stdout once the stack is ready; everything else to stderr",
    )
    up.add_argument(
        "--kvs-endpoint",
        type=kvs_endpoint_argument,
        metavar="URL|aws",
        help="the worker reads Kinesis Video Streams from this KVS-compatible endpoint instead of the bundled local "
        "server, or with 'aws' from the real KVS of your AWS credentials and region (DynamoDB, SQS... stay local); "
        "`local play` needs the bundled server",
    )
    up.add_argument(
        "--worker-log", type=Path, metavar="FILE", help="append the worker's log here (default: a new temporary file)"
    )
    play = sub.add_parser("play", help="play a call into a running `local up` stack, as Connect would")
    play.add_argument("--call", type=Path, default=SAMPLE_CALL)
    play.add_argument("--contact-id")
    play.add_argument("--speed", type=float, default=1.0)
    play.add_argument("--control-port", type=int, default=CONTROL_PORT)


def run(args: argparse.Namespace) -> int:
    if args.command == "local" and args.local_command == "play":
        return play(args.call, contact_id=args.contact_id, speed=args.speed, control_port=args.control_port)
    with stop_on_signals():
        try:
            if args.command == "demo":
                return demo(args.call, speed=args.speed, calls=args.calls, webhook=args.webhook, interim=args.interim)
            return up(
                webhook=args.webhook,
                interim=args.interim,
                control_port=args.control_port,
                as_json=args.json,
                kvs_endpoint=args.kvs_endpoint,
                worker_log=args.worker_log,
            )
        except KeyboardInterrupt:
            print("\nstopped", file=sys.stderr)
            return 130
        except LocalModeError as exc:
            print(f"connect-transcribe: {exc}", file=sys.stderr)
            return 2


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM (kill, systemd, a CI runner) and SIGINT stop the stack exactly as Ctrl-C does, so the `with
    LocalDeployment` blocks unwind and the worker process is stopped with everything else. Python's default SIGTERM
    ends the process at once, and a shell starts background jobs with SIGINT ignored: both would orphan the
    worker. Signals only reach the main thread, so elsewhere (tests driving `up` in a thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def load_call(path: Path, out: TextIO = sys.stderr) -> tuple[bytes, bytes]:
    """Customer and agent PCM (8 kHz s16le) from a WAV; other rates are resampled, with a warning."""
    audio = read_wav(path)
    channels = list(audio.channels[:2])
    if audio.rate != CONNECT_SAMPLE_RATE_HZ:
        print(f"warning: {path.name} is {audio.rate} Hz; resampling to {CONNECT_SAMPLE_RATE_HZ} Hz", file=out)
        channels = [to_phone_rate(c, audio.rate) for c in channels]
    if len(channels) == 1:
        print(f"warning: {path.name} is mono; playing it as the customer, the agent silent", file=out)
        channels.append(np.zeros_like(channels[0]))
    return to_pcm16(channels[0]), to_pcm16(channels[1])


class Printer:
    """Live transcript lines: participant coloured, audio times, and how long after the speech ended it arrived.
    Interims (transcript-interim) are shown as the utterance grows: on a terminal one live line, rewritten in place
    and replaced by the final; otherwise a line each, marked with '~'."""

    def __init__(self, out: TextIO | None = None, speed: float = 1.0) -> None:
        self.out = out or sys.stdout
        self.speed = speed  # audio at `speed` x: audio time t is spoken t / speed after the call's start
        self.calls: dict[str, tuple[int, int]] = {}  # contact id -> (call number, audio start ms)
        self._lock = threading.Lock()
        self._live = False  # a terminal's last line is an interim, without its newline yet

    def __call__(self, item: Received) -> None:
        body = item.body
        interim = body.get("type") == "transcript-interim"
        number, start_ms = self.calls.get(body["externalConversationId"], (0, 0))
        response = body["autotranscribeResponse"]
        role = body["sender"]["role"]
        lag = item.arrived_at * 1000 - (start_ms + response["end"] / self.speed) if start_ms else None
        tty = self.out.isatty()
        colour = COLOURS.get(role, "") if tty else ""
        end = RESET if colour else ""
        call = f"call {number} " if len(self.calls) > 1 else ""
        if interim:
            late = f" (+{lag / 1000:.2f} s)" if lag is not None else ""
            mark = "~"
        else:
            late = f" (+{lag / 1000:.2f} s after the speech ended)" if lag is not None else ""
            mark = ":"
        line = (
            f"{call}[{_clock(response['start'])}-{_clock(response['end'])}] {colour}{role:>8}{end}{late}{mark} "
            f"{response['utterance'][0]['text']}"
        )
        with self._lock:
            if tty and self._live:
                self.out.write("\r\033[K")  # the interim on screen is superseded
            if tty and interim:
                self.out.write(line)
                self._live = True
            else:
                self.out.write(line + "\n")
                self._live = False
            self.out.flush()


def demo(call: Path, *, speed: float = 1.0, calls: int = 1, webhook: str | None = None, interim: bool = False) -> int:
    customer, agent = load_call(call)
    printer = Printer(speed=speed or 1.0)
    print("starting the local stack (moto, local KVS, API, media gateway, webhook delivery)...", file=sys.stderr)
    with LocalDeployment(
        webhook_url=webhook, on_transcript=printer, max_sessions=max(20, calls), interim_results=interim
    ) as stack:
        _print_endpoints(stack.endpoints, sys.stdout)
        print(f"playing {call.name} x{calls} at {speed:g}x; transcripts as the webhook receives them:\n", flush=True)
        played: list[PlayedCall] = []
        producers = []
        began = datetime.now(UTC)
        for number in range(1, calls + 1):
            call_, producer = stack.begin_call(customer, agent, speed=speed)
            printer.calls[call_.contact_id] = (number, call_.audio_start_ms)
            if call_.start.get("status") != "ok":
                print(f"connect_start failed: {call_.start}", file=sys.stderr)
                return 1
            played.append(call_)
            producers.append(producer)
        for call_, producer in zip(played, producers, strict=True):
            producer.done.wait()
            stack.end_call(call_)
        for call_ in played:
            stack.wait_finished(call_.contact_id)
        time.sleep(1.0)  # the last utterances are still on their way to the webhook
        for number, call_ in enumerate(played, 1):
            _print_summary(stack, call_, number if calls > 1 else None)
        _print_feed(stack, began)
    return 0


def up(
    *,
    webhook: str | None = None,
    control_port: int = CONTROL_PORT,
    interim: bool = False,
    stop: threading.Event | None = None,
    as_json: bool = False,
    kvs_endpoint: str | None = None,
    worker_log: Path | None = None,
) -> int:
    """Until Ctrl-C (or `stop`, for tests). `as_json`: stdout carries only the endpoints, one JSON line printed once
    the stack is ready, so a script can read it; the lines for people (live transcripts too) go to stderr."""
    stop = stop or threading.Event()
    out = sys.stderr if as_json else sys.stdout
    printer = Printer(out=out)
    worker_log = worker_log or _new_worker_log()
    with LocalDeployment(
        webhook_url=webhook,
        on_transcript=printer,
        kvs_endpoint=kvs_endpoint,
        worker_log=worker_log,
        interim_results=interim,
    ) as stack:
        endpoints = stack.endpoints.model_copy(update={"control_url": f"http://127.0.0.1:{control_port}"})
        control = _control_server(stack, printer, endpoints, control_port)
        _print_endpoints(endpoints, out)
        if endpoints.kvs_source == "bundled":
            print(f"control: {endpoints.control_url} (connect-transcribe local play --call FILE)", file=out)
        else:
            print("local play is off: calls can only be played into the bundled local KVS server", file=out)
        print(
            "Local mode accepts SigV4-signed requests with any credentials: it is not an authentication boundary.",
            file=out,
        )
        print("Ctrl-C to stop.", file=out, flush=True)
        if as_json:
            print(endpoints.model_dump_json(by_alias=True), flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt as signalled:
            print(f"\nstopping ({signalled or 'SIGINT'})...", file=sys.stderr, flush=True)
        finally:
            control.shutdown()
    return 0


def play(call: Path, *, contact_id: str | None = None, speed: float = 1.0, control_port: int = CONTROL_PORT) -> int:
    body = {"call": str(call.resolve()), "contactId": contact_id, "speed": speed}
    try:
        response = requests.post(f"http://127.0.0.1:{control_port}/play", json=body, timeout=3600)
    except requests.ConnectionError:
        print(f"no local stack on port {control_port}: start one with `connect-transcribe local up`", file=sys.stderr)
        return 2
    print(json.dumps(response.json(), indent=2))
    return 0 if response.ok else 1


def _new_worker_log() -> Path:
    """A file that outlives the stack, so a worker that crashed can still be read."""
    handle, name = tempfile.mkstemp(prefix="connect-transcribe-worker-", suffix=".log")
    os.close(handle)
    return Path(name)


def _control_server(
    stack: LocalDeployment, printer: Printer, endpoints: LocalEndpoints, port: int
) -> ThreadingHTTPServer:
    class _Request(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            """The endpoints again, for a script that did not keep `local up --json`'s line."""
            self._reply(200, endpoints.model_dump(mode="json", by_alias=True))

        def do_POST(self) -> None:
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                customer, agent = load_call(Path(request["call"]))
                call, producer = stack.begin_call(
                    customer, agent, contact_id=request.get("contactId"), speed=float(request.get("speed") or 1.0)
                )
                printer.calls[call.contact_id] = (len(printer.calls) + 1, call.audio_start_ms)
                producer.done.wait()
                stack.end_call(call)
                stack.wait_finished(call.contact_id)
                time.sleep(1.0)
                reply: dict[str, Any] = {
                    "contactId": call.contact_id,
                    "connectStart": call.start,
                    "connectStop": call.stop,
                    "stopSummary": stack.stop_summary(call.contact_id),
                    "transcript": stack.transcript(call.contact_id),
                }
                status = 200
            except LocalModeError as exc:
                reply, status = {"error": str(exc)}, 400
            except Exception as exc:  # report, keep the stack up
                reply, status = {"error": f"{type(exc).__name__}: {exc}"}, 400
            self._reply(status, reply)

        def _reply(self, status: int, reply: dict[str, Any]) -> None:
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", port), _Request)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="local-control", daemon=True).start()
    return server


def _print_endpoints(e: LocalEndpoints, out: TextIO) -> None:
    kvs = {
        "bundled": f"local KVS endpoint  {e.kvs_endpoint}",
        "url": f"KVS endpoint        {e.kvs_endpoint}  (--kvs-endpoint)",
        "aws": f"KVS                 Kinesis Video Streams in {e.region}, with your AWS credentials",
    }[e.kvs_source]
    log = f"\n  worker log          {e.worker_log}" if e.worker_log else ""
    print(
        f"  API base URL        {e.api_url}\n"
        f"  File Exporter API   {e.file_exporter_url}\n"
        f"  local AWS endpoint  {e.aws_endpoint}  (DynamoDB, SQS, Secrets Manager, S3; any credentials)\n"
        f"  {kvs}\n"
        f"  webhook receiver    {e.webhook_url}{log}",
        file=out,
        flush=True,
    )


def _print_summary(stack: LocalDeployment, call: PlayedCall, number: int | None) -> None:
    label = f" (call {number})" if number else ""
    summary = stack.stop_summary(call.contact_id).get("autotranscribeResponse", {})
    print(f"\nstop summary{label}, contact {call.contact_id}:")
    for role in ("customer", "agent"):
        s = summary.get(role, {}).get("summary") or {}
        print(
            f"  {role:>8}: {s.get('audioDurationMs', 0) / 1000:.1f} s of audio, {s.get('totalAudioBytes', 0)} bytes, "
            f"{s.get('transcripts', 0)} transcripts, streamed {s.get('streamingSeconds', 0):.1f} s"
        )
    print(f"after-call transcript{label} (GET /conversation/v1/conversation/messages):")
    for item in stack.transcript(call.contact_id):
        print(f"  {item['sender']['role']:>8}: {item['text']}")


def _print_feed(stack: LocalDeployment, since: datetime) -> None:
    state = stack.export_feed(since)
    if state.get("status") != "SUCCEEDED":
        print(f"\nbatch export failed: {state}", file=sys.stderr)
        return
    result = state["result"]
    print(f"\nbatch feed (POST /fileexporter/v1/exports, then getfeedfile): {result['rows']} utterances exported")
    for day in result["dates"]:
        for name, url in stack.feed_links(day).items():
            print(f"  {name}\n    {url[:110]}...")


def _clock(ms: int) -> str:
    return f"{ms // 60000:02d}:{ms % 60000 / 1000:04.1f}"
