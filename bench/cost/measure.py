"""Count what one media gateway worker asks of AWS per call-minute: N real-time calls through the gateway benchmark's
harness (local KVS server, moto server for DynamoDB and SQS, `python -m connect_transcribe.gateway` as on Fargate).

Every request that reaches the moto server is counted by operation (and, for SQS, by queue); the harness's own
requests (table and queue creation, starting calls, waiting for them to end) are counted in this process and
subtracted, which leaves the worker's. Bytes served by the local KVS server's GetMedia stand for KVS data consumed.

DynamoDB bills capacity units by item size, not requests: `CapacityMeter` prices each of the worker's DynamoDB
requests (told apart by the access key its process signs with) from the sizes of the items moto stores, by
DynamoDB's rules (a write: the larger of the item before and after, in 1 KB units, at least 1, and again for the
export index when the item is in it; a strongly consistent read: 4 KB units, at least 1, per item).
"""

from __future__ import annotations

import io
import json
import logging
import math
import wave
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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


def credential_scope(environ: dict[str, Any]) -> list[str]:
    """SigV4: "... Credential=<access key>/<date>/<region>/<service>/aws4_request, ..." as its five parts."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    return auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []


def parse_request(environ: dict[str, Any], body: bytes) -> tuple[Key, dict[str, Any]]:
    scope = credential_scope(environ)
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


# (table name, DynamoDB-JSON key) -> the stored item's attributes (DynamoDB JSON), or None
ItemLookup = Callable[[str, dict[str, Any]], dict[str, Any] | None]

WRITE_UNIT, READ_UNIT = 1024, 4096
_WRITES = ("PutItem", "UpdateItem", "DeleteItem")


def item_size(attributes: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (strings and binary by length, numbers
    about 1 byte per 2 digits plus 1, sets their members, lists and maps their members plus 3 bytes and 1 each)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in attributes.items())


_SCALAR_SIZE: dict[str, Callable[[Any], int]] = {
    "S": lambda v: len(v.encode()),
    "B": lambda v: len(v) * 3 // 4,  # base64 on the wire
    "N": lambda v: len(str(v).lstrip("-").replace(".", "")) // 2 + 1,
    "BOOL": lambda v: 1,
    "NULL": lambda v: 1,
}


def _value_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind in _SCALAR_SIZE:
        return _SCALAR_SIZE[kind](v)
    if kind in ("SS", "NS", "BS"):
        return sum(_SCALAR_SIZE[kind[0]](member) for member in v)
    if kind == "L":
        return 3 + sum(1 + _value_size(member) for member in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(member) for k, member in v.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


class CapacityMeter:
    """DynamoDB capacity units per request, from the stored items' sizes before and after it (see the module
    docstring). `index_keys` and `index_attributes` describe the export index (a write of an item in it is also a
    write of its projection)."""

    def __init__(self, lookup: ItemLookup, *, index_keys: tuple[str, ...], index_attributes: tuple[str, ...]) -> None:
        self._lookup = lookup
        self._index_keys = index_keys
        self._projected = ("pk", "sk", *index_keys, *index_attributes)

    def keys(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(table, key) of every item the request touches, in request order."""
        if operation in (*_WRITES, "GetItem"):
            if operation == "PutItem":
                item = params.get("Item") or {}
                return [(params["TableName"], _key_of(item))]
            return [(params["TableName"], params["Key"])]
        if operation == "BatchGetItem":
            return [(t, k) for t, spec in (params.get("RequestItems") or {}).items() for k in spec.get("Keys", [])]
        if operation == "TransactWriteItems":
            out = []
            for entry in params.get("TransactItems") or []:
                ((_, request),) = entry.items()  # Put, Update, Delete or ConditionCheck
                item = request.get("Item")
                out.append((request["TableName"], request.get("Key") or _key_of(item)))
            return out
        if operation == "BatchWriteItem":
            out = []
            for table, requests in (params.get("RequestItems") or {}).items():
                for r in requests:
                    if "PutRequest" in r:
                        item = r["PutRequest"]["Item"]
                        out.append((table, _key_of(item)))
                    else:
                        out.append((table, r["DeleteRequest"]["Key"]))
            return out
        return []

    def snapshot(self, operation: str, params: dict[str, Any]) -> list[dict[str, Any] | None]:
        """The items a write is about to change, as stored before it."""
        if operation not in (*_WRITES, "BatchWriteItem", "TransactWriteItems"):
            return []
        return [self._lookup(table, key) for table, key in self.keys(operation, params)]

    def units(
        self, operation: str, params: dict[str, Any], before: list[dict[str, Any] | None], response: bytes
    ) -> tuple[str, float] | None:
        """("WRU" | "RRU", units) of the request, once it has run; None for requests that use no table units."""
        if operation in (*_WRITES, "BatchWriteItem", "TransactWriteItems"):
            keys = self.keys(operation, params)
            total = 0.0
            for (table, key), old in zip(keys, before, strict=True):
                new = self._lookup(table, key)
                total += max(1, math.ceil(max(_size(old), _size(new)) / WRITE_UNIT))
                if any(i is not None and self._index_keys[0] in i for i in (old, new)):
                    projected = max(_size(old, self._projected), _size(new, self._projected))
                    total += max(1, math.ceil(projected / WRITE_UNIT))
            return "WRU", total * (2 if operation == "TransactWriteItems" else 1)  # a transaction bills twice
        if operation in ("GetItem", "BatchGetItem"):
            items = [self._lookup(t, k) for t, k in self.keys(operation, params)]
            consistent = params.get("ConsistentRead") or any(
                spec.get("ConsistentRead") for spec in (params.get("RequestItems") or {}).values()
            )
            return "RRU", sum(_read_units(_size(i), consistent=bool(consistent)) for i in items)
        if operation == "Query":
            found = json.loads(response or b"{}").get("Items", [])
            table = params["TableName"]
            size = sum(_size(self._lookup(table, _key_of(i))) for i in found)
            return "RRU", _read_units(size, consistent=bool(params.get("ConsistentRead")))
        return None


def _key_of(item: dict[str, Any]) -> dict[str, Any]:
    """The table key (pk, sk) of a DynamoDB-JSON item."""
    return {k: item[k] for k in ("pk", "sk") if k in item}


def _size(item: dict[str, Any] | None, only: tuple[str, ...] | None = None) -> int:
    if item is None:
        return 0
    return item_size(item if only is None else {k: v for k, v in item.items() if k in only})


def _read_units(size: int, *, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return float(units) if consistent else units / 2


class CountingApp:
    """WSGI middleware in front of the moto server: counts every request by `request_key` (only those signed with
    `access_key` when given), and with a `meter` the DynamoDB capacity units they use (`capacity`)."""

    def __init__(
        self,
        app: Callable[..., Any],
        counts: Counter[Key],
        *,
        access_key: str | None = None,
        meter: CapacityMeter | None = None,
    ) -> None:
        self._app = app
        self.counts = counts
        self.capacity: dict[str, float] = {"RRU": 0.0, "WRU": 0.0}  # the DynamoDB units of the counted requests
        self.capacity_by_operation: Counter[str] = Counter()  # "WRU UpdateItem LEASE" -> units
        self._access_key = access_key
        self._meter = meter

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        scope = credential_scope(environ)
        if self._access_key is not None and (not scope or scope[0] != self._access_key):
            return self._app(environ, start_response)
        key, params = parse_request(environ, body)
        self.counts[key] += 1
        items = batch_items(key[1], params)
        if items:  # billed per item: counted beside the request as "<operation>.items"
            self.counts[(key[0], f"{key[1]}.items", key[2])] += items
        if self._meter is None or key[0] != "dynamodb":
            return self._app(environ, start_response)
        before = self._meter.snapshot(key[1], params)
        response = b"".join(self._app(environ, start_response))
        units = self._meter.units(key[1], params, before, response)
        if units is not None:
            self.capacity[units[0]] += units[1]
            touched = self._meter.keys(key[1], params)
            kind = touched[0][1].get("sk", {}).get("S", "").split("#")[0] if touched else ""  # LEASE, MSG, META...
            self.capacity_by_operation[f"{units[0]} {key[1]} {kind}".rstrip()] += units[1]  # type: ignore[assignment]
        return [response]


@dataclass(frozen=True)
class Measurement:
    calls: int
    call_minutes: float
    utterances: int
    requests: dict[Key, int]
    kvs_bytes: int
    capacity: dict[str, float] = field(default_factory=dict)  # DynamoDB "RRU" and "WRU" of the worker's requests

    def per_call_minute(self, service: str, operations: Iterable[str], queue: str | None = None) -> float:
        wanted = set(operations)
        total = sum(
            n
            for (svc, op, q), n in self.requests.items()
            if svc == service and op in wanted and (queue is None or queue.lower() in q.lower())
        )
        return total / self.call_minutes


# The export index's projection (infra/constructs/storage.py; a test checks they agree, without starting CDK here)
EXPORT_INDEX_ATTRIBUTES = ("body",)
WORKER_ACCESS_KEY = "bench-worker"  # the worker process signs with this key: its requests are the ones counted


def moto_lookup(region: str) -> ItemLookup:  # pragma: no cover - needs the in-process moto backend
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    def lookup(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_item(table, key)
        return None if item is None else item.to_json()["Attributes"]

    return lookup


def measure(n_calls: int) -> Measurement:  # pragma: no cover - minutes of real-time audio; run by `make cost`
    from connect_transcribe.adapters.dynamodb_export import CREATED_AT_ATTRIBUTE, EXPORT_SLOT_ATTRIBUTE
    from connect_transcribe_dev import kvs_server
    from moto.server import ThreadedMotoServer

    from bench.gateway import bench as gateway_bench

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    counts: Counter[Key] = Counter()
    kvs_bytes = 0

    original_send = kvs_server._send_chunk

    def counted_send(request: Any, data: bytes) -> None:
        nonlocal kvs_bytes
        kvs_bytes += len(data)
        original_send(request, data)

    meter = CapacityMeter(
        moto_lookup("us-east-1"),
        index_keys=(EXPORT_SLOT_ATTRIBUTE, CREATED_AT_ATTRIBUTE),
        index_attributes=EXPORT_INDEX_ATTRIBUTES,
    )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    assert server._server is not None
    app = CountingApp(server._server.app, counts, access_key=WORKER_ACCESS_KEY, meter=meter)
    server._server.app = app
    host, port = server.get_host_and_port()
    kvs_server._send_chunk = counted_send
    try:
        result = gateway_bench.run(
            n_calls, 1.0, f"http://{host}:{port}", worker_env={"AWS_ACCESS_KEY_ID": WORKER_ACCESS_KEY}
        )
    finally:
        kvs_server._send_chunk = original_send
        server.stop()
    with wave.open(str(gateway_bench.SAMPLE)) as sample:
        call_seconds = sample.getnframes() / sample.getframerate()
    return Measurement(
        calls=n_calls,
        call_minutes=n_calls * call_seconds / 60,
        utterances=int(result["utterances"]),
        requests=dict(counts),
        kvs_bytes=kvs_bytes,
        capacity={**app.capacity, **app.capacity_by_operation},
    )
