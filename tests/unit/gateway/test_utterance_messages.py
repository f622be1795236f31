"""Utterance assembly: ids, roles, redaction per the conversation's setting, tokens only when asked."""

from __future__ import annotations

import json
from dataclasses import replace

from connect_transcribe.control.message_history import to_wire
from connect_transcribe.delivery.body import body_bytes
from connect_transcribe.export.rows import feed_row
from connect_transcribe.gateway.redaction import Redactor
from connect_transcribe.gateway.utterance_messages import build_interim, build_message
from connect_transcribe.models.api import AutotranscribeParams, Role
from connect_transcribe.models.enums import RedactionOutput
from connect_transcribe.models.session import SessionJob
from connect_transcribe.models.utterance import UtteranceMessage, UtteranceTimings, utterance_id
from connect_transcribe.speech.interim import Interim
from connect_transcribe.speech.recognizer import Timings, Token, Utterance

from tests.factories import session_job

SAID = "my card is 4111 1111 1111 1111 thanks"


def job(**params: object) -> SessionJob:
    return session_job(
        "contact-1",
        generation=2,
        streams=(("s-cust", "cust-1"), ("s-agent", "agent-1")),
        settings=AutotranscribeParams.model_validate(params),
    )


STAGES = Timings(
    endpoint_wait_ms=288.0, endpoint_wait_wall_ms=301.5, queue_wait_ms=12.5, first_pass_ms=30.0, fallback_ms=41.0
)


def utterance() -> Utterance:
    words = SAID.split()
    tokens = tuple(Token(w, 1000 + 100 * i, 1090 + 100 * i, 0.9) for i, w in enumerate(words))
    return Utterance(sequence=3, start_ms=1000, end_ms=2500, text=SAID, tokens=tokens, decode_ms=72.5, timings=STAGES)


def assemble(job: SessionJob, role: Role, **kwargs: object) -> UtteranceMessage:
    """The message for utterance(), its text redacted as the session redacts it (once, for the job's setting)."""
    said = utterance()
    text = Redactor().output(said.text, job.settings.redaction_output)
    return build_message(job, role, said, text, **kwargs)  # type: ignore[arg-type]


def test_message_carries_the_participant_and_a_deterministic_id() -> None:
    message = assemble(job(), Role.AGENT, origin_ms=1_700_000_000_000, now_ms=5)
    assert (message.stream_id, message.external_id, message.role) == ("s-agent", "agent-1", Role.AGENT)
    assert message.utterance_id == utterance_id("contact-1", "s-agent", 3)
    assert message.utterance_id == assemble(job(), Role.AGENT, origin_ms=0, now_ms=9).utterance_id
    assert message.audio_timestamp_ms == 1_700_000_002_500
    assert (message.generation, message.sequence, message.language) == (2, 3, "en-US")


def test_text_is_redacted_by_default_and_never_in_repr() -> None:
    message = assemble(job(), Role.CUSTOMER, origin_ms=0, now_ms=0)
    assert "4111" not in message.text and message.unredacted_text is None and message.tokens is None
    assert "card" not in repr(message) and "card" not in str(message)


def test_redacted_and_unredacted_keeps_both_texts() -> None:
    params = {"redactionOutput": RedactionOutput.REDACTED_AND_UNREDACTED.value}
    message = assemble(job(**params), Role.CUSTOMER, origin_ms=0, now_ms=0)
    assert "4111" not in message.text
    assert message.unredacted_text == SAID


def test_unredacted_output_is_verbatim() -> None:
    params = {"redactionOutput": RedactionOutput.UNREDACTED.value}
    message = assemble(job(**params), Role.CUSTOMER, origin_ms=0, now_ms=0)
    assert message.text == SAID


def test_detailed_tokens_ride_along_redacted_like_the_text() -> None:
    message = assemble(job(detailedToken=True), Role.CUSTOMER, origin_ms=0, now_ms=0)
    assert message.tokens is not None and len(message.tokens) == len(SAID.split())
    assert message.tokens[0].text == "my" and message.tokens[0].start_ms == 1000
    assert not any("4111" in t.text for t in message.tokens)


def test_the_message_carries_the_recognizers_stages_and_the_time_redaction_took() -> None:
    # Given an utterance with its recognizer stages, assembled after 4 ms in the publisher's queue, its redaction
    # having taken 2 ms
    message = assemble(
        job(detailedToken=True), Role.CUSTOMER, origin_ms=0, now_ms=0, publish_queue_ms=4.0, redact_ms=2.0
    )
    # Then the message holds the whole breakdown up to its publication
    assert message.timings == UtteranceTimings(
        endpoint_wait_ms=288.0,
        endpoint_wait_wall_ms=301.5,
        queue_wait_ms=12.5,
        decode_ms=72.5,
        first_pass_ms=30.0,
        fallback_ms=41.0,
        publish_queue_ms=4.0,
        redact_ms=2.0,
    )
    # and it survives the stored/queued JSON
    assert UtteranceMessage.model_validate_json(message.model_dump_json()).timings == message.timings


def test_timings_never_reach_the_webhook_body_the_api_items_or_the_export_feed() -> None:
    # Given a message with its timings, as stored and queued
    message = assemble(job(), Role.AGENT, origin_ms=1_700_000_000_000, now_ms=5)
    message = message.model_copy(update={"timings": message.timings.model_copy(update={"enqueued_at_ms": 7})})
    assert "timings" in json.loads(message.model_dump_json())
    # Then none of the wire forms has a timing key: their formats are fixed
    webhook = json.loads(body_bytes(message))
    api_item = json.loads(to_wire(message).model_dump_json(by_alias=True, exclude_none=True))
    row = feed_row(message.model_dump_json(), "2023-11-14", "22")
    timing_keys = {"timings", *UtteranceTimings.model_fields}
    for wire in (
        webhook,
        webhook["autotranscribeResponse"],
        *webhook["autotranscribeResponse"]["utterance"],
        api_item,
        row,
    ):
        assert not timing_keys & set(wire), wire.keys()
    assert not any(word in json.dumps([webhook, api_item]).lower() for word in ("timing", "wait", "decode", "enqueued"))


def test_a_message_published_before_timings_existed_still_parses() -> None:
    old = assemble(job(), Role.AGENT, origin_ms=0, now_ms=0).model_dump(mode="json")
    del old["timings"]
    parsed = UtteranceMessage.model_validate_json(json.dumps(old))
    assert parsed.timings is None and parsed.sequence == 3


def test_the_message_carries_the_conversations_tag_or_with_auto_the_detected_language() -> None:
    redacted = Redactor().output("hola", RedactionOutput.REDACTED)
    spanish = replace(utterance(), language="es")
    fixed = build_message(job(language="es-US"), Role.CUSTOMER, spanish, redacted, origin_ms=0, now_ms=0)
    auto = build_message(job(language="auto"), Role.CUSTOMER, spanish, redacted, origin_ms=0, now_ms=0)
    undecided = build_message(job(language="auto"), Role.CUSTOMER, utterance(), redacted, origin_ms=0, now_ms=0)
    assert (fixed.language, auto.language, undecided.language) == ("es-US", "es", "auto")


def test_an_interim_message_is_its_finals_id_with_a_revision_and_no_tokens() -> None:
    interim = Interim(sequence=3, revision=2, start_ms=1000, end_ms=1800, text="my card is")
    text = Redactor().output(interim.text, RedactionOutput.REDACTED)
    message = build_interim(job(detailed_token=True), Role.AGENT, interim, text, origin_ms=5_000, now_ms=9_000)
    assert message.utterance_id == utterance_id("contact-1", "s-agent", 3)
    assert (message.revision, message.sequence, message.tokens) == (2, 3, None)
    assert message.audio_timestamp_ms == 6_800 and message.idempotency_key.endswith("/interim/2")
    body = json.loads(body_bytes(message))
    assert body["type"] == "transcript-interim" and body["revision"] == 2
    assert "tokens" not in body["autotranscribeResponse"]["utterance"][0]
