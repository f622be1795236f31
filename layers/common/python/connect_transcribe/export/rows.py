"""A stored utterance body as one feed row (the columns of models.feed.COLUMNS)."""

from __future__ import annotations

import json
from typing import Any

from connect_transcribe.control.message_history import iso_ms


class CorruptMessage(Exception):
    """A stored message that is not an utterance body; the hour fails rather than export a partial feed."""


def feed_row(body: str, dt: str, hr: str) -> dict[str, Any]:
    """`body` is UtteranceMessage JSON as the gateway stored it; dt/hr are the partition being written."""
    try:
        message = json.loads(body)
        created = int(message["published_at_ms"])
        return {
            "conversation_id": message["guid"],
            "stream_id": message["stream_id"],
            "sender_role": message["role"],
            "sender_external_id": message["external_id"],
            "utterance_id": message["utterance_id"],
            "sequence": int(message["sequence"]),
            "start_ms": int(message["start_ms"]),
            "end_ms": int(message["end_ms"]),
            "text": message["text"],
            "language": message["language"],
            "created_ts": iso_ms(created),
            "created_at_ms": created,
            "dt": dt,
            "hr": hr,
        }
    except (ValueError, KeyError, TypeError) as exc:
        # Never the body itself in the message: it holds transcript text.
        raise CorruptMessage(f"stored message is not an utterance body ({type(exc).__name__}: {exc!s:.80})") from exc
