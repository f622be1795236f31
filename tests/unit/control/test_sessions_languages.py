"""Start languages per deployment: SUPPORTED_LANGUAGES as infra writes it for each engine (speech/weights.py)."""

from __future__ import annotations

import json

import pytest
from connect_transcribe.control.sessions import SessionPolicy, SessionService
from connect_transcribe.errors import UnsupportedSetting
from connect_transcribe.models.api import StartStreamingRequest
from connect_transcribe.settings import ApiSettings
from connect_transcribe.speech.weights import accepted_languages
from pydantic import ValidationError

from tests.clock import FakeClock
from tests.factories import start_body
from tests.unit.control.fakes import InMemoryConversationStore, InMemoryJobQueue
from tests.unit.control.test_sessions import CountingIds


def deployment(monkeypatch: pytest.MonkeyPatch, *, multilingual: bool) -> tuple[SessionService, InMemoryJobQueue]:
    """The API's service with the settings a tiny.en (English) or base (multilingual) deployment gets."""
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("SESSIONS_QUEUE_URL", "q")
    monkeypatch.setenv("SUPPORTED_LANGUAGES", json.dumps(list(accepted_languages(multilingual))))
    settings = ApiSettings()  # type: ignore[call-arg]
    queue = InMemoryJobQueue()
    policy = SessionPolicy(supported_languages=settings.supported_languages)
    return SessionService(InMemoryConversationStore(), queue, FakeClock(), CountingIds(), policy), queue


def start(service: SessionService, language: str) -> None:
    service.start(StartStreamingRequest.model_validate(start_body("c-1", autotranscribeParams={"language": language})))


@pytest.mark.parametrize("language", ["es-US", "es-ES", "fr-CA", "fr-FR", "pt-BR", "de-DE", "auto", "en-US"])
def test_a_base_deployment_starts_the_multilingual_languages_and_auto(monkeypatch, language: str) -> None:
    service, queue = deployment(monkeypatch, multilingual=True)

    start(service, language)

    assert [job.guid for job in queue.jobs] == ["c-1"]


@pytest.mark.parametrize("language", ["es-US", "auto"])
def test_a_tiny_en_deployment_refuses_them_with_422_01(monkeypatch, language: str) -> None:
    service, queue = deployment(monkeypatch, multilingual=False)

    with pytest.raises(UnsupportedSetting, match=f"'{language}' is not supported by this deployment") as raised:
        start(service, language)

    assert raised.value.code == "422-01"
    assert queue.jobs == []


@pytest.mark.parametrize("language", ["Auto", "AUTO", "auto-US", "es_US"])
def test_the_wire_model_accepts_only_auto_or_a_tag(language: str) -> None:
    with pytest.raises(ValidationError, match="language"):
        StartStreamingRequest.model_validate(start_body("c-1", autotranscribeParams={"language": language}))
