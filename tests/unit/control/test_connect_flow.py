"""From a Connect contact-flow event to Start/Stop requests, and from API replies to flow results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from connect_transcribe.control.connect_flow import (
    FlowDefaults,
    FlowInputError,
    flow_step,
    parse_event,
    start_request,
    stop_request,
)
from connect_transcribe.control.ports import ApiUnavailable
from connect_transcribe.models.enums import ContactIdSource

from tests.factories import STREAM_ARN, connect_event

DEFAULTS = FlowDefaults()


@dataclass
class Reply:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class ScriptedApi:
    def __init__(self, reply: Reply | Exception) -> None:
        self.reply = reply
        self.calls: list[tuple[str, dict, float]] = []

    def post(self, path: str, body: dict[str, Any], *, deadline_s: float) -> Reply:
        self.calls.append((path, body, deadline_s))
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def test_start_request_from_a_real_shaped_event() -> None:
    event = parse_event(connect_event("c-1"))
    assert start_request(event, DEFAULTS) == {
        "namespace": "amazonconnect",
        "guid": "c-1",
        "customerId": "cust-ef53245",
        "agentId": "agent-7731",
        "autotranscribeParams": {
            "language": "en-US",
            "redactionOutput": "redacted",
            "detailedToken": False,
            "audioRecordingAllowed": False,
        },
        "amazonConnectParams": {
            "streamArn": STREAM_ARN,
            "startSelectorType": "FRAGMENT_NUMBER",
            "afterFragmentNumber": "91343852333181432392682062607743920146264440941",
        },
    }


def test_without_a_start_fragment_the_selector_is_now() -> None:
    body = start_request(parse_event(connect_event(start_fragment=None)), DEFAULTS)
    assert body["amazonConnectParams"] == {"streamArn": STREAM_ARN, "startSelectorType": "NOW"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (ContactIdSource.CONTACT_ID, "current"),
        (ContactIdSource.INITIAL_CONTACT_ID, "initial"),
        (ContactIdSource.PREVIOUS_CONTACT_ID, "previous"),
    ],
)
def test_contact_id_source_is_configurable(source: ContactIdSource, expected: str) -> None:
    event = parse_event(connect_event("current", initial_contact_id="initial", previous_contact_id="previous"))
    assert stop_request(event, FlowDefaults(contact_id_source=source))["guid"] == expected


def test_ids_come_from_parameters_then_attributes_with_configurable_keys() -> None:
    event = parse_event(
        connect_event(
            parameters={"crmCustomer": "from-param"}, attributes={"crmCustomer": "from-attr", "crmAgent": "agent-attr"}
        )
    )
    body = start_request(event, FlowDefaults(agent_id_key="crmAgent", customer_id_key="crmCustomer"))
    assert (body["customerId"], body["agentId"]) == ("from-param", "agent-attr")


def test_falls_back_to_agent_username_and_customer_phone_number() -> None:
    event = parse_event(connect_event(parameters={"agentUserName": "jdoe"}, attributes={}))
    body = start_request(event, DEFAULTS)
    assert (body["customerId"], body["agentId"]) == ("+14155550123", "jdoe")


def test_flow_parameters_override_transcription_defaults() -> None:
    event = parse_event(
        connect_event(
            parameters={
                "agentId": "a",
                "language": "en-GB",
                "redactionOutput": "redacted_and_unredacted",
                "detailedToken": "true",
            }
        )
    )
    params = start_request(event, DEFAULTS)["autotranscribeParams"]
    assert (params["language"], params["redactionOutput"], params["detailedToken"]) == (
        "en-GB",
        "redacted_and_unredacted",
        True,
    )


def test_interim_results_follow_the_flow_or_else_the_api_default() -> None:
    asked = parse_event(connect_event(parameters={"agentId": "a"}, attributes={"interimResults": "true"}))
    unsaid = parse_event(connect_event(parameters={"agentId": "a"}))
    assert start_request(asked, DEFAULTS)["autotranscribeParams"]["interimResults"] is True
    assert "interimResults" not in start_request(unsaid, DEFAULTS)["autotranscribeParams"]


def test_missing_stream_arn_explains_where_the_block_belongs() -> None:
    with pytest.raises(FlowInputError, match="place this block after 'Start media streaming'"):
        start_request(parse_event(connect_event(stream_arn=None)), DEFAULTS)


def test_missing_agent_id_names_the_keys_to_set() -> None:
    with pytest.raises(FlowInputError, match="no agent id: set flow parameter or contact attribute 'agentId'"):
        start_request(parse_event(connect_event(parameters={})), DEFAULTS)


def test_ok_reply_becomes_a_flat_map_connect_can_branch_on() -> None:
    api = ScriptedApi(
        Reply(
            200,
            {"isOk": True, "autotranscribeResponse": {"customer": {"streamId": "s-c"}, "agent": {"streamId": "s-a"}}},
        )
    )
    result = flow_step(
        connect_event("c-1"),
        build=start_request,
        path="/start",
        api=lambda: api,
        defaults=lambda: DEFAULTS,
        deadline_s=3.0,
    ).flat()
    assert result == {
        "status": "ok",
        "message": "OK",
        "customerStreamId": "s-c",
        "agentStreamId": "s-a",
        "errorCode": "",
        "httpStatus": "200",
    }
    assert all(isinstance(v, str) for v in result.values())
    assert api.calls[0][0] == "/start" and api.calls[0][2] == 3.0


def test_api_error_reply_carries_its_code_and_message() -> None:
    api = ScriptedApi(Reply(404, {"error": {"requestId": "r", "code": "404-01", "message": "guid: no conversation"}}))
    result = flow_step(
        connect_event(), build=stop_request, path="/stop", api=lambda: api, defaults=lambda: DEFAULTS, deadline_s=3.0
    )
    assert (result.status, result.error_code, result.message, result.http_status) == (
        "error",
        "404-01",
        "guid: no conversation",
        "404",
    )


@pytest.mark.parametrize(
    ("event", "api_factory", "code"),
    [
        ({"Details": {}}, lambda: ScriptedApi(Reply(200)), "BAD_EVENT"),
        (connect_event(), lambda: ScriptedApi(ApiUnavailable("no answer within 2.0s")), "UNAVAILABLE"),
        (connect_event(), lambda: (_ for _ in ()).throw(ValueError("API_BASE_URL missing")), "CONFIG"),
    ],
)
def test_nothing_raises_into_the_flow(event: dict, api_factory: Any, code: str) -> None:
    result = flow_step(
        event, build=start_request, path="/start", api=api_factory, defaults=lambda: DEFAULTS, deadline_s=1.0
    )
    assert (result.status, result.error_code) == ("error", code)
    assert result.message
