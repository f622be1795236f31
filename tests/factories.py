"""Factories for request bodies, API Gateway events, Connect events, Lambda contexts and session jobs."""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

from connect_transcribe.models.api import AutotranscribeParams, Role
from connect_transcribe.models.session import JobStream, SessionJob, StartSelector
from connect_transcribe_dev.api_gateway import proxy_event
from connect_transcribe_dev.lambda_context import LocalLambdaContext

STREAM_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/connect-demo-contact-1a2b/1700000000000"
OTHER_STREAM_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/connect-demo-contact-9z8y/1700000000999"
START_PATH = "/mg-autotranscribe/v1/start-streaming"
STOP_PATH = "/mg-autotranscribe/v1/stop-streaming"


def unused_port() -> int:
    """A loopback port nothing listens on (the OS's pick, released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_guid() -> str:
    return str(uuid.uuid4())


def start_body(guid: Any = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "namespace": "amazonconnect",
        "guid": new_guid() if guid is None else guid,
        "customerId": "cust-ef53245",
        "agentId": "agent-7731",
        "autotranscribeParams": {"language": "en-US"},
        "amazonConnectParams": {"streamArn": STREAM_ARN, "startSelectorType": "NOW"},
    }
    body.update(overrides)
    return body


def stop_body(guid: str) -> dict[str, Any]:
    return {"namespace": "amazonconnect", "guid": guid}


def api_event(path: str, body: Any, method: str = "POST") -> dict[str, Any]:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    data = raw.encode() if isinstance(raw, str) else raw
    return proxy_event(method, path, {"Content-Type": "application/json"}, data, "10.0.0.1")


def lambda_context(name: str = "test", timeout_seconds: float = 8.0) -> LocalLambdaContext:
    return LocalLambdaContext(function_name=name, timeout_seconds=timeout_seconds)


def connect_event(
    contact_id: str | None = None,
    *,
    stream_arn: str | None = STREAM_ARN,
    start_fragment: str | None = "91343852333181432392682062607743920146264440941",
    parameters: dict[str, str] | None = None,
    attributes: dict[str, str] | None = None,
    initial_contact_id: str | None = None,
    previous_contact_id: str | None = None,
) -> dict[str, Any]:
    """A contact-flow invocation event as Amazon Connect sends it (shape from the Connect admin guide)."""
    contact_id = contact_id or new_guid()
    audio: dict[str, Any] | None = None
    if stream_arn:
        audio = {"StreamARN": stream_arn, "StartTimestamp": "1700000001234"}
        if start_fragment:
            audio["StartFragmentNumber"] = start_fragment
    return {
        "Details": {
            "ContactData": {
                "Attributes": attributes if attributes is not None else {"customerId": "cust-ef53245"},
                "Channel": "VOICE",
                "ContactId": contact_id,
                "CustomerEndpoint": {"Address": "+14155550123", "Type": "TELEPHONE_NUMBER"},
                "CustomerId": None,
                "Description": None,
                "InitialContactId": initial_contact_id or contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": "arn:aws:connect:us-east-1:123456789012:instance/c8c0e68d-2200-4265-82c0-6f7c1e3f1a2b",
                "LanguageCode": "en-US",
                "MediaStreams": {"Customer": {"Audio": audio}},
                "Name": None,
                "PreviousContactId": previous_contact_id or contact_id,
                "Queue": {
                    "ARN": "arn:aws:connect:us-east-1:123456789012:instance/c8c0e68d/queue/aaaaaaaa",
                    "Name": "BasicQueue",
                    "OutboundCallerId": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"},
                },
                "References": {},
                "SegmentAttributes": {},
                "SystemEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"},
                "Tags": {"aws:connect:instanceId": "c8c0e68d-2200-4265-82c0-6f7c1e3f1a2b"},
            },
            "Parameters": parameters if parameters is not None else {"agentId": "agent-7731"},
        },
        "Name": "ContactFlowEvent",
    }


def session_job(
    guid: str = "g",
    *,
    generation: int = 1,
    selector: StartSelector | None = None,
    streams: tuple[tuple[str, str], tuple[str, str]] = (("c", "c"), ("a", "a")),
    settings: AutotranscribeParams | None = None,
    stream_arn: str = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1",
    enqueued_at_ms: int = 0,
) -> SessionJob:
    """A session job as the API queues it: `streams` gives the (stream id, external id) of the customer, then the
    agent."""
    (customer_stream, customer_id), (agent_stream, agent_id) = streams
    return SessionJob(
        guid=guid,
        generation=generation,
        namespace="amazonconnect",
        stream_arn=stream_arn,
        start_selector=selector or StartSelector(type="NOW"),
        streams=[
            JobStream(
                role=Role.CUSTOMER, stream_id=customer_stream, external_id=customer_id, track_name="AUDIO_FROM_CUSTOMER"
            ),
            JobStream(role=Role.AGENT, stream_id=agent_stream, external_id=agent_id, track_name="AUDIO_TO_CUSTOMER"),
        ],
        settings=settings or AutotranscribeParams(),
        enqueued_at_ms=enqueued_at_ms,
    )
