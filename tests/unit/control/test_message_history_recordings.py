"""MessageService with recording links (in-memory): recordingUrl when the call's recording is stored and nothing
otherwise, each recorded leg's link across the legs of a transferred call, and no lookup for a refused query."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from connect_transcribe.control.message_history import MessageService
from connect_transcribe.errors import ConversationNotFound, InvalidField
from connect_transcribe.models.api import Role
from connect_transcribe.models.message_history import MessagesQuery

from tests.unit.control.test_message_history import GUID, FakeReader, a_call
from tests.unit.control.test_message_history_legs import FIRST, SECOND, FakeStore, leg_one, leg_two

THIRD = "33333333-4b5a-4697-8877-665544332211"


class FakeRecordingLinks:
    """RecordingLinks over a dict of the recordings that exist; remembers every guid it was asked about."""

    def __init__(self, recorded: set[str]) -> None:
        self.recorded = recorded
        self.asked: list[str] = []

    def link(self, guid: str) -> str | None:
        self.asked.append(guid)
        return f"https://recordings.example/{guid}.wav?sig=1" if guid in self.recorded else None


def url(guid: str) -> str:
    return f"https://recordings.example/{guid}.wav?sig=1"


def ask(service: MessageService, external_id: str, **params: Any) -> dict[str, Any]:
    return service.page(MessagesQuery.model_validate({"externalId": external_id, **params})).wire()


# -- one conversation ------------------------------------------------------------------------------------------------


def test_a_recorded_call_links_its_recording_beside_the_unchanged_messages() -> None:
    # Given a call whose recording is stored
    links = FakeRecordingLinks({GUID})
    plain = ask(MessageService(FakeReader(a_call(3))), GUID)

    # When its messages are listed
    body = ask(MessageService(FakeReader(a_call(3)), recordings=links), GUID)

    # Then the page carries the link, asked for once, and the messages are exactly those without recordings
    assert body["recordingUrl"] == url(GUID)
    assert links.asked == [GUID]
    assert {k: v for k, v in body.items() if k != "recordingUrl"} == plain
    assert "legRecordingUrls" not in body  # one leg: no per-leg map


def test_without_a_recording_or_a_recordings_store_the_body_is_as_before() -> None:
    # Given the same call, not recorded; and a deployment with no recordings bucket
    unrecorded = MessageService(FakeReader(a_call(4)), recordings=FakeRecordingLinks(set()))
    without_store = MessageService(FakeReader(a_call(4)))

    # Then both list the same body, with no recording key at all
    assert ask(unrecorded, GUID, limit=3) == ask(without_store, GUID, limit=3)
    assert set(ask(unrecorded, GUID, limit=3)) == {"items", "nextToken"}
    assert ask(MessageService(FakeReader([]), recordings=FakeRecordingLinks(set())), GUID) == {"items": []}


def test_every_page_carries_the_link_asked_once_per_page() -> None:
    links = FakeRecordingLinks({GUID})
    service = MessageService(FakeReader(a_call(5)), recordings=links)

    first = ask(service, GUID, limit=3)
    rest = ask(service, GUID, limit=3, nextToken=first["nextToken"])

    assert (first["recordingUrl"], rest["recordingUrl"]) == (url(GUID), url(GUID))
    assert "nextToken" not in rest and links.asked == [GUID, GUID]


def test_a_started_call_without_messages_yet_still_links_its_recording() -> None:
    links = FakeRecordingLinks({GUID})
    assert ask(MessageService(FakeReader([]), recordings=links), GUID) == {"items": [], "recordingUrl": url(GUID)}


@pytest.mark.parametrize(
    "token",
    ["not a token!", base64.urlsafe_b64encode(b'{"start_ms": 1}').decode().rstrip("=")],
)
def test_a_refused_token_asks_for_no_link(token: str) -> None:
    links = FakeRecordingLinks({GUID})
    with pytest.raises(InvalidField):
        ask(MessageService(FakeReader(a_call(3)), recordings=links), GUID, nextToken=token)
    assert links.asked == []


def test_an_unknown_conversation_asks_for_no_link() -> None:
    links = FakeRecordingLinks({"other"})  # even a stray recording under that id: the 404 comes first
    with pytest.raises(ConversationNotFound):
        ask(MessageService(FakeReader(a_call(3)), recordings=links), "other")
    assert links.asked == []


# -- a transferred call -----------------------------------------------------------------------------------------------


def legs_service(links: FakeRecordingLinks, *, third: bool = False) -> MessageService:
    stored = leg_one() + leg_two()
    store = FakeStore(stored, {FIRST: [SECOND, THIRD] if third else [SECOND]})
    return MessageService(store, legs=store, recordings=links)


def test_the_first_contact_id_links_every_recorded_leg_by_its_contact_id() -> None:
    # Given a call transferred twice: legs 1 and 2 recorded, leg 3 not (or not yet joined)
    links = FakeRecordingLinks({FIRST, SECOND})

    # When asked by the first contact id
    body = ask(legs_service(links, third=True), FIRST)

    # Then each recorded leg's link is under its contact id, and recordingUrl is the first contact's own
    assert body["legRecordingUrls"] == {FIRST: url(FIRST), SECOND: url(SECOND)}
    assert body["recordingUrl"] == url(FIRST)
    assert sorted(links.asked) == sorted([FIRST, SECOND, THIRD])  # each leg once
    assert [m["contactId"] for m in body["items"]] == [FIRST] * 3 + [SECOND] * 3


def test_an_unrecorded_first_leg_has_no_recording_url_but_its_later_legs_are_linked() -> None:
    # Given an IVR first leg that was not recorded, and a recorded agent leg after the transfer
    body = ask(legs_service(FakeRecordingLinks({SECOND})), FIRST)

    assert "recordingUrl" not in body
    assert body["legRecordingUrls"] == {SECOND: url(SECOND)}


def test_a_transferred_call_with_no_recording_keeps_the_body_it_had() -> None:
    store = FakeStore(leg_one() + leg_two(), {FIRST: [SECOND]})
    plain = ask(MessageService(store, legs=store), FIRST, limit=2)

    body = ask(legs_service(FakeRecordingLinks(set())), FIRST, limit=2)

    assert body == plain and set(body) == {"items", "nextToken"}


def test_a_later_legs_own_contact_id_links_that_legs_recording_alone() -> None:
    links = FakeRecordingLinks({FIRST, SECOND})

    body = ask(legs_service(links), SECOND)

    assert body["recordingUrl"] == url(SECOND) and "legRecordingUrls" not in body
    assert links.asked == [SECOND]


def test_a_refused_token_across_legs_asks_for_no_link() -> None:
    links = FakeRecordingLinks({FIRST, SECOND})
    forged = base64.urlsafe_b64encode(b'{"start_ms":0,"role":"agent","sequence":1,"contact_id":"x"}').decode()

    with pytest.raises(InvalidField):
        ask(legs_service(links), FIRST, nextToken=forged.rstrip("="))
    assert links.asked == []


def test_pages_across_legs_each_carry_the_links() -> None:
    links = FakeRecordingLinks({SECOND})
    service = legs_service(links)

    first = ask(service, FIRST, limit=4)
    rest = ask(service, FIRST, limit=4, nextToken=first["nextToken"])

    assert first["legRecordingUrls"] == rest["legRecordingUrls"] == {SECOND: url(SECOND)}
    assert len(links.asked) == 4  # two legs, two pages
    assert [m["sender"]["role"] for m in rest["items"]] == [Role.CUSTOMER.value, Role.AGENT.value]
