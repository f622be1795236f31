"""The documented webhook message schemas (docs/openapi.json, `webhooks`) as validators for tests that receive
webhook bodies: the delivery tests' loopback receivers and the end-to-end tests' local-mode receiver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connect_transcribe.api.openapi import webhook_schema
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[1]


def _closed(node: Any) -> Any:
    """The schema with every object closed (additionalProperties false): a field the document does not name fails."""
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items()}
        if closed.get("type") == "object" and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(value) for value in node]
    return node


# The committed document's webhook messages, by type: every body a test receiver gets must conform to its own.
_DOCUMENT = json.loads((REPO / "docs/openapi.json").read_text())
SCHEMAS = {
    name: Draft202012Validator(_closed(webhook_schema(_DOCUMENT, name)))
    for name in ("transcript", "transcript-interim")
}


def schema_errors(body: Any) -> list[str]:
    """Where `body` departs from the documented message of its `type` (empty: it conforms)."""
    message_type = body.get("type") if isinstance(body, dict) else None
    schema = SCHEMAS.get(message_type) if isinstance(message_type, str) else None
    if schema is None:
        return [f"$.type: {message_type!r} is not a documented webhook message type"]
    return [f"{error.json_path}: {error.message}" for error in schema.iter_errors(body)]
