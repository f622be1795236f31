"""Every deployable's environment satisfies its runtime settings models (connect_transcribe/settings.py).

Catches drift between infra and runtime: a renamed variable, a missing required one, a bad value, a function or
container nobody checks. Each Lambda function and the media gateway container is matched to the models its entry
point reads; every variable the template sets, Powertools' and AWS's own aside, must be one of their fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from connect_transcribe import settings as runtime_settings
from connect_transcribe.models.enums import ApiAuthMode
from pydantic_settings import BaseSettings

# Read by Powertools or the AWS runtime, not by our settings models.
PLATFORM_PREFIXES = ("POWERTOOLS_", "AWS_")
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
    "RECORDINGS_BUCKET": "test-controlplane-recordingsbucket-abc",
    "EXPORT_STATE_MACHINE_ARN": "arn:aws:states:eu-west-2:123456789012:stateMachine:FileExporterStateMachine-AbC",
}
GATEWAY = "media_gateway"
# Each deployable and the settings models its entry point reads (functions/<folder>/handler.py through wiring/;
# the worker's `python -m connect_transcribe.gateway` and its container health check).
SETTINGS_BY_DEPLOYABLE: dict[str, tuple[type[BaseSettings], ...]] = {
    "api": (runtime_settings.ApiSettings,),
    "authorizer": (runtime_settings.AuthorizerSettings,),
    "connect_start": (runtime_settings.ConnectFlowSettings,),
    "connect_stop": (runtime_settings.ConnectFlowSettings,),
    "webhook_delivery": (runtime_settings.WebhookSettings,),
    "agent_events": (runtime_settings.AgentEventsSettings,),
    "export_plan": (runtime_settings.ExportSettings,),
    "export_hour": (runtime_settings.ExportSettings,),
    "export_commit": (runtime_settings.ExportSettings,),
    "file_exporter_api": (runtime_settings.FeedApiSettings,),
    GATEWAY: (runtime_settings.GatewaySettings, runtime_settings.GatewayHealthSettings),
}
# Lambda functions by a phrase of their (fixed) description.
DESCRIPTION_MARKERS = {
    "api": "Start/Stop streaming API",
    "authorizer": "API authorizer",
    "connect_start": "start-streaming",
    "connect_stop": "stop-streaming",
    "webhook_delivery": "webhook delivery",
    "agent_events": "pause on hold",
    "export_plan": "File Exporter plan",
    "export_hour": "File Exporter hour",
    "export_commit": "File Exporter commit",
    "file_exporter_api": "File Exporter API",
}
VARIANTS = ("default", "full", "external")


def _function_environments(template) -> dict[str, dict[str, Any]]:
    """Every Lambda function's environment by deployable; a function no marker names fails (it would go unchecked)."""
    found: dict[str, dict[str, Any]] = {}
    for logical_id, fn in template.find_resources("AWS::Lambda::Function").items():
        description = fn["Properties"].get("Description", "")
        names = [name for name, marker in DESCRIPTION_MARKERS.items() if marker in description]
        assert len(names) == 1, f"{logical_id} ({description!r}) must match one deployable, matched {names}"
        assert names[0] not in found, f"two functions are {names[0]}"
        found[names[0]] = fn["Properties"].get("Environment", {}).get("Variables", {})
    return found


def _container_environment(template) -> dict[str, Any]:
    (task,) = template.find_resources("AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    return {e["Name"]: e["Value"] for e in container.get("Environment", [])}


def _deployable_environments(template) -> dict[str, dict[str, Any]]:
    return {**_function_environments(template), GATEWAY: _container_environment(template)}


def _environment(template, name: str) -> dict[str, Any]:
    return _deployable_environments(template)[name]


def _ours(environment: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in environment.items() if not k.startswith(PLATFORM_PREFIXES)}


def _aliases(*models: type[BaseSettings]) -> set[str]:
    return {str(f.validation_alias) for m in models for f in m.model_fields.values() if f.validation_alias}


def _required(*models: type[BaseSettings]) -> set[str]:
    return {str(f.validation_alias) for m in models for f in m.model_fields.values() if f.is_required()}


def _deploy_time(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    assert name in DEPLOY_TIME_VALUES, f"{name} is filled in at deploy time ({value}): add a stand-in value"
    return DEPLOY_TIME_VALUES[name]


def _load(model: type[BaseSettings], ours: Mapping[str, Any], monkeypatch, **extra: str) -> BaseSettings:
    """Read `model` from exactly `ours` (+ extra), as the deployed entry point would."""
    for name in _aliases(model):
        monkeypatch.delenv(name, raising=False)
    for name, value in ours.items():
        monkeypatch.setenv(name, _deploy_time(name, value))
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return model()  # raises if a required variable is missing or a value does not parse


def _load_settings(template, name: str, monkeypatch, **extra: str) -> BaseSettings:
    """The (first) settings model of a deployable, read from its environment in the template."""
    return _load(SETTINGS_BY_DEPLOYABLE[name][0], _ours(_environment(template, name)), monkeypatch, **extra)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_deployable_environment_satisfies_its_settings_models(
    variant, default_synth, full_synth, external_synth, monkeypatch
):
    """Given each configuration variant, every function and the worker container set only variables their
    settings models read, all the required ones, and values those models accept."""
    synth = {"default": default_synth, "full": full_synth, "external": external_synth}[variant]
    environments = _deployable_environments(synth.template)
    # The authorizer exists only with api_auth=api_secret; everything else is always deployed.
    expected = set(SETTINGS_BY_DEPLOYABLE) - ({"authorizer"} if synth.config.api_auth is ApiAuthMode.IAM else set())
    expected -= {"agent_events"} if synth.config.agent_event_stream_arn is None else set()  # opt-in
    assert set(environments) == expected

    for name, environment in environments.items():
        models = SETTINGS_BY_DEPLOYABLE[name]
        ours = _ours(environment)
        model_names = [m.__name__ for m in models]

        unread = set(ours) - _aliases(*models)
        assert not unread, f"{name} sets {sorted(unread)}, which none of {model_names} reads"

        # The idle webhook function (no webhook_url) is deployed without its URL and never invoked.
        idle = {"WEBHOOK_URL": "https://hooks.example.com/transcripts"}
        extra = idle if name == "webhook_delivery" and synth.config.webhook_url is None else {}
        missing = _required(*models) - set(ours) - set(extra)
        assert not missing, f"{name} lacks {sorted(missing)}, required by {model_names}"

        for model in models:
            with monkeypatch.context() as patch:
                _load(model, ours, patch, **extra)


def test_env_names_come_from_the_settings_models():
    """infra names variables through the models: a misspelt field fails at synth, a None value is left out."""
    gateway = runtime_settings.GatewaySettings

    assert runtime_settings.env_name(gateway, "table_name") == "TABLE_NAME"
    assert runtime_settings.environment(gateway, engine="base", kvs_role_arn=None) == {"ENGINE": "base"}
    with pytest.raises(ValueError, match="GatewaySettings has no field 'tabel_name'"):
        runtime_settings.env_name(gateway, "tabel_name")


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


@pytest.mark.parametrize("variant", ["default", "external"])
def test_gateway_settings_carry_the_deployment_config(variant, default_synth, external_synth, monkeypatch):
    synth = default_synth if variant == "default" else external_synth

    settings = _load_settings(synth.template, GATEWAY, monkeypatch)

    assert settings.max_sessions == synth.config.gateway_max_sessions_per_task
    assert settings.decode_workers == synth.config.gateway_vcpus
    assert settings.kvs_role_arn == synth.config.kvs_role_arn
    assert settings.kvs_external_id == synth.config.kvs_external_id


def test_gateway_logs_at_the_configured_level(default_synth):
    """The worker's logger is Powertools' and reads POWERTOOLS_LOG_LEVEL, as the functions' loggers do."""
    environment = _environment(default_synth.template, GATEWAY)

    assert environment["POWERTOOLS_LOG_LEVEL"] == default_synth.config.log_level
    assert "LOG_LEVEL" not in environment


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


def test_agent_events_settings_carry_the_deployment_config(synth, monkeypatch):
    """Given pause on hold switched on (agent_event_stream_arn), its function sets only what AgentEventsSettings
    reads, and the runtime reads back the contact id source the flow functions use."""
    context = {
        "agent_event_stream_arn": "arn:aws:kinesis:eu-west-2:123456789012:stream/connect-agent-events",
        "agent_event_stream_kms_key_arn": "arn:aws:kms:eu-west-2:123456789012:key/1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        "contact_id_source": "InitialContactId",
    }
    template = synth(context).template
    ours = _ours(_environment(template, "agent_events"))

    assert set(ours) <= _aliases(runtime_settings.AgentEventsSettings)
    settings = _load_settings(template, "agent_events", monkeypatch)
    assert (settings.contact_id_source.value, settings.retention_days) == ("InitialContactId", 7)
    flow = _load_settings(template, "connect_start", monkeypatch)
    assert flow.contact_id_source == settings.contact_id_source
