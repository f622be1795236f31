"""The api-id/secret Lambda authorizer against a moto Secrets Manager secret."""

from __future__ import annotations

import json

import boto3
import pytest

from functions.authorizer import handler as authorizer
from tests.conftest import AwsResources
from tests.factories import lambda_context

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/mg-autotranscribe/v1/start-streaming"


@pytest.fixture
def secret(aws: AwsResources, monkeypatch: pytest.MonkeyPatch) -> str:
    arn = boto3.client("secretsmanager").create_secret(
        Name="api-credentials", SecretString=json.dumps({"apiId": "crm", "apiSecret": "q" * 40})
    )["ARN"]
    monkeypatch.setenv("API_CREDENTIALS_SECRET_ARN", arn)
    monkeypatch.setenv("SECRET_CACHE_SECONDS", "0")
    authorizer.settings.cache_clear()
    return arn


def event(headers: dict[str, str]) -> dict:
    return {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": headers}


def test_matching_pair_is_allowed_on_every_route(secret: str) -> None:
    result = authorizer.handler(event({"ASAPP-API-ID": "crm", "asapp-api-secret": "q" * 40}), lambda_context())
    assert result["principalId"] == "crm"
    [statement] = result["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*",
    }


@pytest.mark.parametrize("headers", [{"asapp-api-id": "crm", "asapp-api-secret": "wrong"}, {"asapp-api-id": "crm"}, {}])
def test_anything_else_is_unauthorized(secret: str, headers: dict[str, str]) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(event(headers), lambda_context())


def test_secret_rotation_takes_effect_after_the_cache_expires(secret: str) -> None:
    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret, SecretString=json.dumps({"apiId": "crm", "apiSecret": "r" * 40})
    )
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(event({"asapp-api-id": "crm", "asapp-api-secret": "q" * 40}), lambda_context())
    assert authorizer.handler(event({"asapp-api-id": "crm", "asapp-api-secret": "r" * 40}), lambda_context())
