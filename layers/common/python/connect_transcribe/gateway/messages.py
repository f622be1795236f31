"""Utterance assembly: recognizer output + session context + redaction → the published message."""

from __future__ import annotations

from connect_transcribe.logic.redaction import Redactor
from connect_transcribe.models.api import Role
from connect_transcribe.models.session import SessionJob
from connect_transcribe.models.utterance import TokenOut, UtteranceMessage, utterance_id
from connect_transcribe.speech.recognizer import Utterance


def build_message(
    job: SessionJob,
    role: Role,
    utterance: Utterance,
    redactor: Redactor,
    *,
    origin_ms: int,
    now_ms: int,
) -> UtteranceMessage:
    stream = next(s for s in job.streams if s.role is role)
    mode = job.settings.redaction_output
    text = redactor.output(utterance.text, mode)
    tokens = None
    if job.settings.detailed_token:
        texts = redactor.output_tokens(utterance.text, [t.text for t in utterance.tokens], mode)
        tokens = tuple(
            TokenOut(text=t, start_ms=tok.start_ms, end_ms=tok.end_ms, confidence=tok.confidence)
            for t, tok in zip(texts, utterance.tokens, strict=True)
        )
    return UtteranceMessage(
        utterance_id=utterance_id(job.guid, stream.stream_id, utterance.sequence),
        guid=job.guid,
        namespace=job.namespace,
        generation=job.generation,
        stream_id=stream.stream_id,
        role=role,
        external_id=stream.external_id,
        sequence=utterance.sequence,
        start_ms=utterance.start_ms,
        end_ms=utterance.end_ms,
        text=text.text,
        unredacted_text=text.unredacted,
        tokens=tokens,
        language=job.settings.language,
        audio_timestamp_ms=origin_ms + utterance.end_ms,
        published_at_ms=now_ms,
    )
