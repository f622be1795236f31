"""MessageService across the legs of a transferred call (in-memory reader and leg index): spoken order across
legs, the leg of each message, pagination across legs, tokens from before the transfer, and the flow's link."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from connect_transcribe.control.connect_flow import FlowDefaults, parse_event, start_request, stop_request
from connect_transcribe.control.message_history import MessageService, spoken_key
from connect_transcribe.errors import ConversationNotFound, InvalidField
from connect_transcribe.models.api import Role, StartStreamingRequest
from connect_transcribe.models.enums import ContactIdSource
from connect_transcribe.models.message_history import MessagesQuery
from connect_transcribe.models.utterance import UtteranceMessage, utterance_id
from pydantic import ValidationError

from tests.factories import connect_event, start_body

FIRST = "8c259fea-8764-4a92-adc4-73572e9cf016"  # the InitialContactId: leg 1
SECOND = "1f0e2d3c-4b5a-4697-8877-665544332211"  # leg 2's ContactId after the transfer
T1 = 1_700_000_000_000  # epoch ms of leg 1's first audio
T2 = T1 + 60_000  # leg 2's audio starts a minute later; its `start` counts from 0 again


def utterance(leg: str, origin_ms: int, role: Role, sequence: int, start_ms: int) -> UtteranceMessage:
    stream = f"{leg[:4]}-{role.value}"
    return UtteranceMessage(
        utterance_id=utterance_id(leg, stream, sequence),
        guid=leg,
        namespace="amazonconnect",
        generation=1,
        stream_id=stream,
        role=role,
        external_id="cust-1" if role is Role.CUSTOMER else f"agent-{leg[:4]}",
        sequence=sequence,
        start_ms=start_ms,
        end_ms=start_ms + 900,
        text=f"{leg[:4]} {role.value} {sequence}",
        language="en-US",
        audio_timestamp_ms=origin_ms + start_ms + 900,  # as the gateway sets it: origin + end
        published_at_ms=origin_ms + start_ms + 1_200,
    )


def leg_one() -> list[UtteranceMessage]:
    return [
        utterance(FIRST, T1, Role.AGENT, 1, 0),
        utterance(FIRST, T1, Role.CUSTOMER, 1, 2_000),
        utterance(FIRST, T1, Role.AGENT, 2, 4_000),
    ]


def leg_two() -> list[UtteranceMessage]:
    return [
        utterance(SECOND, T2, Role.AGENT, 1, 0),
        utterance(SECOND, T2, Role.CUSTOMER, 1, 1_500),
        utterance(SECOND, T2, Role.AGENT, 2, 3_000),
    ]


class FakeStore:
    """MessageReader and LegIndex over lists: messages by guid, legs linked under a first contact."""

    def __init__(
        self, messages: list[UtteranceMessage], links: dict[str, list[str]], records: set[str] | None = None
    ) -> None:
        self.stored = messages
        self.links = links
        self.records = {m.guid for m in messages} if records is None else records

    def messages(self, guid: str) -> list[UtteranceMessage]:
        return list(reversed([m for m in self.stored if m.guid == guid]))  # any order: the service sorts

    def conversation_exists(self, guid: str) -> bool:
        return guid in self.records

    def legs(self, initial_contact_id: str) -> list[str]:
        return self.links.get(initial_contact_id, [])


def service(store: FakeStore) -> MessageService:
    return MessageService(store, legs=store)


def ask(svc: MessageService, external_id: str = FIRST, **params: Any) -> dict[str, Any]:
    return svc.page(MessagesQuery.model_validate({"externalId": external_id, **params})).wire()


def token_json(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def test_the_first_contact_id_returns_every_leg_in_spoken_order_with_its_leg() -> None:
    # Given two legs whose `start` both count from 0, stored leg 2 first
    svc = service(FakeStore(leg_two() + leg_one(), {FIRST: [SECOND]}))

    # When the API is asked by the InitialContactId
    items = ask(svc)["items"]

    # Then leg 1's messages come first (spoken earlier), then leg 2's, each naming its leg
    assert [(m["contactId"], m["sender"]["role"], m["sequence"], m["start"]) for m in items] == [
        (FIRST, "agent", 1, 0),
        (FIRST, "customer", 1, 2_000),
        (FIRST, "agent", 2, 4_000),
        (SECOND, "agent", 1, 0),
        (SECOND, "customer", 1, 1_500),
        (SECOND, "agent", 2, 3_000),
    ]


def test_overlapping_legs_interleave_by_audio_time() -> None:
    # Given a warm transfer: leg 2 begins while leg 1 is still talking (2.5 s after leg 1's audio began)
    overlap = [utterance(SECOND, T1 + 2_500, Role.AGENT, 1, 0), utterance(SECOND, T1 + 2_500, Role.CUSTOMER, 1, 3_000)]
    svc = service(FakeStore(leg_one() + overlap, {FIRST: [SECOND]}))

    # When asked by the first contact
    items = ask(svc)["items"]

    # Then messages interleave by when they were spoken (epoch), not by their leg-relative `start`
    assert [(m["contactId"][:4], m["sender"]["role"], m["start"]) for m in items] == [
        ("8c25", "agent", 0),  # T1
        ("8c25", "customer", 2_000),  # T1 + 2.0 s
        ("1f0e", "agent", 0),  # T1 + 2.5 s
        ("8c25", "agent", 4_000),  # T1 + 4.0 s
        ("1f0e", "customer", 3_000),  # T1 + 5.5 s
    ]


def test_within_a_leg_the_merged_order_is_the_single_leg_order() -> None:
    # Given one leg's messages with equal starts (ties broken by role, then sequence)
    leg = [*leg_one(), utterance(FIRST, T1, Role.CUSTOMER, 2, 4_000), utterance(FIRST, T1, Role.AGENT, 3, 4_000)]

    # Then ordering by spoken time keeps exactly the order by (start, role, sequence)
    by_spoken = sorted(leg, key=spoken_key)
    by_start = sorted(leg, key=lambda m: (m.start_ms, m.role.value, m.sequence))
    assert by_spoken == by_start


def test_a_later_legs_own_contact_id_returns_that_leg_alone_as_before() -> None:
    # Given the transfer above
    svc = service(FakeStore(leg_one() + leg_two(), {FIRST: [SECOND]}))

    # When asked by leg 2's ContactId
    body = ask(svc, SECOND)

    # Then only leg 2, in the single-leg shape (no contactId)
    assert [(m["sender"]["role"], m["sequence"]) for m in body["items"]] == [
        ("agent", 1),
        ("customer", 1),
        ("agent", 2),
    ]
    assert all("contactId" not in m for m in body["items"])


def test_pages_across_legs_cover_every_message_once() -> None:
    # Given three legs (a second transfer links leg 3 under the same first contact) of 3 messages each
    third = "33333333-4b5a-4697-8877-665544332211"
    leg_three = [utterance(third, T2 + 60_000, r, s, st) for r, s, st in [(Role.AGENT, 1, 0), (Role.CUSTOMER, 1, 700)]]
    svc = service(FakeStore(leg_one() + leg_two() + leg_three, {FIRST: [third, SECOND]}))
    everything = [(m["contactId"], m["messageId"]) for m in ask(svc)["items"]]

    # When paging with limit 2
    seen: list[tuple[str, str]] = []
    token = None
    pages = 0
    while True:
        body = ask(svc, limit=2, **({"nextToken": token} if token else {}))
        seen += [(m["contactId"], m["messageId"]) for m in body["items"]]
        pages += 1
        token = body.get("nextToken")
        if token is None:
            break

    # Then the pages hold every message once, in the same order as one big page, leg 3 last
    assert (seen, pages, len(seen)) == (everything, 4, 8)
    assert [leg for leg, _ in seen[-2:]] == [third, third]


def test_a_token_from_before_the_transfer_continues_in_the_merged_order() -> None:
    # Given paging began while the call had one leg
    store = FakeStore(leg_one(), {})
    first_page = ask(service(store), limit=2)
    assert "contactId" not in first_page["items"][0] and "contact_id" not in token_json(first_page["nextToken"])

    # When leg 2 is linked meanwhile and the client asks for the next page with the old token
    store.stored += leg_two()
    store.links[FIRST] = [SECOND]
    rest = ask(service(store), limit=1000, nextToken=first_page["nextToken"])["items"]

    # Then it continues after leg 1's second message, through leg 2
    assert [(m["contactId"][:4], m["sender"]["role"], m["sequence"]) for m in rest] == [
        ("8c25", "agent", 2),
        ("1f0e", "agent", 1),
        ("1f0e", "customer", 1),
        ("1f0e", "agent", 2),
    ]


def test_a_token_naming_another_leg_is_refused_for_a_single_leg() -> None:
    # Given a token issued across legs whose last message is leg 1's (links: leg 2 under leg 1)
    store = FakeStore(leg_one() + leg_two(), {FIRST: [SECOND]})
    token = ask(service(store), limit=1)["nextToken"]
    assert token_json(token)["contact_id"] == FIRST

    # When it is used for leg 2's own messages
    with pytest.raises(InvalidField, match="nextToken: issued for another externalId"):
        ask(service(store), SECOND, nextToken=token)


def test_a_forged_token_with_a_leg_but_no_time_is_refused() -> None:
    forged = base64.urlsafe_b64encode(b'{"start_ms":0,"role":"agent","sequence":1,"contact_id":"x"}').decode()
    with pytest.raises(InvalidField, match="nextToken: not a token this API issued"):
        ask(service(FakeStore(leg_one(), {FIRST: [SECOND]})), nextToken=forged.rstrip("="))


def test_a_first_contact_never_transcribed_still_finds_its_legs() -> None:
    # Given an IVR first leg that was never transcribed (no record, no messages), and a transcribed leg 2
    svc = service(FakeStore(leg_two(), {FIRST: [SECOND]}, records={SECOND}))

    # Then asking by the first contact returns leg 2; a linked call with nothing stored yet is empty, not 404
    assert [m["contactId"] for m in ask(svc)["items"]] == [SECOND] * 3
    assert ask(service(FakeStore([], {FIRST: [SECOND]}, records=set()))) == {"items": []}
    with pytest.raises(ConversationNotFound):
        ask(service(FakeStore([], {}, records=set())))


# -- the link at start: flow Lambda and request model ---------------------------------------------------------


def test_the_flow_passes_the_initial_contact_for_a_later_leg_only() -> None:
    transfer = parse_event(connect_event(SECOND, initial_contact_id=FIRST, previous_contact_id=FIRST))
    first = parse_event(connect_event(FIRST))

    leg2 = start_request(transfer, FlowDefaults())
    assert (leg2["guid"], leg2["amazonConnectParams"]["initialContactId"]) == (SECOND, FIRST)
    assert "initialContactId" not in start_request(first, FlowDefaults())["amazonConnectParams"]
    # keyed by the InitialContactId every leg is already one conversation: no link to pass
    one_conversation = start_request(transfer, FlowDefaults(contact_id_source=ContactIdSource.INITIAL_CONTACT_ID))
    assert one_conversation["guid"] == FIRST and "initialContactId" not in one_conversation["amazonConnectParams"]
    assert stop_request(transfer, FlowDefaults()) == {"namespace": "amazonconnect", "guid": SECOND}
    # and the API accepts what the flow sends
    assert StartStreamingRequest.model_validate(leg2).amazon_connect_params.initial_contact_id == FIRST


def test_an_initial_contact_id_that_is_not_an_identifier_is_refused() -> None:
    body = start_body(SECOND)
    body["amazonConnectParams"] = {**body["amazonConnectParams"], "initialContactId": "has space"}
    with pytest.raises(ValidationError, match="amazonConnectParams.initialContactId|initial_contact_id"):
        StartStreamingRequest.model_validate(body)


def test_an_old_token_for_a_first_contact_without_messages_is_refused() -> None:
    old = base64.urlsafe_b64encode(b'{"start_ms":0,"role":"agent","sequence":1}').decode().rstrip("=")
    with pytest.raises(InvalidField, match="nextToken: not a token this API issued"):
        ask(service(FakeStore(leg_two(), {FIRST: [SECOND]})), nextToken=old)
