"""Start/Stop API request and response bodies, wire-compatible with the AutoTranscribe API."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from connect_transcribe.models.enums import NAMESPACE, RedactionOutput
from connect_transcribe.models.vocabulary import CustomVocabulary

# arn:<partition>:kinesisvideo:<region>:<account>:stream/<name>/<creation-time-ms>
KVS_STREAM_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:kinesisvideo:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:stream/[A-Za-z0-9_.-]{1,256}/\d{1,20}$"
)

Identifier = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$")
]
ExternalId = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=256)]
FragmentNumber = Annotated[str, StringConstraints(strict=True, pattern=r"^\d{1,128}$")]


class WireModel(BaseModel):
    """camelCase on the wire; unknown fields are rejected so a misspelt option never silently defaults."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class StartSelectorType(StrEnum):
    NOW = "NOW"
    FRAGMENT_NUMBER = "FRAGMENT_NUMBER"


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


class AutotranscribeParams(WireModel):
    # A BCP-47 tag, or "auto" (multilingual engines: detected on the first seconds of speech, then fixed). Which
    # values a deployment accepts is checked at start (422-01).
    language: Annotated[str, StringConstraints(strict=True, pattern=r"^(auto|[a-z]{2,3}(-[A-Z]{2})?)$")] = "en-US"
    detailed_token: StrictBool = False
    audio_recording_allowed: StrictBool = False
    redaction_output: RedactionOutput = RedactionOutput.REDACTED
    # Beyond the mirrored service (optional): transcript-interim webhook messages while a participant speaks.
    # None: the deployment's default (INTERIM_RESULTS), fixed into the conversation at the first start.
    interim_results: StrictBool | None = None
    # Beyond the mirrored service (optional): phrases the decoder should expect (models/vocabulary.py), on top of
    # the deployment's list. None: the deployment's list only.
    custom_vocabulary: CustomVocabulary | None = None


class AmazonConnectParams(WireModel):
    stream_arn: Annotated[
        str,
        StringConstraints(strict=True, max_length=512),
        Field(json_schema_extra={"pattern": KVS_STREAM_ARN.pattern}),
    ]
    start_selector_type: StartSelectorType = StartSelectorType.NOW
    after_fragment_number: FragmentNumber | None = None
    # Beyond the mirrored service (optional): the Connect InitialContactId of a transfer leg whose guid is its own
    # ContactId. Recorded at the first start so the after-call API finds every leg by the initial contact id.
    initial_contact_id: Identifier | None = None

    @field_validator("stream_arn")
    @classmethod
    def _kvs_arn(cls, value: str) -> str:
        if not KVS_STREAM_ARN.match(value):
            raise ValueError(
                "must be a Kinesis Video Streams stream ARN "
                "(arn:aws:kinesisvideo:<region>:<account>:stream/<name>/<creation-time>)"
            )
        return value

    @model_validator(mode="after")
    def _selector(self) -> Self:
        if self.start_selector_type is StartSelectorType.FRAGMENT_NUMBER and self.after_fragment_number is None:
            raise ValueError("afterFragmentNumber is required when startSelectorType is FRAGMENT_NUMBER")
        if self.start_selector_type is StartSelectorType.NOW and self.after_fragment_number is not None:
            raise ValueError("afterFragmentNumber is only allowed when startSelectorType is FRAGMENT_NUMBER")
        return self


class NamespacedRequest(WireModel):
    namespace: Annotated[str, StringConstraints(strict=True), Field(json_schema_extra={"enum": [NAMESPACE]})]
    guid: Identifier

    @field_validator("namespace")
    @classmethod
    def _served_namespace(cls, value: str) -> str:
        if value != NAMESPACE:
            raise ValueError(f"unsupported namespace {value!r}; this deployment serves {NAMESPACE!r}")
        return value


class StartStreamingRequest(NamespacedRequest):
    customer_id: ExternalId
    agent_id: ExternalId
    autotranscribe_params: AutotranscribeParams = Field(default_factory=AutotranscribeParams)
    amazon_connect_params: AmazonConnectParams


class StopStreamingRequest(NamespacedRequest):
    pass


class Status(WireModel):
    code: int = 1000
    description: str = "OK"


class StreamSummary(WireModel):
    total_audio_bytes: int
    audio_duration_ms: int
    streaming_seconds: float
    transcripts: int


class ParticipantStream(WireModel):
    stream_id: str
    status: Status = Field(default_factory=Status)
    summary: StreamSummary | None = None


class Participants(WireModel):
    customer: ParticipantStream
    agent: ParticipantStream


class StreamingResponse(WireModel):
    is_ok: bool = True
    autotranscribe_response: Participants

    def wire(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ErrorDetail(WireModel):
    request_id: str
    code: str = Field(pattern=r"^\d{3}-\d{2}$")  # <HTTP status>-<nn>; -00 is API Gateway's own answer
    message: str


class ErrorResponse(WireModel):
    error: ErrorDetail
