"""Amazon Connect's agent event stream record (one JSON object per Kinesis record): only the parts hold detection
reads. Documented at https://docs.aws.amazon.com/connect/latest/adminguide/agent-event-stream-model.html."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _AgentEventModel(BaseModel):
    # Connect adds fields over time (and the snapshot carries the agent's whole configuration): ignore the rest.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class AgentEventType(StrEnum):
    STATE_CHANGE = "STATE_CHANGE"
    HEART_BEAT = "HEART_BEAT"
    LOGIN = "LOGIN"
    LOGOUT = "LOGOUT"


class ContactState(StrEnum):
    """The contact's state as the agent event stream reports it (a few more exist; they are kept as strings)."""

    CONNECTED = "CONNECTED"
    CONNECTED_ONHOLD = "CONNECTED_ONHOLD"


class AgentContact(_AgentEventModel):
    contact_id: str = Field(min_length=1, alias="ContactId")
    initial_contact_id: str | None = Field(default=None, alias="InitialContactId")
    channel: str | None = Field(default=None, alias="Channel")
    state: str = Field(alias="State")
    state_start_timestamp: AwareDatetime | None = Field(default=None, alias="StateStartTimestamp")


class AgentSnapshot(_AgentEventModel):
    contacts: list[AgentContact] = Field(default_factory=list, alias="Contacts")


class AgentEvent(_AgentEventModel):
    event_id: str | None = Field(default=None, alias="EventId")
    event_type: str = Field(alias="EventType")
    event_timestamp: AwareDatetime = Field(alias="EventTimestamp")
    agent_arn: str | None = Field(default=None, alias="AgentARN")
    current: AgentSnapshot | None = Field(default=None, alias="CurrentAgentSnapshot")
    previous: AgentSnapshot | None = Field(default=None, alias="PreviousAgentSnapshot")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch, exactly (no float rounding: 18:55:27.017 stays ...027017)."""
    return (value - _EPOCH) // timedelta(milliseconds=1)
