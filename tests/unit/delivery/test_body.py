from __future__ import annotations

import json

from connect_transcribe.delivery.body import body_bytes

from tests.delivery_factories import utterance, with_tokens


def test_body_is_camel_case_without_absent_options() -> None:
    body = json.loads(body_bytes(utterance(2)))
    assert body["autotranscribeResponse"]["utterance"] == [{"text": "my card number is [REDACTED]"}]
    assert body["sequence"] == 2 and body["type"] == "transcript"
    assert set(body) == {
        "type",
        "externalConversationId",
        "streamId",
        "sequence",
        "utteranceId",
        "sender",
        "autotranscribeResponse",
    }


def test_tokens_and_unredacted_text_ride_along_when_present() -> None:
    message = with_tokens(utterance(1, unredacted_text="my card number is 4111"))
    [entry] = json.loads(body_bytes(message))["autotranscribeResponse"]["utterance"]
    assert entry["unredactedText"] == "my card number is 4111"
    assert entry["tokens"] == [{"text": "my", "start": 1000, "end": 1200, "confidence": 0.93}]


def test_the_same_message_always_gives_the_same_bytes() -> None:
    message = utterance(5)
    assert body_bytes(message) == body_bytes(message.model_validate_json(message.model_dump_json()))


def test_repr_never_shows_the_text() -> None:
    from connect_transcribe.delivery.body import webhook_body

    assert "card" not in repr(webhook_body(utterance(1))) and "card" not in str(webhook_body(utterance(1)))
