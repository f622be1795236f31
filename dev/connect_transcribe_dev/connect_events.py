"""Contact-flow invocation events shaped exactly as Amazon Connect sends them to a Lambda block."""

from __future__ import annotations

from typing import Any

INSTANCE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/c8c0e68d-2200-4265-82c0-6f7c1e3f1a2b"


def contact_flow_event(
    contact_id: str,
    stream_arn: str,
    start_fragment: str | None,
    *,
    agent_id: str = "agent-local",
    customer_id: str = "customer-local",
    parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`parameters`: more of the Lambda block's parameters (e.g. redactionOutput), beside agentId."""
    audio: dict[str, Any] = {"StreamARN": stream_arn}
    if start_fragment:
        audio["StartFragmentNumber"] = start_fragment
    return {
        "Details": {
            "ContactData": {
                "Attributes": {"customerId": customer_id},
                "Channel": "VOICE",
                "ContactId": contact_id,
                "CustomerEndpoint": {"Address": "+14155550123", "Type": "TELEPHONE_NUMBER"},
                "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": INSTANCE_ARN,
                "LanguageCode": "en-US",
                "MediaStreams": {"Customer": {"Audio": audio}},
                "PreviousContactId": contact_id,
                "Queue": {"ARN": f"{INSTANCE_ARN}/queue/local", "Name": "BasicQueue"},
                "SystemEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"},
            },
            "Parameters": {"agentId": agent_id, **(parameters or {})},
        },
        "Name": "ContactFlowEvent",
    }
