"""Request bodies: size limit, JSON object, then the request model (shared by every API resolver)."""

from __future__ import annotations

import json
from typing import TypeVar

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel

from connect_transcribe.errors import MalformedBody, PayloadTooLarge

M = TypeVar("M", bound=BaseModel)


def parse_body(event: APIGatewayProxyEvent, model: type[M], max_body_bytes: int) -> M:
    """The body as `model`: 413 over the limit, 400-01 unless a JSON object, 400-02 (ValidationError) if invalid."""
    raw = event.decoded_body if event.is_base64_encoded else event.body
    data = (raw or "").encode() if isinstance(raw, str) else (raw or b"")
    if len(data) > max_body_bytes:
        raise PayloadTooLarge(f"body: {len(data)} bytes exceeds the limit of {max_body_bytes} bytes")
    if not data.strip():
        raise MalformedBody("body: a JSON object is required")
    try:
        payload = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"body: not valid JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise MalformedBody(f"body: must be a JSON object, got {type(payload).__name__}")
    return model.model_validate(payload)
