"""SUPPORTED_LANGUAGES, the Start languages the API accepts, follows gateway_engine (speech/weights.py defines them)."""

from __future__ import annotations

import json

import pytest
from connect_transcribe.settings import ApiSettings, GatewaySettings
from connect_transcribe.speech.weights import AUTO, ENGLISH, MULTILINGUAL
from pydantic import ValidationError

from infra.config import DeploymentConfig
from tests.infra.test_settings_contract import GATEWAY, _environment


@pytest.mark.parametrize(
    ("engine", "languages", "expected"),
    [
        ("tiny.en", None, ENGLISH),
        ("base", None, (*MULTILINGUAL, AUTO)),
        ("dir:/models/whisper-small", None, ENGLISH),
        ("dir:/models/whisper-small", "es-US,en-US,auto", ("es-US", "en-US", "auto")),
    ],
)
def test_the_supported_languages_follow_the_engine(engine: str, languages: str | None, expected: tuple) -> None:
    config = DeploymentConfig.model_validate({"gateway_engine": engine, "gateway_languages": languages})

    assert config.supported_languages == expected


def test_base_accepts_the_issue_languages_and_auto() -> None:
    accepted = DeploymentConfig(gateway_engine="base").supported_languages

    assert {"es-US", "es-ES", "fr-CA", "fr-FR", "pt-BR", "de-DE", "auto"} <= set(accepted)
    assert "es-US" not in DeploymentConfig().supported_languages


@pytest.mark.parametrize(
    ("engine", "languages", "message"),
    [
        ("base", "es-US", "only for gateway_engine dir:"),
        ("dir:/models/m", "es-US,xx-YY", "xx-YY not among"),
    ],
)
def test_gateway_languages_is_validated(engine: str, languages: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DeploymentConfig.model_validate({"gateway_engine": engine, "gateway_languages": languages})


def test_the_api_function_gets_the_engine_languages(default_synth, monkeypatch) -> None:
    environment = _environment(default_synth.template, "api")

    assert json.loads(environment["SUPPORTED_LANGUAGES"]) == list(default_synth.config.supported_languages)
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("SESSIONS_QUEUE_URL", "q")
    monkeypatch.setenv("SUPPORTED_LANGUAGES", environment["SUPPORTED_LANGUAGES"])
    assert ApiSettings().supported_languages == default_synth.config.supported_languages  # type: ignore[call-arg]


def test_the_gateway_detects_among_the_same_languages(default_synth, monkeypatch) -> None:
    environment = _environment(default_synth.template, GATEWAY)
    for name in ("TABLE_NAME", "SESSIONS_QUEUE_URL", "UTTERANCES_QUEUE_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("SUPPORTED_LANGUAGES", environment["SUPPORTED_LANGUAGES"])

    assert GatewaySettings().supported_languages == default_synth.config.supported_languages  # type: ignore[call-arg]
