"""Real HTTPS servers on loopback for delivery tests: certificates (CA, server, client, made by bench.delivery.tls,
which the delivery benchmark shares), a scripted webhook receiver that checks credentials the way a customer
endpoint would, and an OAuth2 token endpoint (client credentials grant)."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.delivery.tls import Issued, authority
from tests.webhook_schema import schema_errors

REPO = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    server: Issued
    client: Issued
    rogue_ca_pem: str  # an unrelated CA: its server/client certificates must be refused
    rogue_server: Issued
    rogue_client: Issued


def make_pki() -> Pki:
    ca = authority("connect-transcribe test CA")
    rogue = authority("somebody else's CA")
    return Pki(
        ca_pem=ca.pem,
        server=ca.issue("webhook.test", server=True),
        client=ca.issue("connect-transcribe-delivery", server=False),
        rogue_ca_pem=rogue.pem,
        rogue_server=rogue.issue("webhook.test", server=True),
        rogue_client=rogue.issue("impostor", server=False),
    )


# ---------------------------------------------------------------- servers


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    connection: tuple[str, int]  # client address: the same value across requests means a reused connection
    received_at: float  # time.perf_counter()
    client_certificate: dict[str, Any] | None = None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok":true}'
    delay_s: float = 0.0


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None) -> None:
        self._context = context
        super().__init__(("127.0.0.1", 0), handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self._context is None:
            return sock, address
        # Handshake in the connection's thread, so a client failing it does not stall the accept loop.
        return self._context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # failed handshakes are expected in the negative tests


class HttpServer:
    """Threaded HTTP(S) server on 127.0.0.1 answering every request with `respond(request)`."""

    def __init__(self, respond: Callable[[Request], Reply], context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Request] = []
        self.handshake_failures = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: lets the client reuse connections

            def log_message(self, *args: object) -> None:
                return

            def setup(self) -> None:
                if isinstance(self.request, ssl.SSLSocket):
                    try:
                        self.request.do_handshake()
                    except (ssl.SSLError, OSError):
                        server.handshake_failures += 1
                        raise
                super().setup()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                peer = self.request.getpeercert() if isinstance(self.request, ssl.SSLSocket) else None
                request = Request(
                    method="POST",
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    connection=self.client_address,
                    received_at=time.perf_counter(),
                    client_certificate=peer or None,
                )
                server.requests.append(request)
                reply = respond(request)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    return  # the client gave up waiting (timeout tests)

        self._server = _TlsServer(Handler, context)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        scheme = "https" if context else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Receiver(HttpServer):
    """A customer's webhook endpoint: checks the credential with `authorized`, answers scripted replies in turn
    (then 200), and keeps what it accepted."""

    def __init__(
        self,
        context: ssl.SSLContext | None,
        *,
        authorized: Callable[[Request], bool] = lambda request: True,
        replies: list[Reply] | None = None,
    ) -> None:
        self.script = list(replies or [])
        self.override: Callable[[Request], Reply | None] | None = None  # a reply for chosen requests
        self.accepted: list[Request] = []
        self.rejected: list[Request] = []
        self.schema_errors: list[str] = []  # each body is checked against the documented transcript schema
        self._lock = threading.Lock()

        def respond(request: Request) -> Reply:
            self.schema_errors += schema_errors(request.json())
            if not authorized(request):
                self.rejected.append(request)
                return Reply(401, body=b'{"error":"unauthorized"}')
            reply = self.override(request) if self.override else None
            if reply is None:
                with self._lock:
                    reply = self.script.pop(0) if self.script else Reply()
            if 200 <= reply.status < 300:
                self.accepted.append(request)
            return reply

        super().__init__(respond, context)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if exc[0] is None:
            assert not self.schema_errors, f"webhook bodies that do not match docs/openapi.json: {self.schema_errors}"

    def unique_utterances(self) -> list[dict[str, Any]]:
        """What a receiver that de-duplicates on utteranceId ends up with, in arrival order."""
        seen: dict[str, dict[str, Any]] = {}
        for request in self.accepted:
            body = request.json()
            seen.setdefault(body["utteranceId"], body)
        return list(seen.values())


class TokenEndpoint(HttpServer):
    """OAuth2 client-credentials token endpoint (client_secret_basic)."""

    def __init__(
        self, context: ssl.SSLContext, *, client_id: str, client_secret: str, expires_in: float = 3600
    ) -> None:
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.forms: list[dict[str, list[str]]] = []
        expected = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()

        def respond(request: Request) -> Reply:
            form = parse_qs(request.body.decode())
            self.forms.append(form)
            if request.headers.get("authorization") != expected:
                return Reply(401, body=b'{"error":"invalid_client"}')
            if form.get("grant_type") != ["client_credentials"]:
                return Reply(400, body=b'{"error":"unsupported_grant_type"}')
            token = f"token-{len(self.issued) + 1}"
            self.issued.append(token)
            answer = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
            return Reply(200, {"Content-Type": "application/json"}, json.dumps(answer).encode())

        super().__init__(respond, context)
        self.token_url = f"{self.url}/oauth2/token"
