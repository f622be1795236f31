from __future__ import annotations

import pytest
from connect_transcribe.models.enums import WebhookAuthMode
from connect_transcribe.models.webhook import WebhookSecret
from connect_transcribe.settings import WebhookSettings
from pydantic import ValidationError

BASE = {"WEBHOOK_URL": "https://h.example.com/x", "DELIVERY_DLQ_URL": "https://sqs/q.fifo"}


def settings(monkeypatch, **env: str) -> WebhookSettings:
    for name, value in (BASE | env).items():
        monkeypatch.setenv(name, value)
    return WebhookSettings()


def test_defaults(monkeypatch) -> None:
    s = settings(monkeypatch)
    assert (s.auth, s.header_name, s.query_param, s.timeout_seconds, s.max_receives, s.retry_budget_seconds) == (
        WebhookAuthMode.NONE,
        "X-Webhook-Token",
        "token",
        5.0,
        5,
        20.0,
    )
    assert not (s.mtls or s.signing or s.allow_http or s.allow_private_targets)


@pytest.mark.parametrize("env", [{"WEBHOOK_AUTH": "header"}, {"WEBHOOK_MTLS": "true"}, {"WEBHOOK_SIGNING": "true"}])
def test_a_secret_is_required_when_something_needs_it(monkeypatch, env) -> None:
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET_ARN"):
        settings(monkeypatch, **env)


def test_oauth2_needs_a_token_url(monkeypatch) -> None:
    with pytest.raises(ValidationError, match="OAUTH_TOKEN_URL"):
        settings(monkeypatch, WEBHOOK_AUTH="oauth2", WEBHOOK_SECRET_ARN="arn:aws:secretsmanager:x")


def test_secret_keys_are_camel_case_and_secrets_stay_hidden() -> None:
    secret = WebhookSecret.model_validate(
        {"token": "t0k", "clientId": "c", "clientSecret": "cs", "signingSecret": "s" * 16}
    )
    assert secret.client_id == "c"
    assert "t0k" not in repr(secret) and "cs" not in str(secret)
    with pytest.raises(ValidationError):
        WebhookSecret.model_validate({"signingSecret": "short"})
