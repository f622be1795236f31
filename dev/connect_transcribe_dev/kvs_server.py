"""A loopback Kinesis Video Streams server (control plane, GetMedia, GetMediaForFragmentList) that unmodified
boto3 clients stream from with endpoint_url, for tests and local mode. See docs/local-kvs.md."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from connect_transcribe_dev.kvs_faults import Faults, GetMediaConnection
from connect_transcribe_dev.kvs_store import (
    FRAGMENT_NOT_FOUND,
    Cursor,
    Delivery,
    LocalStream,
    SelectorError,
    error_chunk,
)

MEDIA_TYPE = "video/webm"  # what KVS answers GetMedia with, whatever the stream holds
WAIT_SLICE_S = 0.2  # a waiting reader checks this often whether its client has gone away
MAX_REQUEST_BYTES = 1024 * 1024

__all__ = ["Faults", "LocalKvs", "LocalStream"]


class ApiError(Exception):
    """An error answered in the AWS rest-json shape, so botocore raises ClientError with this code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many concurrent calls connect at once in load tests
    kvs: LocalKvs


class _Request(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        self.server.kvs._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.kvs._track(self.connection, open_=False)
        super().finish()

    def log_message(self, *args: object) -> None:  # keep test and demo output clean
        return

    def do_POST(self) -> None:
        self.server.kvs._serve(self)


class LocalKvs:
    """Serve streams on http://127.0.0.1:<port>; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        port: int = 0,
        region: str = "us-east-1",
        account: str = "123456789012",
        delivery: Delivery = "block",
        idle_close_s: float = 5.0,
        max_get_media_per_s: int = 5,
        max_connections_per_stream: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` gives server timestamps (epoch seconds); tests pass a fake one to pin SERVER_TIMESTAMP."""
        if delivery not in ("block", "fragment"):
            raise ValueError(f"delivery must be 'block' or 'fragment', not {delivery!r}")
        self.region = region
        self.account = account
        self.delivery: Delivery = delivery
        self.idle_close_s = idle_close_s
        self.max_get_media_per_s = max_get_media_per_s
        self.max_connections_per_stream = max_connections_per_stream
        self.get_media_log: list[dict[str, Any]] = []
        self._port = port
        self._clock = clock
        self._lock = threading.Lock()
        self._streams: dict[str, LocalStream] = {}
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._connections: list[GetMediaConnection] = []
        self._sockets: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.faults = Faults(self.stream, self._live_connections)

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> LocalKvs:
        self._stopping.clear()
        self._httpd = _HttpServer(("127.0.0.1", self._port), _Request)
        self._httpd.kvs = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="local-kvs", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, then cut every open connection (a live GetMedia sees a truncated body)."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        with self._lock:
            streams, sockets = list(self._streams.values()), list(self._sockets)
        for stream in streams:
            with stream.changed:
                stream.changed.notify_all()
        for sock in sockets:
            _shutdown(sock)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> LocalKvs:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("LocalKvs is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- streams --------------------------------------------------------------------------------------------------

    def create_stream(self, name: str) -> str:
        with self._lock:
            if name in self._streams:
                raise ValueError(f"stream {name} already exists")
            created_ms = round(self._clock() * 1000)
            arn = f"arn:aws:kinesisvideo:{self.region}:{self.account}:stream/{name}/{created_ms}"
            self._streams[name] = LocalStream(name, arn, created_ms, clock=self._clock)
            return arn

    def stream(self, name_or_arn: str) -> LocalStream:
        with self._lock:
            if name_or_arn.startswith("arn:"):
                found = next((s for s in self._streams.values() if s.arn == name_or_arn), None)
            else:
                found = self._streams.get(name_or_arn)
        if found is None:
            raise KeyError(f"no stream {name_or_arn}")
        return found

    def _live_connections(self) -> list[GetMediaConnection]:
        with self._lock:
            return list(self._connections)

    def _track(self, sock: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._sockets.add(sock)
            else:
                self._sockets.discard(sock)

    # -- HTTP -----------------------------------------------------------------------------------------------------

    def _serve(self, request: _Request) -> None:
        try:
            body = _read_json(request)
            operation = urlsplit(request.path).path
            if operation == "/getMedia":
                self._get_media(request, body)
            elif operation == "/getDataEndpoint":
                self._lookup(body)
                _reply_json(request, 200, {"DataEndpoint": self.endpoint_url})
            elif operation == "/describeStream":
                _reply_json(request, 200, {"StreamInfo": self._describe(self._lookup(body))})
            elif operation == "/createStream":
                _reply_json(request, 200, {"StreamARN": self._create(body)})
            elif operation == "/getMediaForFragmentList":
                self._get_media_for_fragment_list(request, body)
            else:
                raise ApiError(404, "UnknownOperationException", f"{operation} is not implemented by LocalKvs")
        except ApiError as exc:
            _reply_json(request, exc.status, {"message": exc.message}, error_type=exc.code)

    def _lookup(self, body: dict[str, Any]) -> LocalStream:
        key = body.get("StreamARN") or body.get("StreamName")
        if not isinstance(key, str) or not key:
            raise ApiError(400, "InvalidArgumentException", "StreamName or StreamARN is required")
        try:
            return self.stream(key)
        except KeyError:
            raise ApiError(404, "ResourceNotFoundException", f"The stream {key} is not found or not active") from None

    def _describe(self, stream: LocalStream) -> dict[str, Any]:
        return {
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "MediaType": "audio/x-matroska",
            "Status": "ACTIVE",
            "Version": "1",
            "CreationTime": stream.created_ms / 1000,
            "DataRetentionInHours": 24,
        }

    def _create(self, body: dict[str, Any]) -> str:
        name = body.get("StreamName")
        if not isinstance(name, str) or not name:
            raise ApiError(400, "InvalidArgumentException", "StreamName is required")
        try:
            return self.create_stream(name)
        except ValueError:
            raise ApiError(400, "ResourceInUseException", f"The stream {name} already exists") from None

    def _get_media(self, request: _Request, body: dict[str, Any]) -> None:
        selector = body.get("StartSelector")
        entry: dict[str, Any] = {"stream": body.get("StreamName") or body.get("StreamARN"), "selector": selector}
        entry["at"] = time.monotonic()
        try:
            stream = self._lookup(body)
            entry["stream"] = stream.name
            if not isinstance(selector, dict):
                raise ApiError(400, "InvalidArgumentException", "StartSelector is required")
            with stream.changed:
                try:
                    start = stream.start(selector)
                except SelectorError as exc:
                    raise ApiError(400, "InvalidArgumentException", str(exc)) from None
            connection = self._admit(stream, entry["at"])
        except ApiError as exc:
            entry["status"] = exc.status
            self.get_media_log.append(entry)
            raise
        entry["status"] = 200
        self.get_media_log.append(entry)
        try:
            self.faults.connected(connection)
            request.send_response(200)
            request.send_header("Content-Type", MEDIA_TYPE)
            request.send_header("Transfer-Encoding", "chunked")
            request.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            request.end_headers()
            if isinstance(start, bytes):  # the selector named a fragment KVS does not have
                _send_chunk(request, start)
                _end_body(request)
            else:
                self._pump(request, stream, start, connection)
        except OSError:  # the client went away
            request.close_connection = True
        finally:
            with self._lock:
                self._connections.remove(connection)

    def _admit(self, stream: LocalStream, now: float) -> GetMediaConnection:
        with self._lock:
            calls = self._calls[stream.name]
            while calls and calls[0] <= now - 1.0:
                calls.popleft()
            calls.append(now)  # rejected calls count too, as with any throttled API
            if len(calls) > self.max_get_media_per_s:
                raise ApiError(400, "ClientLimitExceededException", "GetMedia call rate limit exceeded for stream")
            if sum(c.stream is stream for c in self._connections) >= self.max_connections_per_stream:
                raise ApiError(400, "ConnectionLimitExceededException", "Too many GetMedia connections to stream")
            connection = GetMediaConnection(stream)
            self._connections.append(connection)
            return connection

    def _pump(self, request: _Request, stream: LocalStream, cursor: Cursor, connection: GetMediaConnection) -> None:
        """Send the stream from `cursor` as it grows; end cleanly after idle_close_s without new data."""
        idle_deadline = time.monotonic() + self.idle_close_s
        while True:
            with stream.changed:
                while True:
                    if self._stopping.is_set() or connection.cut_now:
                        _abort(request)
                        return
                    stalled = self.faults.stall_left(stream)
                    if stalled > 0:
                        stream.changed.wait(min(stalled, WAIT_SLICE_S))
                        idle_deadline = time.monotonic() + self.idle_close_s
                        continue
                    data, last = stream.take(cursor, self.delivery)
                    if data:
                        break
                    left = idle_deadline - time.monotonic()
                    if left <= 0:
                        _end_body(request)
                        return
                    stream.changed.wait(min(left, WAIT_SLICE_S))
                    if _client_gone(request.connection):
                        request.close_connection = True
                        return
            data, cut = connection.allow(data)
            if data:
                _send_chunk(request, data)
            if cut:
                _abort(request)
                return
            if last:
                _end_body(request)
                return
            idle_deadline = time.monotonic() + self.idle_close_s

    def _get_media_for_fragment_list(self, request: _Request, body: dict[str, Any]) -> None:
        stream = self._lookup(body)
        numbers = body.get("Fragments")
        if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
            raise ApiError(400, "InvalidArgumentException", "Fragments must be a non-empty list of fragment numbers")
        chunks = []
        for number in numbers:
            fragment = stream.fragment(number)
            if fragment is None or not fragment.complete:
                chunks.append(error_chunk(FRAGMENT_NOT_FOUND, f"Requested fragment {number} is not found", number))
            else:
                chunks.append(fragment.data)
        _reply(request, 200, b"".join(chunks), MEDIA_TYPE)


def _read_json(request: _Request) -> dict[str, Any]:
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_REQUEST_BYTES:
        request.close_connection = True
        raise ApiError(413, "InvalidArgumentException", "Request too large")
    raw = request.rfile.read(length) if length else b""
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        raise ApiError(400, "InvalidArgumentException", "Request body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidArgumentException", "Request body must be a JSON object")
    return body


def _reply(request: _Request, status: int, payload: bytes, content_type: str, error_type: str | None = None) -> None:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(payload)))
    request.send_header("x-amzn-RequestId", str(uuid.uuid4()))
    if error_type:
        request.send_header("x-amzn-ErrorType", error_type)
    request.end_headers()
    request.wfile.write(payload)


def _reply_json(request: _Request, status: int, body: dict[str, Any], error_type: str | None = None) -> None:
    _reply(request, status, json.dumps(body).encode(), "application/json", error_type)


def _send_chunk(request: _Request, data: bytes) -> None:
    # One HTTP chunk per write and no buffering, so a client reading chunk by chunk gets each block immediately.
    request.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))


def _end_body(request: _Request) -> None:
    request.wfile.write(b"0\r\n\r\n")


def _abort(request: _Request) -> None:
    """Close without the final chunk: the client sees a body that ends in the middle."""
    request.close_connection = True
    _shutdown(request.connection)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        sock.shutdown(socket.SHUT_RDWR)


def _client_gone(sock: socket.socket) -> bool:
    """A client that closed its end makes the socket readable with nothing to read."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True
