"""HTTP transport for webhook delivery: one requests Session per TLS configuration, kept for the life of the
container so warm invocations reuse connections; TLS 1.2+ only, optional custom CA and client certificate
(mTLS), and the SSRF guard applied to the address every new connection actually reached."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import certifi
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from connect_transcribe.delivery.ports import MAX_REPLY_BYTES, HttpReply, RefusedTarget, TransportFailure
from connect_transcribe.delivery.ssrf import TargetPolicy

USER_AGENT = "connect-transcribe-webhook/1"


class TlsConfigurationError(ValueError):
    """The configured TLS material cannot work (message names what is missing, never the material)."""


@dataclass(frozen=True)
class TlsMaterial:
    """PEM text from the webhook secret; all optional."""

    ca_bundle_pem: str | None = None
    certificate_pem: str | None = None
    private_key_pem: str | None = None

    @property
    def fingerprint(self) -> str:
        parts = (self.ca_bundle_pem or "", self.certificate_pem or "", self.private_key_pem or "")
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class ClientCertificateFiles:
    """ssl can only load a client certificate and key from files: write them once per secret version into a
    private directory (0700, files 0600) and remove the previous version's files on rotation."""

    def __init__(self) -> None:
        self._dir: str | None = None
        self._fingerprint: str | None = None

    def paths(self, certificate_pem: str, private_key_pem: str) -> tuple[str, str]:
        fingerprint = hashlib.sha256(f"{certificate_pem}\0{private_key_pem}".encode()).hexdigest()
        if self._dir is None or fingerprint != self._fingerprint:
            self.remove()
            directory = tempfile.mkdtemp(prefix="webhook-mtls-")  # mode 0700
            for name, text in (("client.crt", certificate_pem), ("client.key", private_key_pem)):
                fd = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as file:
                    file.write(text)
            self._dir, self._fingerprint = directory, fingerprint
        return os.path.join(self._dir, "client.crt"), os.path.join(self._dir, "client.key")

    def remove(self) -> None:
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = self._fingerprint = None


def ssl_context(material: TlsMaterial, files: ClientCertificateFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if material.ca_bundle_pem:  # a custom CA replaces the public roots: trust exactly what was configured
        context.load_verify_locations(cadata=material.ca_bundle_pem)
    else:
        context.load_verify_locations(cafile=certifi.where())
    if material.certificate_pem or material.private_key_pem:
        if not (material.certificate_pem and material.private_key_pem):
            raise TlsConfigurationError("mTLS needs both certificatePem and privateKeyPem")
        certfile, keyfile = files.paths(material.certificate_pem, material.private_key_pem)
        context.load_cert_chain(certfile, keyfile)
    return context


def _guarded(connection: type[HTTPConnection], policy: TargetPolicy) -> type[HTTPConnection]:
    class Guarded(connection):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            try:
                policy.check_address(sock.getpeername()[0])
            except RefusedTarget:
                sock.close()
                raise
            return sock

    return Guarded


class GuardedTlsAdapter(HTTPAdapter):
    """Every connection uses our SSLContext (not requests' defaults) and passes the SSRF address check."""

    def __init__(self, context: ssl.SSLContext, policy: TargetPolicy) -> None:
        self._context = context
        self._policy = policy
        super().__init__(pool_connections=2, pool_maxsize=4, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, ssl_context=self._context, **pool_kwargs)
        https = type(
            "GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": _guarded(HTTPSConnection, self._policy)}
        )
        http = type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": _guarded(HTTPConnection, self._policy)})
        manager: PoolManager = self.poolmanager
        manager.pool_classes_by_scheme = {"http": http, "https": https}

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would add certifi's roots to the pool even when a custom CA bundle is configured.
        return


class RequestsTransport:
    """HttpTransport over requests. `tls` is read per request (cheap: the secret is cached); a changed value
    (secret rotation) builds a new Session, otherwise the same Session and its connections are reused."""

    def __init__(self, policy: TargetPolicy, tls: Callable[[], TlsMaterial] = TlsMaterial) -> None:
        self._policy = policy
        self._tls = tls
        self._files = ClientCertificateFiles()
        self._lock = threading.Lock()
        self._session: requests.Session | None = None
        self._fingerprint: str | None = None

    def session(self) -> requests.Session:
        material = self._tls()
        with self._lock:
            if self._session is None or material.fingerprint != self._fingerprint:
                if self._session is not None:
                    self._session.close()
                self._session = self._build(material)
                self._fingerprint = material.fingerprint
            return self._session

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
            self._session = None
            self._files.remove()

    def _build(self, material: TlsMaterial) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxies or .netrc credentials picked up from the environment
        adapter = GuardedTlsAdapter(ssl_context(material, self._files), self._policy)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers["User-Agent"] = USER_AGENT
        return session

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout_s: float) -> HttpReply:
        self._policy.check_url(url)
        try:
            session = self.session()
        except TlsConfigurationError as exc:
            raise TransportFailure(f"TLS configuration unusable: {exc}", permanent=True) from None
        except (ssl.SSLError, OSError) as exc:  # PEM text that does not parse, key not matching the certificate
            raise TransportFailure(f"TLS configuration unusable: {type(exc).__name__}", permanent=True) from None
        connect_s = min(timeout_s, max(1.0, timeout_s / 2))
        try:
            with session.post(
                url,
                data=body,
                headers=dict(headers),
                timeout=(connect_s, timeout_s),
                stream=True,
                allow_redirects=False,  # a redirect is a failed delivery, never a hop to another host
            ) as response:
                raw = response.raw.read(MAX_REPLY_BYTES, decode_content=True) or b""
                return HttpReply(
                    status=response.status_code,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    body=raw,
                )
        except requests.exceptions.ConnectTimeout:
            raise TransportFailure(f"connect timeout after {connect_s:.1f} s") from None
        except requests.exceptions.ReadTimeout:
            raise TransportFailure(f"no answer within {timeout_s:.1f} s") from None
        except requests.exceptions.ConnectionError as exc:  # SSLError included
            raise _tls_failure(exc) or TransportFailure(f"connection failed: {_cause(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise TransportFailure(f"request failed: {type(exc).__name__}") from None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        pending.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return seen


# Alerts that say the configuration on one side is wrong (our certificate refused, no common TLS version):
# retrying cannot help, so the record is dead-lettered at once.
PERMANENT_TLS_REASONS = frozenset(
    {
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "TLSV1_ALERT_UNKNOWN_CA",
        "TLSV1_ALERT_ACCESS_DENIED",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "UNSUPPORTED_PROTOCOL",
        "WRONG_VERSION_NUMBER",  # the target speaks plain HTTP on an https:// URL
    }
)


def _tls_failure(exc: BaseException) -> TransportFailure | None:
    """Name the TLS problem (certificate not trusted, client certificate refused) without the URL."""
    for inner in _chain(exc):
        if isinstance(inner, ssl.SSLCertVerificationError):
            return TransportFailure(f"TLS: server certificate rejected ({inner.verify_message})", permanent=True)
        reason = getattr(inner, "reason", None)  # only errors raised by the ssl module itself carry one
        if isinstance(inner, ssl.SSLError) and reason:
            return TransportFailure(f"TLS: {reason}", permanent=reason in PERMANENT_TLS_REASONS)
    return None


_SOCKET_ERRORS: tuple[tuple[type[BaseException], str], ...] = (
    (socket.gaierror, "name resolution failed"),
    (ConnectionRefusedError, "connection refused"),
    (ConnectionResetError, "connection reset"),
    (BrokenPipeError, "connection closed by the peer"),
    (ConnectionAbortedError, "connection closed by the peer"),
    # The peer hung up without a TLS alert, e.g. a TLS 1.3 server refusing our certificate after our side had
    # finished the handshake (reason-less; an EOF that OpenSSL names is reported by _tls_failure instead).
    (ssl.SSLEOFError, "connection closed by the peer"),
)


def _cause(exc: BaseException) -> str:
    chain = _chain(exc)
    for inner in chain:
        for kind, text in _SOCKET_ERRORS:
            if isinstance(inner, kind):
                return text
    if any("RemoteDisconnected" in type(inner).__name__ for inner in chain):
        return "connection closed by the peer"
    return type(exc).__name__
