"""The deployment's custom vocabulary reaches the media gateway as CUSTOM_VOCABULARY, which the worker's settings
read back; a deployment without one gets no variable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template
from connect_transcribe.settings import GatewaySettings

from infra.config import DeploymentConfig


def environment(template: Template) -> dict[str, Any]:
    (task,) = template.find_resources("AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    return {e["Name"]: e["Value"] for e in container["Environment"]}


VOCABULARY = [
    {"phrase": "Contoso", "soundsLike": ["con toe so"]},
    {"phrase": "Kaelani Brzezinski", "soundsLike": []},
]


def test_configured_vocabulary_reaches_the_worker_as_json_it_reads_back(synth, monkeypatch):
    variables = environment(synth({"custom_vocabulary": json.dumps(VOCABULARY)}).template)

    assert json.loads(variables["CUSTOM_VOCABULARY"]) == VOCABULARY
    for name in ("TABLE_NAME", "SESSIONS_QUEUE_URL", "UTTERANCES_QUEUE_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("CUSTOM_VOCABULARY", variables["CUSTOM_VOCABULARY"])
    read = GatewaySettings().custom_vocabulary
    assert [(e.phrase, e.sounds_like) for e in read] == [("Contoso", ("con toe so",)), ("Kaelani Brzezinski", ())]


def test_no_vocabulary_variable_by_default(default_synth):
    assert "CUSTOM_VOCABULARY" not in environment(default_synth.template)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('[{"phrase": "Con_toso"}]', "custom_vocabulary.0.phrase"),
        ("[{phrase}]", "must be a JSON list"),
        (json.dumps([{"phrase": f"Name{i}"} for i in range(101)]), "at most 100 entries, got 101"),
    ],
)
def test_a_bad_vocabulary_fails_the_synth_naming_the_key(value, message):
    with pytest.raises(ValueError, match=message):
        DeploymentConfig.model_validate({"custom_vocabulary": value})
