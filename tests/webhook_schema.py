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


# The committed document's transcript message: every body a test receiver gets must conform to it.
TRANSCRIPT_SCHEMA = Draft202012Validator(
    _closed(webhook_schema(json.loads((REPO / "docs/openapi.json").read_text()), "transcript"))
)


def schema_errors(body: Any) -> list[str]:
    """Where `body` departs from the documented transcript message (empty: it conforms)."""
    return [f"{error.json_path}: {error.message}" for error in TRANSCRIPT_SCHEMA.iter_errors(body)]
