"""Utterance messages as the media gateway publishes and stores them, from the few values a caller cares about:
the synthetic load of the export and delivery benchmarks, and the File Exporter tests' utterances."""

from __future__ import annotations

from typing import Any

from connect_transcribe.models.api import Role
from connect_transcribe.models.utterance import UtteranceMessage, utterance_id


def utterance(
    published_at_ms: int,
    *,
    guid: str = "contact-1",
    role: Role = Role.CUSTOMER,
    sequence: int = 1,
    text: str = "my card number is [redacted]",
    stream_id: str | None = None,
    validate: bool = True,
    **fields: Any,
) -> UtteranceMessage:
    """Utterance `sequence` of stream `stream_id` (the role's, `<guid>-<role>`, by default) in conversation `guid`:
    1.5 s of speech starting 2 s per sequence number into the call, its audio ended 300 ms before it was published.
    `fields` replace any other value. `validate=False` skips pydantic's checks (the values are right by
    construction): the export benchmark builds its items inside the timed export, where validation would count as
    the exporter's time."""
    stream = f"{guid}-{role.value}" if stream_id is None else stream_id
    values: dict[str, Any] = {
        "utterance_id": utterance_id(guid, stream, sequence),
        "guid": guid,
        "namespace": "amazonconnect",
        "generation": 1,
        "stream_id": stream,
        "role": role,
        "external_id": f"{role.value}-42",
        "sequence": sequence,
        "start_ms": sequence * 2_000,
        "end_ms": sequence * 2_000 + 1_500,
        "text": text,
        "language": "en-US",
        "audio_timestamp_ms": published_at_ms - 300,
        "published_at_ms": published_at_ms,
    }
    values.update(fields)
    return UtteranceMessage(**values) if validate else UtteranceMessage.model_construct(**values)
