from __future__ import annotations

import pytest
from connect_transcribe.control.api_credentials import execute_api_arn_for_all_methods, is_authorized
from connect_transcribe.models.credentials import ApiCredentialsSecret

STORED = ApiCredentialsSecret.model_validate(
    {
        "clients": [
            {"apiId": "connect", "apiSecret": "s3cret-s3cret-s3cret"},
            {"apiId": "crm", "apiSecret": "another-long-secret-value"},
        ]
    }
)


@pytest.mark.parametrize(
    ("api_id", "secret", "ok"),
    [
        ("connect", "s3cret-s3cret-s3cret", True),
        ("crm", "another-long-secret-value", True),
        ("connect", "another-long-secret-value", False),
        ("connect", "wrong", False),
        (None, "x", False),
        ("connect", None, False),
        ("", "", False),
    ],
)
def test_only_a_matching_pair_is_authorized(api_id: str | None, secret: str | None, ok: bool) -> None:
    assert is_authorized(STORED, api_id, secret) is ok


def test_a_single_generated_pair_is_accepted_as_stored_by_the_stack() -> None:
    stored = ApiCredentialsSecret.model_validate({"apiId": "connect-transcribe", "apiSecret": "x" * 32})
    assert is_authorized(stored, "connect-transcribe", "x" * 32)


def test_short_secrets_are_refused_when_loaded() -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        ApiCredentialsSecret.model_validate({"apiId": "a", "apiSecret": "short"})


def test_policy_resource_covers_every_route_of_the_stage() -> None:
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/mg-autotranscribe/v1/start-streaming"
    assert execute_api_arn_for_all_methods(arn) == "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*"
