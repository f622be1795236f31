"""A stored utterance becomes one feed row with the documented columns."""

from __future__ import annotations

import pytest
from connect_transcribe.export.rows import CorruptMessage, feed_row
from connect_transcribe.models.api import Role
from connect_transcribe.models.feed import COLUMNS

from bench.utterances import utterance
from tests.feed_factories import epoch_ms


def test_a_row_has_every_column_in_order_with_the_stored_values() -> None:
    # Given an agent utterance published at 14:05:01.250 UTC
    message = utterance(epoch_ms("2026-11-23T14:05:01.250"), role=Role.AGENT, sequence=7, text="how can I help")
    # When it becomes a row of the 14:00 partition
    row = feed_row(message.model_dump_json(), "2026-11-23", "14")
    # Then
    assert tuple(row) == COLUMNS
    assert row == {
        "conversation_id": "contact-1",
        "stream_id": "contact-1-agent",
        "sender_role": "agent",
        "sender_external_id": "agent-42",
        "utterance_id": message.utterance_id,
        "sequence": 7,
        "start_ms": 14_000,
        "end_ms": 15_500,
        "text": "how can I help",
        "language": "en-US",
        "created_ts": "2026-11-23T14:05:01.250Z",
        "created_at_ms": epoch_ms("2026-11-23T14:05:01.250"),
        "dt": "2026-11-23",
        "hr": "14",
    }


def test_the_redacted_text_is_exported_never_the_unredacted_copy() -> None:
    message = utterance(0, text="my card is [redacted]").model_copy(update={"unredacted_text": "my card is 4111"})
    row = feed_row(message.model_dump_json(), "1970-01-01", "00")
    assert row["text"] == "my card is [redacted]" and "4111" not in str(row)


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"text": "secret words", "guid": "g"}', '{"text": "secret words", "sequence": "x"}']
)
def test_a_body_that_is_not_an_utterance_fails_without_echoing_its_text(body: str) -> None:
    with pytest.raises(CorruptMessage, match="^stored message is not an utterance body") as raised:
        feed_row(body, "2026-11-23", "14")
    assert "secret words" not in str(raised.value)
