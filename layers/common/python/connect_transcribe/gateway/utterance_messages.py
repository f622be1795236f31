"""Utterance assembly: recognizer output + session context + its redacted text → the published message."""

from __future__ import annotations

from typing import Any

from connect_transcribe.gateway.redaction import OutputText
from connect_transcribe.models.api import Role
from connect_transcribe.models.session import SessionJob
from connect_transcribe.models.utterance import (
    InterimMessage,
    TokenOut,
    UtteranceMessage,
    UtteranceTimings,
    utterance_id,
)
from connect_transcribe.speech.interim import Interim
from connect_transcribe.speech.recognizer import Utterance
from connect_transcribe.speech.weights import AUTO


def build_message(
    job: SessionJob,
    role: Role,
    utterance: Utterance,
    text: OutputText,
    *,
    origin_ms: int,
    now_ms: int,
    publish_queue_ms: float = 0.0,
    redact_ms: float = 0.0,
) -> UtteranceMessage:
    """`text`: the utterance's text as the session redacted it (once: see Session._redact), which took
    `redact_ms`; `publish_queue_ms`: how long the utterance waited for the session's publisher."""
    tokens = None
    if job.settings.detailed_token:
        texts = text.tokens([t.text for t in utterance.tokens])
        tokens = tuple(
            TokenOut(text=t, start_ms=tok.start_ms, end_ms=tok.end_ms, confidence=tok.confidence)
            for t, tok in zip(texts, utterance.tokens, strict=True)
        )
    stages = utterance.timings
    return UtteranceMessage(
        **_common(job, role, utterance, text, origin_ms=origin_ms, now_ms=now_ms),
        tokens=tokens,
        language=message_language(job, utterance.language),
        timings=UtteranceTimings(
            endpoint_wait_ms=stages.endpoint_wait_ms,
            endpoint_wait_wall_ms=stages.endpoint_wait_wall_ms,
            queue_wait_ms=stages.queue_wait_ms,
            decode_ms=utterance.decode_ms,
            first_pass_ms=stages.first_pass_ms,
            fallback_ms=stages.fallback_ms,
            early_decode=stages.early_decode,
            publish_queue_ms=round(publish_queue_ms, 2),
            redact_ms=round(redact_ms, 3),
        ),
    )


def message_language(job: SessionJob, detected: str | None) -> str:
    """The conversation's language tag ("es-US"); with language "auto", the ISO code detected for the utterance."""
    language = job.settings.language
    return (detected or language) if language == AUTO else language


def build_interim(
    job: SessionJob, role: Role, interim: Interim, text: OutputText, *, origin_ms: int, now_ms: int
) -> InterimMessage:
    """The open utterance as heard so far, under the utterance id its final will have."""
    return InterimMessage(
        **_common(job, role, interim, text, origin_ms=origin_ms, now_ms=now_ms),
        revision=interim.revision,
        language=job.settings.language,
        timings=UtteranceTimings(),  # carries enqueued_at_ms, from which the delivery judges its age
    )


def _common(
    job: SessionJob, role: Role, heard: Utterance | Interim, text: OutputText, *, origin_ms: int, now_ms: int
) -> dict[str, Any]:
    """The fields a final and an interim of the same utterance share."""
    stream = next(s for s in job.streams if s.role is role)
    return {
        "utterance_id": utterance_id(job.guid, stream.stream_id, heard.sequence),
        "guid": job.guid,
        "namespace": job.namespace,
        "generation": job.generation,
        "stream_id": stream.stream_id,
        "role": role,
        "external_id": stream.external_id,
        "sequence": heard.sequence,
        "start_ms": heard.start_ms,
        "end_ms": heard.end_ms,
        "text": text.text,
        "unredacted_text": text.unredacted,
        "audio_timestamp_ms": origin_ms + heard.end_ms,
        "published_at_ms": now_ms,
    }
