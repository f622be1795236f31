"""The Amazon Connect contact-flow Lambda invocation event (only the parts we read) and the flat result."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _ConnectModel(BaseModel):
    # Connect adds fields over time; ignore what we don't read.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Endpoint(_ConnectModel):
    address: str | None = Field(default=None, alias="Address")
    type: str | None = Field(default=None, alias="Type")


class CustomerAudio(_ConnectModel):
    stream_arn: str | None = Field(default=None, alias="StreamARN")
    start_fragment_number: str | None = Field(default=None, alias="StartFragmentNumber")
    start_timestamp: str | None = Field(default=None, alias="StartTimestamp")


class CustomerMedia(_ConnectModel):
    audio: CustomerAudio | None = Field(default=None, alias="Audio")


class MediaStreams(_ConnectModel):
    customer: CustomerMedia | None = Field(default=None, alias="Customer")


class ContactData(_ConnectModel):
    contact_id: str = Field(alias="ContactId")
    initial_contact_id: str | None = Field(default=None, alias="InitialContactId")
    previous_contact_id: str | None = Field(default=None, alias="PreviousContactId")
    channel: str | None = Field(default=None, alias="Channel")
    instance_arn: str | None = Field(default=None, alias="InstanceARN")
    attributes: dict[str, str] = Field(default_factory=dict, alias="Attributes")
    customer_endpoint: Endpoint | None = Field(default=None, alias="CustomerEndpoint")
    media_streams: MediaStreams | None = Field(default=None, alias="MediaStreams")

    @property
    def customer_audio(self) -> CustomerAudio:
        media = self.media_streams.customer if self.media_streams else None
        return (media.audio if media else None) or CustomerAudio()


class Details(_ConnectModel):
    contact_data: ContactData = Field(alias="ContactData")
    parameters: dict[str, str] = Field(default_factory=dict, alias="Parameters")


class ContactFlowEvent(_ConnectModel):
    name: str = Field(default="ContactFlowEvent", alias="Name")
    details: Details = Field(alias="Details")


class FlowResult(BaseModel):
    """What the flow Lambdas return: a flat string map Connect can branch on ($.External.status)."""

    status: str  # "ok" | "error"
    message: str = ""
    customer_stream_id: str = ""
    agent_stream_id: str = ""
    error_code: str = ""
    http_status: str = ""

    def flat(self) -> dict[str, str]:
        return {
            "status": self.status,
            "message": self.message,
            "customerStreamId": self.customer_stream_id,
            "agentStreamId": self.agent_stream_id,
            "errorCode": self.error_code,
            "httpStatus": self.http_status,
        }
