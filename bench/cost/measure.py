"""Count what one media gateway worker asks of AWS per call-minute: N real-time calls through the gateway benchmark's
harness (local KVS server, moto server for DynamoDB and SQS, `python -m connect_transcribe.gateway` as on Fargate).

Every request that reaches the moto server is counted by operation (and, for SQS, by queue); the harness's own
requests (table and queue creation, starting calls, waiting for them to end) are counted in this process and
subtracted, which leaves the worker's. Bytes served by the local KVS server's GetMedia stand for KVS data consumed.
"""

from __future__ import annotations

import io
import json
import logging
import wave
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

# (service, operation, queue name or "") -> requests
Key = tuple[str, str, str]


def request_key(environ: dict[str, Any], body: bytes) -> Key:
    """The service, operation and (SQS) queue of one AWS API request, as the moto server receives it."""
    return parse_request(environ, body)[0]


def batch_items(operation: str, params: dict[str, Any]) -> int:
    """Items a DynamoDB batch reads or writes: each is billed like a single-item request."""
    if operation not in ("BatchGetItem", "BatchWriteItem"):
        return 0
    tables = params.get("RequestItems") or {}
    if operation == "BatchGetItem":
        return sum(len(table.get("Keys", [])) for table in tables.values())
    return sum(len(requests) for requests in tables.values())


def parse_request(environ: dict[str, Any], body: bytes) -> tuple[Key, dict[str, Any]]:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    # SigV4: "... Credential=<key>/<date>/<region>/<service>/aws4_request, ..."
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
    service = scope[3] if len(scope) >= 5 else "?"
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    params: dict[str, Any] = {}
    if target:  # JSON protocols (DynamoDB, SQS): "DynamoDB_20120810.GetItem", "AmazonSQS.SendMessage"
        operation = target.rsplit(".", 1)[-1]
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
    else:  # query protocol: Action in the query string or the form body
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        params = {**query, **form}
        operation = str(params.get("Action", "?"))
    queue = str(params.get("QueueUrl", "")).rsplit("/", 1)[-1] if service == "sqs" else ""
    return (service, operation, queue), params


class CountingApp:
    """WSGI middleware in front of the moto server: counts every request by `request_key`."""

    def __init__(self, app: Callable[..., Any], counts: Counter[Key]) -> None:
        self._app = app
        self.counts = counts

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        key, params = parse_request(environ, body)
        self.counts[key] += 1
        items = batch_items(key[1], params)
        if items:  # billed per item: counted beside the request as "<operation>.items"
            self.counts[(key[0], f"{key[1]}.items", key[2])] += items
        return self._app(environ, start_response)


def worker_counts(server: Counter[Key], harness: Counter[Key]) -> Counter[Key]:
    """What the server saw minus what the harness sent: the worker's requests."""
    left = Counter(server)
    left.subtract(harness)
    return Counter({key: n for key, n in left.items() if n > 0})


@dataclass(frozen=True)
class Measurement:
    calls: int
    call_minutes: float
    utterances: int
    requests: dict[Key, int]
    kvs_bytes: int

    def per_call_minute(self, service: str, operations: Iterable[str], queue: str | None = None) -> float:
        wanted = set(operations)
        total = sum(
            n
            for (svc, op, q), n in self.requests.items()
            if svc == service and op in wanted and (queue is None or queue.lower() in q.lower())
        )
        return total / self.call_minutes


def measure(n_calls: int) -> Measurement:  # pragma: no cover - minutes of real-time audio; run by `make cost`
    import botocore.client
    from connect_transcribe_dev import kvs_server
    from moto.server import ThreadedMotoServer

    from bench.gateway import bench as gateway_bench

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server_counts: Counter[Key] = Counter()
    harness_counts: Counter[Key] = Counter()
    kvs_bytes = 0

    original_call = botocore.client.BaseClient._make_api_call

    def counted_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.signing_name or self.meta.service_model.endpoint_prefix
        queue = str(api_params.get("QueueUrl", "")).rsplit("/", 1)[-1] if service == "sqs" else ""
        harness_counts[(service, operation_name, queue)] += 1
        return original_call(self, operation_name, api_params)

    original_send = kvs_server._send_chunk

    def counted_send(request: Any, data: bytes) -> None:
        nonlocal kvs_bytes
        kvs_bytes += len(data)
        original_send(request, data)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    assert server._server is not None
    server._server.app = CountingApp(server._server.app, server_counts)
    host, port = server.get_host_and_port()
    botocore.client.BaseClient._make_api_call = counted_call
    kvs_server._send_chunk = counted_send
    try:
        result = gateway_bench.run(n_calls, 1.0, f"http://{host}:{port}")
    finally:
        botocore.client.BaseClient._make_api_call = original_call
        kvs_server._send_chunk = original_send
        server.stop()
    with wave.open(str(gateway_bench.SAMPLE)) as sample:
        call_seconds = sample.getnframes() / sample.getframerate()
    return Measurement(
        calls=n_calls,
        call_minutes=n_calls * call_seconds / 60,
        utterances=int(result["utterances"]),
        requests=dict(worker_counts(server_counts, harness_counts)),
        kvs_bytes=kvs_bytes,
    )
