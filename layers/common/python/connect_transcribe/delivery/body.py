"""Map an UtteranceMessage to the exact webhook body bytes (deterministic, so a redelivery is byte-identical
and carries the same signature)."""

from __future__ import annotations

from typing import Any

from connect_transcribe.models.utterance import InterimMessage, UtteranceMessage
from connect_transcribe.models.webhook import (
    AutotranscribeResponse,
    InterimResponse,
    WebhookBody,
    WebhookInterimBody,
    WebhookSender,
    WebhookToken,
    WebhookUtterance,
)


def webhook_body(message: UtteranceMessage) -> WebhookBody:
    tokens = None
    if message.tokens is not None:
        tokens = tuple(
            WebhookToken(text=t.text, start=t.start_ms, end=t.end_ms, confidence=t.confidence) for t in message.tokens
        )
    utterance = WebhookUtterance(text=message.text, unredacted_text=message.unredacted_text, tokens=tokens)
    response = AutotranscribeResponse(start=message.start_ms, end=message.end_ms, utterance=(utterance,))
    return WebhookBody(**_envelope(message), autotranscribe_response=response)


def interim_body(message: InterimMessage) -> WebhookInterimBody:
    utterance = WebhookUtterance(text=message.text, unredacted_text=message.unredacted_text)
    return WebhookInterimBody(
        **_envelope(message),
        revision=message.revision,
        autotranscribe_response=InterimResponse(start=message.start_ms, end=message.end_ms, utterance=(utterance,)),
    )


def _envelope(message: UtteranceMessage) -> dict[str, Any]:
    return {
        "external_conversation_id": message.guid,
        "stream_id": message.stream_id,
        "sequence": message.sequence,
        "utterance_id": message.utterance_id,
        "sender": WebhookSender(external_id=message.external_id, role=message.role),
    }


def body_bytes(message: UtteranceMessage) -> bytes:
    """UTF-8 JSON, camelCase, optional fields left out when absent: a transcript-interim body for an interim."""
    body = interim_body(message) if isinstance(message, InterimMessage) else webhook_body(message)
    return body.model_dump_json(by_alias=True, exclude_none=True).encode()
