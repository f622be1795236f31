"""Webhook delivery latency: utterances sent to a FIFO queue (and, to compare, a standard queue) on moto in server
mode, consumed by the local SQS poller running the real webhook delivery Lambda handler, posted over HTTPS (a
throwaway CA in the webhook secret's caBundlePem) to a receiver on loopback. Prints p50/p95/max of
send → receiver arrival and of poller receive → receiver arrival (the SQS → Lambda → POST hop; target p95 ≤ 100 ms).

    python -m bench.delivery.bench [--messages 200] [--rate 20] [--streams 4] [--quick]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bench-delivery")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Bench")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

import boto3
from aws_lambda_powertools.utilities import parameters
from connect_transcribe.adapters.sqs_utterances import SqsUtteranceQueue
from connect_transcribe.models.api import Role
from connect_transcribe.models.utterance import UtteranceMessage
from connect_transcribe.observability import metrics
from connect_transcribe_dev.lambda_context import LocalLambdaContext
from connect_transcribe_dev.sqs_poller import SqsLambdaPoller
from moto.server import ThreadedMotoServer

from bench.delivery.tls import Authority, Issued, authority, server_context
from bench.utterances import utterance
from functions.webhook_delivery import handler as webhook

TARGET_HOP_P95_MS = 100.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Receiver:
    """HTTPS webhook receiver on loopback: notes when each utteranceId arrives, answers 200. HTTP/1.1 keep-alive,
    as a customer endpoint behind a load balancer would allow, so the handler's connection reuse shows."""

    def __init__(self, certificate: Issued, workdir: Path) -> None:
        self.arrivals: dict[str, float] = {}
        self.lock = threading.Lock()
        context = server_context(certificate, workdir)
        receiver = self

        class Handle(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrived = time.time()
                with receiver.lock:
                    receiver.arrivals.setdefault(json.loads(body)["utteranceId"], arrived)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}/webhook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def count(self, ids: set[str]) -> int:
        with self.lock:
            return len(ids & self.arrivals.keys())

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class Load:
    messages: int
    rate: float  # messages per second, spread over the streams
    streams: int  # participant streams = FIFO message groups
    warmup: int  # delivered first and not measured


@dataclass
class Result:
    queue: str
    messages: int
    send_ms: tuple[float, float, float]  # p50, p95, max
    hop_ms: tuple[float, float, float]
    records_per_invocation: float


def message(guid: str, stream: int, sequence: int) -> UtteranceMessage:
    now = int(time.time() * 1000)
    return utterance(
        now,
        guid=guid,
        role=Role.CUSTOMER if stream % 2 == 0 else Role.AGENT,
        sequence=sequence,
        text="I would like to check the balance on my account please",
        stream_id=f"{guid}-s{stream}",
        external_id=f"participant-{stream}",
        audio_timestamp_ms=now,
    )


def run_queue(sqs: Any, url: str, receiver: Receiver, load: Load) -> Result:
    n, rate, streams, warmup = load.messages, load.rate, load.streams, load.warmup
    received_at: dict[str, float] = {}
    batches: list[int] = []

    def timed(event: dict[str, Any], context: Any) -> Any:
        entered = time.time()  # the poller's receive returned microseconds ago (event building only)
        for record in event["Records"]:
            received_at.setdefault(json.loads(record["body"])["utterance_id"], entered)
        batches.append(len(event["Records"]))
        try:
            return webhook.handler(event, context)
        finally:
            # With POWERTOOLS_METRICS_DISABLED, log_metrics never clears the set, and add_metric prints it
            # anyway once a metric holds 100 values.
            metrics.clear_metrics()

    queue = SqsUtteranceQueue(sqs, url)
    guid = str(uuid.uuid4())
    sent_at: dict[str, float] = {}
    poller = SqsLambdaPoller(
        sqs, url, timed, context_factory=lambda: LocalLambdaContext("webhook-delivery", timeout_seconds=30)
    )
    with poller:
        # Warm-up (not measured): the first delivery reads the secret, opens the TLS connection and the clients.
        warm = [message(guid, 0, s) for s in range(1, warmup + 1)]
        for m in warm:
            queue.send(m)
        _wait(lambda: receiver.count({m.utterance_id for m in warm}) == len(warm), 30)
        measured_from = len(batches)
        started = time.monotonic()
        ids: set[str] = set()
        for i in range(n):
            stream, sequence = i % streams, warmup + 1 + i // streams
            m = message(guid, stream, sequence)
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            sent_at[m.utterance_id] = time.time()
            queue.send(m)
            ids.add(m.utterance_id)
        if not _wait(lambda: receiver.count(ids) == n, 30):
            raise RuntimeError(f"only {receiver.count(ids)} of {n} messages reached the receiver")
        measured = batches[measured_from:]
    send = [(receiver.arrivals[i] - sent_at[i]) * 1000 for i in ids]
    hop = [(receiver.arrivals[i] - received_at[i]) * 1000 for i in ids]
    return Result(
        queue="FIFO" if url.endswith(".fifo") else "standard",
        messages=n,
        send_ms=(percentile(send, 50), percentile(send, 95), max(send)),
        hop_ms=(percentile(hop, 50), percentile(hop, 95), max(hop)),
        records_per_invocation=sum(measured) / max(len(measured), 1),
    )


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second, spread over the streams")
    parser.add_argument("--streams", type=int, default=4, help="participant streams (FIFO message groups)")
    parser.add_argument("--quick", action="store_true", help="20 messages at 50/s (a smoke run for the tests)")
    args = parser.parse_args(argv)
    if args.quick:
        load = Load(messages=20, rate=50.0, streams=args.streams, warmup=2)
    else:
        load = Load(messages=args.messages, rate=args.rate, streams=args.streams, warmup=5)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's per-request access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            ca = authority("bench CA")
            receiver = Receiver(ca.issue("localhost", server=True), Path(workdir))
            try:
                results = _run(f"http://{host}:{port}", receiver, ca, load)
            finally:
                receiver.close()
    finally:
        server.stop()
    _print(results, load)
    return results


def _run(endpoint: str, receiver: Receiver, ca: Authority, load: Load) -> list[Result]:
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    secrets = boto3.client("secretsmanager", endpoint_url=endpoint)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    fifo = sqs.create_queue(QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    standard = sqs.create_queue(QueueName=name)["QueueUrl"]
    dlq = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    secret = secrets.create_secret(Name=name, SecretString=json.dumps({"caBundlePem": ca.pem}))["ARN"]
    handler_env = {
        "AWS_ENDPOINT_URL": endpoint,  # the handler's own clients (Secrets Manager, DLQ) go to moto too
        "WEBHOOK_URL": receiver.url,
        "WEBHOOK_AUTH": "none",
        "WEBHOOK_SECRET_ARN": secret,
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "DELIVERY_DLQ_URL": dlq,
        "POWERTOOLS_METRICS_DISABLED": "true",  # EMF lines on stdout would drown the table
    }
    with handler_environment(handler_env):
        return [run_queue(sqs, url, receiver, load) for url in (fifo, standard)]


@contextmanager
def handler_environment(values: dict[str, str]) -> Iterator[None]:
    """The deployed function's environment, set for this run only; the handler's settings, clients and secret
    provider are built afresh from it (and dropped afterwards), as in a new Lambda container."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    _fresh_container()
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _fresh_container()


def _fresh_container() -> None:
    webhook.settings.cache_clear()
    webhook.delivery.cache_clear()
    parameters.clear_caches()  # drops the secrets provider, whose client holds the endpoint it was made with


def _print(results: list[Result], load: Load) -> None:
    print(
        "webhook delivery: moto server, local poller, real handler, HTTPS on loopback "
        f"({load.rate:g} messages/s over {load.streams} streams)"
    )
    send, hop = "send→arrival ms p50/p95/max", "receive→arrival ms p50/p95/max"
    print(f"{'queue':<9} {'n':>4}  {send:>28}  {hop:>31}  records/invocation")
    for r in results:
        send = "/".join(f"{v:.1f}" for v in r.send_ms)
        hop = "/".join(f"{v:.1f}" for v in r.hop_ms)
        print(f"{r.queue:<9} {r.messages:>4}  {send:>28}  {hop:>31}  {r.records_per_invocation:18.2f}")
    worst = max(r.hop_ms[1] for r in results)
    verdict = "met" if worst <= TARGET_HOP_P95_MS else "MISSED"
    print(f"SQS → Lambda → POST hop p95 ≤ {TARGET_HOP_P95_MS:.0f} ms: {verdict} (worst p95 {worst:.1f} ms)")


if __name__ == "__main__":
    main()
