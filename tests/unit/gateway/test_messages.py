"""Utterance assembly: ids, roles, redaction per the conversation's setting, tokens only when asked."""

from __future__ import annotations

from connect_transcribe.gateway.messages import build_message
from connect_transcribe.logic.redaction import Redactor
from connect_transcribe.models.api import AutotranscribeParams, Role
from connect_transcribe.models.session import JobStream, SessionJob, StartSelector
from connect_transcribe.models.utterance import utterance_id
from connect_transcribe.settings import RedactionOutput
from connect_transcribe.speech.recognizer import Token, Utterance

SAID = "my card is 4111 1111 1111 1111 thanks"


def job(**params: object) -> SessionJob:
    return SessionJob(
        guid="contact-1",
        generation=2,
        namespace="amazonconnect",
        stream_arn="arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1",
        start_selector=StartSelector(type="NOW"),
        streams=[
            JobStream(role=Role.CUSTOMER, stream_id="s-cust", external_id="cust-1", track_name="AUDIO_FROM_CUSTOMER"),
            JobStream(role=Role.AGENT, stream_id="s-agent", external_id="agent-1", track_name="AUDIO_TO_CUSTOMER"),
        ],
        settings=AutotranscribeParams.model_validate(params),
        enqueued_at_ms=0,
    )


def utterance() -> Utterance:
    words = SAID.split()
    tokens = tuple(Token(w, 1000 + 100 * i, 1090 + 100 * i, 0.9) for i, w in enumerate(words))
    return Utterance(sequence=3, start_ms=1000, end_ms=2500, text=SAID, tokens=tokens)


def test_message_carries_the_participant_and_a_deterministic_id() -> None:
    message = build_message(job(), Role.AGENT, utterance(), Redactor(), origin_ms=1_700_000_000_000, now_ms=5)
    assert (message.stream_id, message.external_id, message.role) == ("s-agent", "agent-1", Role.AGENT)
    assert message.utterance_id == utterance_id("contact-1", "s-agent", 3)
    assert (
        message.utterance_id
        == build_message(job(), Role.AGENT, utterance(), Redactor(), origin_ms=0, now_ms=9).utterance_id
    )
    assert message.audio_timestamp_ms == 1_700_000_002_500
    assert (message.generation, message.sequence, message.language) == (2, 3, "en-US")


def test_text_is_redacted_by_default_and_never_in_repr() -> None:
    message = build_message(job(), Role.CUSTOMER, utterance(), Redactor(), origin_ms=0, now_ms=0)
    assert "4111" not in message.text and message.unredacted_text is None and message.tokens is None
    assert "card" not in repr(message) and "card" not in str(message)


def test_redacted_and_unredacted_keeps_both_texts() -> None:
    params = {"redactionOutput": RedactionOutput.REDACTED_AND_UNREDACTED.value}
    message = build_message(job(**params), Role.CUSTOMER, utterance(), Redactor(), origin_ms=0, now_ms=0)
    assert "4111" not in message.text
    assert message.unredacted_text == SAID


def test_unredacted_output_is_verbatim() -> None:
    params = {"redactionOutput": RedactionOutput.UNREDACTED.value}
    message = build_message(job(**params), Role.CUSTOMER, utterance(), Redactor(), origin_ms=0, now_ms=0)
    assert message.text == SAID


def test_detailed_tokens_ride_along_redacted_like_the_text() -> None:
    message = build_message(job(detailedToken=True), Role.CUSTOMER, utterance(), Redactor(), origin_ms=0, now_ms=0)
    assert message.tokens is not None and len(message.tokens) == len(SAID.split())
    assert message.tokens[0].text == "my" and message.tokens[0].start_ms == 1000
    assert not any("4111" in t.text for t in message.tokens)
