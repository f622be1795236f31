"""Real HTTPS servers on loopback for delivery tests: certificates generated here (CA, server, client), a
scripted webhook receiver that checks credentials the way a customer endpoint would, and an OAuth2 token
endpoint (client credentials grant)."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
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

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Issued:
    certificate_pem: str
    private_key_pem: str


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    server: Issued
    client: Issued
    rogue_ca_pem: str  # an unrelated CA: its server/client certificates must be refused
    rogue_server: Issued
    rogue_client: Issued


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())  # fast to generate, unlike RSA


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _ca(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], name: str, *, server: bool) -> Issued:
    ca_cert, ca_key = ca
    key = _key()
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    return Issued(cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key))


def make_pki() -> Pki:
    ca = _ca("connect-transcribe test CA")
    rogue = _ca("somebody else's CA")
    return Pki(
        ca_pem=ca[0].public_bytes(serialization.Encoding.PEM).decode(),
        server=_leaf(ca, "webhook.test", server=True),
        client=_leaf(ca, "connect-transcribe-delivery", server=False),
        rogue_ca_pem=rogue[0].public_bytes(serialization.Encoding.PEM).decode(),
        rogue_server=_leaf(rogue, "webhook.test", server=True),
        rogue_client=_leaf(rogue, "impostor", server=False),
    )


def server_context(issued: Issued, directory: Path, *, client_ca_pem: str | None = None) -> ssl.SSLContext:
    """TLS 1.2+ server context; with `client_ca_pem`, a client certificate from that CA is required (mTLS)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "server.crt", directory / "server.key"
    cert.write_text(issued.certificate_pem)
    key.write_text(issued.private_key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca_pem:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=client_ca_pem)
    return context


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
        self._lock = threading.Lock()

        def respond(request: Request) -> Reply:
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
