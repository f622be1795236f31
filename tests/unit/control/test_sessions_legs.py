"""SessionService records a transfer leg's first contact at its first start, and keeps it fixed."""

from __future__ import annotations

from typing import Any

import pytest
from connect_transcribe.control.sessions import SessionService
from connect_transcribe.errors import ConflictingRequest
from connect_transcribe.models.api import StartStreamingRequest, StopStreamingRequest

from tests.clock import FakeClock
from tests.factories import STREAM_ARN, start_body
from tests.unit.control.fakes import InMemoryConversationStore, InMemoryJobQueue


class Ids:
    def new_stream_id(self) -> str:
        return "stream"


def leg_body(guid: str, initial: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"streamArn": STREAM_ARN, "startSelectorType": "NOW"}
    if initial is not None:
        params["initialContactId"] = initial
    return start_body(guid, amazonConnectParams=params)


@pytest.fixture
def store() -> InMemoryConversationStore:
    return InMemoryConversationStore()


@pytest.fixture
def service(store: InMemoryConversationStore) -> SessionService:
    return SessionService(store, InMemoryJobQueue(), FakeClock(), Ids())


def test_a_later_leg_remembers_its_first_contact(service: SessionService, store: InMemoryConversationStore) -> None:
    service.start(StartStreamingRequest.model_validate(leg_body("leg-2", "leg-1")))
    service.start(StartStreamingRequest.model_validate(leg_body("leg-1", "leg-1")))  # the first leg names itself
    service.start(StartStreamingRequest.model_validate(leg_body("plain", None)))

    assert [store.get(g).initial_contact_id for g in ("leg-2", "leg-1", "plain")] == ["leg-1", None, None]  # type: ignore[union-attr]


def test_the_link_is_fixed_at_the_first_start(service: SessionService, store: InMemoryConversationStore) -> None:
    # Given a leg started and paused
    service.start(StartStreamingRequest.model_validate(leg_body("leg-2", "leg-1")))
    service.stop(StopStreamingRequest.model_validate({"namespace": "amazonconnect", "guid": "leg-2"}))

    # When it resumes naming another first contact, that is a conflict; without one (or the same) it resumes
    with pytest.raises(ConflictingRequest, match=r"amazonConnectParams.initialContactId: .*'leg-1'"):
        service.start(StartStreamingRequest.model_validate(leg_body("leg-2", "other")))
    service.start(StartStreamingRequest.model_validate(leg_body("leg-2", None)))
    assert store.get("leg-2").initial_contact_id == "leg-1"  # type: ignore[union-attr]
