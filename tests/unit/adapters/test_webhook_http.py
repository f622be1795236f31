"""TLS material handling of the webhook transport: TLS 1.2 floor, private client-certificate files written once
per secret version and removed on rotation; how a connection failure is named."""

from __future__ import annotations

import os
import ssl
import stat

import pytest
import requests
import urllib3
from connect_transcribe.adapters.webhook_http import (
    ClientCertificateFiles,
    RequestsTransport,
    TlsConfigurationError,
    TlsMaterial,
    ssl_context,
)
from connect_transcribe.delivery.ports import TransportFailure
from connect_transcribe.delivery.ssrf import TargetPolicy

from tests.integration.delivery.servers import make_pki


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def test_context_requires_tls_1_2_and_verification(pki) -> None:
    context = ssl_context(TlsMaterial(ca_bundle_pem=pki.ca_pem), ClientCertificateFiles())
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


def test_client_certificate_files_are_private_and_written_once_per_version(pki) -> None:
    files = ClientCertificateFiles()
    cert, key = files.paths(pki.client.certificate_pem, pki.client.private_key_pem)
    try:
        assert stat.S_IMODE(os.stat(os.path.dirname(cert)).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(cert).st_mode) == 0o600 and stat.S_IMODE(os.stat(key).st_mode) == 0o600
        written = os.stat(key).st_mtime_ns
        assert files.paths(pki.client.certificate_pem, pki.client.private_key_pem) == (cert, key)
        assert os.stat(key).st_mtime_ns == written

        rotated = files.paths(pki.rogue_client.certificate_pem, pki.rogue_client.private_key_pem)
        assert rotated != (cert, key) and not os.path.exists(cert)
    finally:
        files.remove()
    assert not os.path.exists(rotated[0])


def test_half_an_mtls_configuration_is_refused(pki) -> None:
    with pytest.raises(TlsConfigurationError):
        ssl_context(TlsMaterial(certificate_pem=pki.client.certificate_pem), ClientCertificateFiles())


class FailingSession:
    def __init__(self, error: BaseException) -> None:
        self._error = error

    def post(self, *args: object, **kwargs: object) -> None:
        raise self._error


def eof_without_an_alert() -> requests.exceptions.SSLError:
    """What requests raises when the server hangs up after the handshake without sending a TLS alert."""
    eof = ssl.SSLEOFError(8, "EOF occurred in violation of protocol (_ssl.c:2427)")
    pool_error = urllib3.exceptions.MaxRetryError(None, "/", reason=urllib3.exceptions.SSLError(eof))
    return requests.exceptions.SSLError(pool_error)


def test_a_hang_up_without_a_tls_alert_is_a_transient_peer_close(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = RequestsTransport(TargetPolicy(allow_private=True))
    monkeypatch.setattr(transport, "session", lambda: FailingSession(eof_without_an_alert()))

    with pytest.raises(TransportFailure) as failure:
        transport.post("https://127.0.0.1:1/", b"{}", {}, 1.0)

    assert str(failure.value) == "connection failed: connection closed by the peer"
    assert not failure.value.permanent
