"""A loopback HTTP server that turns requests into API Gateway REST proxy events for a Lambda handler.

Local mode and tests serve the real API handler through it. With `require_sigv4` it rejects requests
that lack a SigV4 `Authorization` header for execute-api, as API Gateway's AWS_IAM auth would; it does
not verify signatures (any local credentials are accepted), so it is not an authentication boundary.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connect_transcribe_dev.lambda_context import LocalLambdaContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

SIGV4 = re.compile(r"^AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/[a-z0-9-]+/execute-api/aws4_request, ")
STAGE = "local"


def proxy_event(method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str) -> dict[str, Any]:
    parts = urlsplit(raw_path)
    query = parse_qs(parts.query, keep_blank_values=True)
    request_id = str(uuid.uuid4())
    return {
        "resource": parts.path,
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "body": body.decode("utf-8", errors="replace") if body else None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": parts.path,
            "httpMethod": method,
            "path": f"/{STAGE}{parts.path}",
            "stage": STAGE,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "accountId": "000000000000",
            "apiId": "local",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
        },
    }


class LocalApiGateway:
    """Serve `handler` on http://127.0.0.1:<port>; use as a context manager or call start()/stop()."""

    def __init__(
        self, handler: Handler, *, port: int = 0, require_sigv4: bool = False, max_body_bytes: int = 10 * 1024 * 1024
    ) -> None:
        gateway = self

        class _Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test and demo output clean
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > max_body_bytes:
                    gateway._reply(self, 413, _error_body("413-00", "Request Too Large"))
                    self.close_connection = True
                    return
                body = self.rfile.read(length) if length else b""
                headers = dict(self.headers.items())
                if require_sigv4 and not SIGV4.match(headers.get("Authorization", "")):
                    gateway._reply(self, 403, _error_body("403-00", "Missing Authentication Token"))
                    return
                event = proxy_event(self.command, self.path, headers, body, self.client_address[0])
                result = handler(event, LocalLambdaContext(function_name="api", timeout_seconds=29))
                gateway._reply(
                    self,
                    int(result.get("statusCode", 502)),
                    (result.get("body") or "").encode(),
                    result.get("headers") or {},
                )

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Request)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-apigw", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalApiGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalApiGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        request.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


def response_headers(result: dict[str, Any]) -> dict[str, str]:
    """A Lambda proxy result's headers, single- and multi-value forms merged (last value wins)."""
    headers = dict(result.get("headers") or {})
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if values:
            headers[name] = str(values[-1])
    return headers


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"requestId": str(uuid.uuid4()), "code": code, "message": message}}).encode()
