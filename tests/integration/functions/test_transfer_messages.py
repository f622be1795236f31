"""A transferred call end to end on moto DynamoDB: Connect flow events for two legs (different ContactId, same
InitialContactId) through connect_start/connect_stop and the signed API, messages stored by the gateway's writer,
then the after-call API by the InitialContactId (every leg, spoken order, the leg of each) and by leg 2's id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.models.api import Role
from connect_transcribe.models.utterance import UtteranceMessage, utterance_id
from connect_transcribe_dev.api_gateway import LocalApiGateway

from functions.api import handler as api_handler
from functions.connect_start import handler as connect_start
from functions.connect_stop import handler as connect_stop
from tests.clock import NOW
from tests.conftest import AwsResources
from tests.factories import api_event, connect_event, lambda_context

MESSAGES_PATH = "/conversation/v1/conversation/messages"
FIRST = "8c259fea-8764-4a92-adc4-73572e9cf016"  # leg 1's ContactId = every leg's InitialContactId
SECOND = "1f0e2d3c-4b5a-4697-8877-665544332211"  # leg 2's ContactId (PreviousContactId = FIRST)
T1 = int((NOW - timedelta(hours=13, minutes=30)).timestamp() * 1000)  # leg 1's first audio
T2 = T1 + 95_000  # leg 2's first audio, after the transfer; its `start` counts from 0 again
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def api_url(api_env: AwsResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with LocalApiGateway(api_handler.handler, require_sigv4=True) as gateway:
        monkeypatch.setenv("API_BASE_URL", gateway.url)
        for module in (connect_start, connect_stop):
            module.flow.reset()
        yield gateway.url


def flow(lambda_module: Any, event: dict[str, Any]) -> dict[str, str]:
    result: dict[str, str] = lambda_module.handler(event, lambda_context(lambda_module.__name__.split(".")[1]))
    assert result["status"] == "ok", result
    return result


def get(params: dict[str, Any]) -> dict[str, Any]:
    result = api_handler.handler(api_event(f"{MESSAGES_PATH}?{urlencode(params)}", b"", "GET"), lambda_context("api"))
    assert result["statusCode"] == 200, result["body"]
    body: dict[str, Any] = json.loads(result["body"])
    return body


def say(store: DynamoDbGatewayStore, leg: str, streams: dict[str, str], origin_ms: int, turns: list[tuple]) -> None:
    """Store utterances as the media gateway does: `start` from the leg's first audio, audio time = origin + end."""
    for role, sequence, start_ms, text in turns:
        stream = streams[role.value]
        store.put_message(
            UtteranceMessage(
                utterance_id=utterance_id(leg, stream, sequence),
                guid=leg,
                namespace="amazonconnect",
                generation=1,
                stream_id=stream,
                role=role,
                external_id="cust-ef53245" if role is Role.CUSTOMER else "agent-7731",
                sequence=sequence,
                start_ms=start_ms,
                end_ms=start_ms + 1_500,
                text=text,
                language="en-US",
                audio_timestamp_ms=origin_ms + start_ms + 1_500,
                published_at_ms=origin_ms + start_ms + 1_820,
            )
        )


def streams_of(started: dict[str, str]) -> dict[str, str]:
    return {"customer": started["customerStreamId"], "agent": started["agentStreamId"]}


@pytest.fixture
def transferred_call(api_url: str, api_env: AwsResources) -> AwsResources:
    """Leg 1 started, spoken, stopped at the transfer; leg 2 started, spoken, stopped (stored leg 2 first)."""
    store = DynamoDbGatewayStore(api_env.table)
    leg1 = connect_event(FIRST)
    leg2 = connect_event(SECOND, initial_contact_id=FIRST, previous_contact_id=FIRST)

    started1 = flow(connect_start, leg1)
    say(
        store,
        FIRST,
        streams_of(started1),
        T1,
        [(Role.AGENT, 1, 0, "Northwind Bank, how can I help?"), (Role.CUSTOMER, 1, 3_000, "I lost my card")],
    )
    flow(connect_stop, leg1)  # the agent transfers: leg 1's flow stops streaming
    started2 = flow(connect_start, leg2)  # a new ContactId, InitialContactId and PreviousContactId = leg 1
    say(
        store,
        SECOND,
        streams_of(started2),
        T2,
        [(Role.AGENT, 1, 0, "Card services, Ana speaking"), (Role.CUSTOMER, 1, 2_000, "My card is gone")],
    )
    say(store, FIRST, streams_of(started1), T1, [(Role.AGENT, 2, 6_000, "Transferring you now")])
    flow(connect_stop, leg2)
    return api_env


def test_the_initial_contact_id_returns_both_legs_in_spoken_order_with_their_leg(
    transferred_call: AwsResources,
) -> None:
    # When the after-call API is asked by the InitialContactId
    body = get({"externalId": FIRST})

    # Then both legs come back in the order spoken, each message naming its leg, existing fields unchanged
    assert [(m["contactId"], m["sender"]["role"], m["text"]) for m in body["items"]] == [
        (FIRST, "agent", "Northwind Bank, how can I help?"),
        (FIRST, "customer", "I lost my card"),
        (FIRST, "agent", "Transferring you now"),
        (SECOND, "agent", "Card services, Ana speaking"),
        (SECOND, "customer", "My card is gone"),
    ]
    assert set(body) == {"items"}
    fourth = body["items"][3]
    assert (fourth["start"], fourth["end"], fourth["sequence"]) == (0, 1_500, 1)  # leg 2's own timeline
    assert fourth["clientTimestamp"] == "2026-11-23T13:01:36.500Z"  # T2 + 1.5 s: when it was spoken


def test_a_later_legs_contact_id_returns_that_leg_alone_in_the_single_leg_shape(transferred_call: AwsResources) -> None:
    items = get({"externalId": SECOND})["items"]
    assert [(m["sender"]["role"], m["text"]) for m in items] == [
        ("agent", "Card services, Ana speaking"),
        ("customer", "My card is gone"),
    ]
    assert all("contactId" not in m for m in items)


def test_pages_span_the_legs_without_gaps_or_repeats(transferred_call: AwsResources) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"externalId": FIRST, "limit": 2}
    while True:
        body = get(params)
        seen += [m["text"] for m in body["items"]]
        if "nextToken" not in body:
            break
        params["nextToken"] = body["nextToken"]
    assert seen == [m["text"] for m in get({"externalId": FIRST})["items"]]
    assert len(seen) == 5


def test_the_link_is_one_small_item_under_the_first_contact(transferred_call: AwsResources) -> None:
    items = {(i["pk"], i["sk"]): i for i in transferred_call.items()}
    link = items[(f"CONV#{FIRST}", f"LEG#{SECOND}")]
    meta2 = items[(f"CONV#{SECOND}", "META")]
    assert (link["entity"], link["contactId"]) == ("leg", SECOND)
    assert meta2["initial_contact_id"] == FIRST
    # retention (7 days) from leg 2's creation, plus a day's grace so the link outlives the leg's last messages
    assert int(link["expiresAt"]) == int(meta2["created_at_ms"]) // 1000 + (7 + 1) * 86_400
    assert "initial_contact_id" not in items[(f"CONV#{FIRST}", "META")]
    assert not [k for k in items if k[0] == f"CONV#{SECOND}" and k[1].startswith("LEG#")]
