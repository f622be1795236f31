"""The environment each function gets satisfies its runtime settings model (layers/common settings.py).

Catches drift between infra and runtime: a renamed variable, a missing required one, a bad value.
"""

from __future__ import annotations

from typing import Any

import pytest
from connect_transcribe import settings as runtime_settings
from pydantic_settings import BaseSettings

# Values CloudFormation fills in at deploy time, replaced by realistic stand-ins.
DEPLOY_TIME_VALUES = {
    "API_BASE_URL": "https://a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com/prod",
    "TABLE_NAME": "Test-ControlPlane-StorageTable-ABC",
    "SESSIONS_QUEUE_URL": "https://sqs.eu-west-2.amazonaws.com/123456789012/sessions",
    "UTTERANCES_QUEUE_URL": "https://sqs.eu-west-2.amazonaws.com/123456789012/utterances.fifo",
    "API_CREDENTIALS_SECRET_ARN": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:Credentials-AbCdEf",
    "WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:Webhook-AbCdEf",
    "DELIVERY_DLQ_URL": "https://sqs.eu-west-2.amazonaws.com/123456789012/utterances-dlq.fifo",
    "FEED_BUCKET": "test-controlplane-feedbucket-abc",
    "EXPORT_STATE_MACHINE_ARN": "arn:aws:states:eu-west-2:123456789012:stateMachine:FileExporterStateMachine-AbC",
}
SETTINGS_BY_FOLDER: dict[str, type[BaseSettings]] = {
    "api": runtime_settings.ApiSettings,
    "authorizer": runtime_settings.AuthorizerSettings,
    "connect_start": runtime_settings.ConnectFlowSettings,
    "connect_stop": runtime_settings.ConnectFlowSettings,
    "webhook_delivery": runtime_settings.WebhookSettings,
    "export_plan": runtime_settings.ExportSettings,
    "export_hour": runtime_settings.ExportSettings,
    "export_commit": runtime_settings.ExportSettings,
    "file_exporter_api": runtime_settings.FeedApiSettings,
}
DESCRIPTION_MARKERS = {
    "api": "Start/Stop streaming API",
    "authorizer": "API authorizer",
    "connect_start": "start-streaming",
    "connect_stop": "stop-streaming",
    "webhook_delivery": "webhook delivery",
    "export_plan": "File Exporter plan",
    "export_hour": "File Exporter hour",
    "export_commit": "File Exporter commit",
    "file_exporter_api": "File Exporter API",
}


def _environment(template, folder: str) -> dict[str, Any]:
    (fn,) = [
        f
        for f in template.find_resources("AWS::Lambda::Function").values()
        if DESCRIPTION_MARKERS[folder] in f["Properties"]["Description"]
    ]
    return fn["Properties"]["Environment"]["Variables"]


def _aliases(model: type[BaseSettings]) -> set[str]:
    return {str(f.validation_alias) for f in model.model_fields.values() if f.validation_alias}


# (folder, variant): the authorizer exists only in the api_secret ("full") variant; webhook delivery is
# attached (WEBHOOK_URL set) in "full" (OAuth2 + mTLS) and "external" (header token, brought secret).
CASES = (
    [(folder, "full") for folder in SETTINGS_BY_FOLDER]
    + [(folder, "default") for folder in SETTINGS_BY_FOLDER if folder not in ("authorizer", "webhook_delivery")]
    + [("webhook_delivery", "external")]
)


def _load_settings(template, folder: str, monkeypatch, **extra: str) -> BaseSettings:
    model = SETTINGS_BY_FOLDER[folder]
    environment = _environment(template, folder)
    ours = {k: v for k, v in environment.items() if not k.startswith("POWERTOOLS_")}

    # Every variable we set is one the runtime reads (no typos, no stale names).
    assert set(ours) <= _aliases(model)

    for name in _aliases(model):
        monkeypatch.delenv(name, raising=False)
    for name, value in ours.items():
        monkeypatch.setenv(name, value if isinstance(value, str) else DEPLOY_TIME_VALUES[name])
    for name, value in extra.items():
        monkeypatch.setenv(name, value)

    return model()  # raises if a required variable is missing or a value does not parse


@pytest.mark.parametrize(("folder", "variant"), CASES)
def test_function_environment_satisfies_runtime_settings(
    folder, variant, default_synth, full_synth, external_synth, monkeypatch
):
    synth = {"default": default_synth, "full": full_synth, "external": external_synth}[variant]

    _load_settings(synth.template, folder, monkeypatch)


def test_webhook_settings_carry_the_deployment_config(full_synth, external_synth, monkeypatch):
    """Given both attached variants, the runtime reads back what was configured."""
    full = _load_settings(full_synth.template, "webhook_delivery", monkeypatch)
    assert (full.url, full.auth.value, full.mtls, full.signing) == (full_synth.config.webhook_url, "oauth2", True, True)
    assert (full.oauth_token_url, full.oauth_scope, full.oauth_audience) == (
        full_synth.config.oauth_token_url,
        full_synth.config.oauth_scope,
        full_synth.config.oauth_audience,
    )
    assert (full.timeout_seconds, full.max_receives, full.retry_budget_seconds) == (5.0, 5, 20.0)

    external = _load_settings(external_synth.template, "webhook_delivery", monkeypatch)
    assert (external.auth.value, external.header_name) == ("header", "X-Api-Key")
    assert external.secret_arn == external_synth.config.webhook_secret_arn


def test_idle_webhook_function_lacks_only_the_url(default_synth, monkeypatch):
    """Given no webhook_url, the function is deployed without WEBHOOK_URL (and never invoked: no event source);
    everything else it needs is in place for the day the URL is set."""
    environment = _environment(default_synth.template, "webhook_delivery")
    assert "WEBHOOK_URL" not in environment

    settings = _load_settings(
        default_synth.template, "webhook_delivery", monkeypatch, WEBHOOK_URL="https://hooks.example.com/transcripts"
    )

    assert (settings.auth.value, settings.signing) == ("none", True)


def test_webhook_auth_modes_match_the_runtime_enum():
    from infra.config import WebhookAuth

    assert {m.value for m in WebhookAuth} == {m.value for m in runtime_settings.WebhookAuthMode}


@pytest.mark.parametrize("variant", ["default", "external"])
def test_gateway_environment_satisfies_runtime_settings(variant, default_synth, external_synth, monkeypatch):
    synth = default_synth if variant == "default" else external_synth
    (task,) = synth.template.find_resources("AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    # POWERTOOLS_* and LOG_LEVEL are read by powertools, not by the settings model.
    ours = {
        e["Name"]: e["Value"]
        for e in container["Environment"]
        if not e["Name"].startswith("POWERTOOLS_") and e["Name"] != "LOG_LEVEL"
    }
    model = runtime_settings.GatewaySettings

    assert set(ours) <= _aliases(model)

    for name in _aliases(model):
        monkeypatch.delenv(name, raising=False)
    for name, value in ours.items():
        monkeypatch.setenv(name, value if isinstance(value, str) else DEPLOY_TIME_VALUES[name])

    settings = model()
    assert settings.max_sessions == synth.config.gateway_max_sessions_per_task
    assert settings.kvs_role_arn == synth.config.kvs_role_arn


def test_auth_modes_match_the_runtime_enum():
    from infra.config import ApiAuth

    assert {m.value for m in ApiAuth} == {m.value for m in runtime_settings.ApiAuthMode}


@pytest.mark.parametrize("folder", ["export_plan", "export_hour", "export_commit", "file_exporter_api"])
def test_file_exporter_settings_carry_the_deployment_config(folder, synth, monkeypatch):
    """Given non-default File Exporter settings, the runtime reads back what was configured."""
    chosen = synth({"export_formats": "parquet", "export_max_interval_hours": "48", "feed_url_ttl_seconds": "900"})

    settings = _load_settings(chosen.template, folder, monkeypatch)

    assert settings.formats == ("parquet",)
    assert settings.max_interval_hours == 48
    if folder == "file_exporter_api":
        assert settings.url_ttl_seconds == 900
    else:
        assert settings.max_file_rows == chosen.config.export_max_file_rows
