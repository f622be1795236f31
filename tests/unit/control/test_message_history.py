"""MessageService on an in-memory reader: time order, wire mapping, the 1,000 default, pagination, errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from connect_transcribe.api.errors import describe_validation_error
from connect_transcribe.control.message_history import MessageService, iso_ms
from connect_transcribe.errors import ConversationNotFound, InvalidField
from connect_transcribe.models.api import Role
from connect_transcribe.models.message_history import MessagesQuery
from connect_transcribe.models.utterance import UtteranceMessage, utterance_id
from pydantic import ValidationError

GUID = "8c259fea-8764-4a92-adc4-73572e9cf016"


def utterance(role: Role, sequence: int, start_ms: int, **overrides: Any) -> UtteranceMessage:
    fields: dict[str, Any] = {
        "utterance_id": utterance_id(GUID, f"stream-{role.value}", sequence),
        "guid": GUID,
        "namespace": "amazonconnect",
        "generation": 1,
        "stream_id": f"stream-{role.value}",
        "role": role,
        "external_id": "cust-1" if role is Role.CUSTOMER else "agent-1",
        "sequence": sequence,
        "start_ms": start_ms,
        "end_ms": start_ms + 900,
        "text": f"{role.value} {sequence}",
        "language": "en-US",
        "audio_timestamp_ms": 1_700_000_000_000 + start_ms + 900,
        "published_at_ms": 1_700_000_000_000 + start_ms + 1_200,
    }
    return UtteranceMessage(**(fields | overrides))


class FakeReader:
    def __init__(self, messages: list[UtteranceMessage], *, conversation: bool = True) -> None:
        self.stored = messages
        self.conversation = conversation
        self.reads = 0

    def messages(self, guid: str) -> list[UtteranceMessage]:
        self.reads += 1
        return [m for m in self.stored if m.guid == guid]

    def conversation_exists(self, guid: str) -> bool:
        return self.conversation and guid == GUID


def query(**params: Any) -> MessagesQuery:
    return MessagesQuery.model_validate({"externalId": GUID, **params})


def a_call(turns: int) -> list[UtteranceMessage]:
    """Alternating turns, stored in key order (role, sequence) as DynamoDB returns them, not in time order."""
    customer = [utterance(Role.CUSTOMER, n + 1, start_ms=2_000 * (2 * n)) for n in range(turns // 2)]
    agent = [utterance(Role.AGENT, n + 1, start_ms=2_000 * (2 * n + 1)) for n in range(turns - turns // 2)]
    return agent + customer


def texts(service: MessageService, **params: Any) -> list[str]:
    return [m.text for m in service.page(query(**params)).items]


def test_messages_come_back_in_time_order_across_both_speakers() -> None:
    # Given stored messages whose key order (agent first) differs from time order
    service = MessageService(FakeReader(a_call(5)))

    # When the after-call API lists them
    got = texts(service)

    # Then they alternate as spoken
    assert got == ["customer 1", "agent 1", "customer 2", "agent 2", "agent 3"]


def test_equal_start_times_are_ordered_by_role_then_sequence() -> None:
    stored = [utterance(Role.CUSTOMER, 1, 500), utterance(Role.AGENT, 2, 500), utterance(Role.AGENT, 1, 500)]
    assert texts(MessageService(FakeReader(stored))) == ["agent 1", "agent 2", "customer 1"]


def test_a_message_maps_to_the_wire_shape_with_millisecond_utc_timestamps() -> None:
    stored = utterance(
        Role.CUSTOMER, 3, 61_000, published_at_ms=1_795_957_200_123, audio_timestamp_ms=1_795_957_199_005
    )

    items: Any = MessageService(FakeReader([stored])).page(query()).wire()["items"]

    [item] = items
    assert item == {
        "text": "customer 3",
        "sender": {"role": "customer", "externalId": "cust-1"},
        "messageId": stored.utterance_id,
        "createdTimestamp": "2026-11-29T13:00:00.123Z",
        "clientTimestamp": "2026-11-29T12:59:59.005Z",
        "streamId": "stream-customer",
        "sequence": 3,
        "start": 61_000,
        "end": 61_900,
    }


def test_unredacted_text_appears_only_when_it_was_stored() -> None:
    both = utterance(Role.AGENT, 1, 0, text="card [PCI]", unredacted_text="card 4111")
    plain = utterance(Role.AGENT, 2, 5_000)

    body = MessageService(FakeReader([both, plain])).page(query()).wire()

    items: Any = body["items"]
    assert (items[0]["text"], items[0]["unredactedText"]) == ("card [PCI]", "card 4111")
    assert "unredactedText" not in items[1]


def test_timestamps_never_round_through_floats() -> None:
    assert iso_ms(0) == "1970-01-01T00:00:00.000Z"
    assert iso_ms(1_700_000_000_999) == "2023-11-14T22:13:20.999Z"


def test_default_page_is_1000_messages_and_the_token_returns_the_rest() -> None:
    # Given a long call of 1,234 messages
    service = MessageService(FakeReader(a_call(1_234)))

    # When listed without a limit
    first = service.page(query())

    # Then the first 1,000 come back with a token, and the token yields exactly the other 234
    assert len(first.items) == 1_000 and first.next_token
    rest = service.page(query(nextToken=first.next_token))
    assert len(rest.items) == 234 and rest.next_token is None
    starts = [m.start for m in first.items + rest.items]
    assert starts == sorted(starts) and len(set(starts)) == 1_234


def test_exactly_a_full_page_has_no_token() -> None:
    page = MessageService(FakeReader(a_call(1_000))).page(query())
    assert len(page.items) == 1_000 and page.next_token is None


def test_paging_with_a_small_limit_visits_every_message_once_in_order() -> None:
    stored = [*a_call(23), utterance(Role.CUSTOMER, 99, 2_000), utterance(Role.CUSTOMER, 98, 2_000)]  # ties
    service = MessageService(FakeReader(stored))
    expected = texts(service)
    seen: list[str] = []
    token: str | None = None
    pages = 0

    while True:
        page = service.page(query(limit="4", **({"nextToken": token} if token else {})))
        pages += 1
        seen += [m.text for m in page.items]
        assert len(page.items) <= 4
        token = page.next_token
        if token is None:
            break

    assert seen == expected and len(seen) == 25 and pages == 7


def test_a_token_stays_valid_when_later_messages_arrive() -> None:
    reader = FakeReader(a_call(4))
    service = MessageService(reader)
    first = service.page(query(limit=2))
    reader.stored = [*reader.stored, utterance(Role.AGENT, 3, 50_000)]

    rest = service.page(query(limit=10, nextToken=first.next_token))

    assert [m.text for m in rest.items] == ["customer 2", "agent 2", "agent 3"]


@pytest.mark.parametrize(
    "token",
    [
        "not a token!",
        "%%%%",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'{"start_ms": 1}').decode(),
        base64.urlsafe_b64encode(b'{"start_ms": 1, "role": "bot", "sequence": 1}').decode(),
        "A",  # a lone base64 character is not decodable
    ],
)
def test_a_token_this_api_did_not_issue_is_rejected_before_reading(token: str) -> None:
    reader = FakeReader(a_call(3))

    with pytest.raises(InvalidField, match=r"^nextToken: not a token this API issued"):
        MessageService(reader).page(query(nextToken=token))

    assert reader.reads == 0


def test_unknown_conversation_is_not_found() -> None:
    with pytest.raises(ConversationNotFound, match=r"^externalId: no conversation 'other' is known"):
        MessageService(FakeReader(a_call(3))).page(MessagesQuery.model_validate({"externalId": "other"}))


def test_a_started_conversation_without_messages_is_an_empty_list() -> None:
    body = MessageService(FakeReader([])).page(query()).wire()
    assert body == {"items": []}


def test_messages_that_outlive_their_conversation_record_are_still_returned() -> None:
    assert texts(MessageService(FakeReader(a_call(2), conversation=False))) == ["customer 1", "agent 1"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "externalId: is required"),
        ({"externalId": ""}, "externalId: String should have at least 1 character"),
        ({"externalId": GUID, "limit": "0"}, "limit: must be a whole number from 1 to 1000, got '0'"),
        ({"externalId": GUID, "limit": "1001"}, "limit: must be a whole number from 1 to 1000, got '1001'"),
        ({"externalId": GUID, "limit": "-5"}, "limit: must be a whole number from 1 to 1000, got '-5'"),
        ({"externalId": GUID, "limit": "ten"}, "limit: must be a whole number from 1 to 1000, got 'ten'"),
        ({"externalId": GUID, "limt": "10"}, "limt: is not a recognised field"),
    ],
)
def test_bad_query_parameters_are_named_precisely(params: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MessagesQuery.model_validate(params)
    assert describe_validation_error(caught.value) == message


def test_limit_accepts_the_whole_range() -> None:
    assert (query(limit="1").limit, query(limit="1000").limit, query().limit) == (1, 1000, 1000)
