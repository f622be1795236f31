"""Amazon Connect agent event stream records shaped like the documented format (agent-event-stream-model.html): the
whole AgentEvent with both snapshots, the agent's configuration and status, and the contact list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

INSTANCE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
AGENT_ARN = f"{INSTANCE_ARN}/agent/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
QUEUE_ARN = f"{INSTANCE_ARN}/queue/7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8"


def iso(moment: datetime) -> str:
    """Connect's timestamp format: yyyy-mm-ddThh:mm:ss.sssZ."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def contact(
    contact_id: str,
    state: str,
    *,
    since: datetime,
    initial_contact_id: str | None = None,
    channel: str = "VOICE",
) -> dict[str, Any]:
    return {
        "Channel": channel,
        "ConnectedToAgentTimestamp": iso(since),
        "ContactId": contact_id,
        "InitialContactId": initial_contact_id,
        "InitiationMethod": "INBOUND",
        "Queue": {"ARN": QUEUE_ARN, "Name": "BasicQueue"},
        "QueueTimestamp": iso(since - timedelta(seconds=12)),
        "State": state,
        "StateStartTimestamp": iso(since),
    }


def snapshot(contacts: list[dict[str, Any]], *, status: str = "Available") -> dict[str, Any]:
    return {
        "AgentStatus": {"ARN": f"{INSTANCE_ARN}/agent-state/1a2b", "Name": status, "StartTimestamp": None},
        "Configuration": {
            "AgentHierarchyGroups": None,
            "AutoAccept": False,
            "FirstName": "Alex",
            "LastName": "Agent",
            "RoutingProfile": {
                "ARN": f"{INSTANCE_ARN}/routing-profile/3c4d",
                "DefaultOutboundQueue": {"ARN": QUEUE_ARN, "Name": "BasicQueue"},
                "InboundQueues": [{"ARN": QUEUE_ARN, "Name": "BasicQueue"}],
                "Name": "Basic Routing Profile",
            },
            "Username": "alex",
        },
        "Contacts": contacts,
        "NextAgentStatus": None,
    }


def agent_event(
    at: datetime,
    current: list[dict[str, Any]],
    previous: list[dict[str, Any]] | None = None,
    *,
    event_type: str = "STATE_CHANGE",
) -> dict[str, Any]:
    return {
        "AWSAccountId": "123456789012",
        "AgentARN": AGENT_ARN,
        "CurrentAgentSnapshot": snapshot(current),
        "EventId": str(uuid.uuid4()),
        "EventTimestamp": iso(at),
        "EventType": event_type,
        "InstanceARN": INSTANCE_ARN,
        "PreviousAgentSnapshot": snapshot(previous or []),
        "Version": "2019-05-25",
    }


def hold_event(contact_id: str, at: datetime, *, connected_at: datetime, **contact_fields: Any) -> dict[str, Any]:
    """CONNECTED -> CONNECTED_ONHOLD (StateStartTimestamp keeps the connect time, as Connect documents)."""
    return agent_event(
        at,
        [contact(contact_id, "CONNECTED_ONHOLD", since=connected_at, **contact_fields)],
        [contact(contact_id, "CONNECTED", since=connected_at, **contact_fields)],
    )


def unhold_event(contact_id: str, at: datetime, *, connected_at: datetime, **contact_fields: Any) -> dict[str, Any]:
    """CONNECTED_ONHOLD -> CONNECTED."""
    return agent_event(
        at,
        [contact(contact_id, "CONNECTED", since=at, **contact_fields)],
        [contact(contact_id, "CONNECTED_ONHOLD", since=connected_at, **contact_fields)],
    )
