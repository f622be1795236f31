"""Interim results in the deployment config: interim_results reaches the API function as INTERIM_RESULTS and
interim_every_ms the media gateway as INTERIM_EVERY_MS, each read back by its settings; the defaults add nothing to
either environment (the template of a deployment that does not use them is unchanged)."""

from __future__ import annotations

import pytest
from connect_transcribe.settings import ApiSettings, GatewaySettings

from infra.config import DeploymentConfig
from tests.infra.test_control_plane_stack import env, function_by_code_folder
from tests.infra.test_media_gateway_vocabulary import environment as gateway_env


def test_the_defaults_add_no_variable(default_synth):
    _, api = function_by_code_folder(default_synth.template, "api")
    assert "INTERIM_RESULTS" not in env(api)
    assert "INTERIM_EVERY_MS" not in gateway_env(default_synth.template)


def test_configured_values_reach_the_functions_and_read_back(synth, monkeypatch):
    template = synth({"interim_results": "true", "interim_every_ms": "800"}).template
    _, api = function_by_code_folder(template, "api")
    assert env(api)["INTERIM_RESULTS"] == "true"
    assert gateway_env(template)["INTERIM_EVERY_MS"] == "800"
    for name in ("TABLE_NAME", "SESSIONS_QUEUE_URL", "UTTERANCES_QUEUE_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("INTERIM_RESULTS", "true")
    monkeypatch.setenv("INTERIM_EVERY_MS", "800")
    assert ApiSettings().interim_results is True
    assert GatewaySettings().interim_every_ms == 800


@pytest.mark.parametrize("value", ["100", "6000"])
def test_an_interim_cadence_out_of_range_fails_the_synth(value):
    with pytest.raises(ValueError, match="interim_every_ms"):
        DeploymentConfig.model_validate({"interim_every_ms": value})
