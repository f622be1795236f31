"""Map an UtteranceMessage to the exact webhook body bytes (deterministic, so a redelivery is byte-identical
and carries the same signature)."""

from __future__ import annotations

from connect_transcribe.models.utterance import UtteranceMessage
from connect_transcribe.models.webhook import (
    AutotranscribeResponse,
    WebhookBody,
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
    return WebhookBody(
        external_conversation_id=message.guid,
        stream_id=message.stream_id,
        sequence=message.sequence,
        utterance_id=message.utterance_id,
        sender=WebhookSender(external_id=message.external_id, role=message.role),
        autotranscribe_response=AutotranscribeResponse(
            start=message.start_ms,
            end=message.end_ms,
            utterance=(WebhookUtterance(text=message.text, unredacted_text=message.unredacted_text, tokens=tokens),),
        ),
    )


def body_bytes(message: UtteranceMessage) -> bytes:
    """UTF-8 JSON, camelCase, optional fields left out when absent."""
    return webhook_body(message).model_dump_json(by_alias=True, exclude_none=True).encode()
