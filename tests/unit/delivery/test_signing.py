from __future__ import annotations

import hashlib
import hmac

from connect_transcribe.delivery.signing import signature, verify


def test_signature_is_hex_hmac_sha256_of_the_exact_bytes() -> None:
    body = b'{"type":"transcript"}'
    assert signature("k" * 20, body) == hmac.new(b"k" * 20, body, hashlib.sha256).hexdigest()


def test_verify_accepts_the_right_signature_only() -> None:
    body = b'{"a":1}'
    good = signature("shared-secret-123456", body)
    assert verify("shared-secret-123456", body, good)
    assert verify("shared-secret-123456", body, good.upper())
    assert not verify("shared-secret-123456", b'{"a": 1}', good)  # re-serialised body: different bytes
    assert not verify("other-secret-12345678", body, good)
    assert not verify("shared-secret-123456", body, None)
