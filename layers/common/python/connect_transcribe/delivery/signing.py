"""Optional HMAC-SHA256 body signature, so receivers can check a POST came from this deployment unchanged."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature-SHA256"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: str, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of the exact body bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header_value: str | None) -> bool:
    """What a receiver does: recompute over the raw body it received and compare in constant time."""
    if not header_value:
        return False
    return hmac.compare_digest(signature(secret, body), header_value.strip().lower())
