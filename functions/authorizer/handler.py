"""Lambda authorizer for the optional api-id / api-secret mode (REQUEST type)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.control.api_credentials import execute_api_arn_for_all_methods, is_authorized
from connect_transcribe.observability import logger
from connect_transcribe.settings import AuthorizerSettings
from connect_transcribe.wiring import api as api_wiring


@cache
def settings() -> AuthorizerSettings:
    return AuthorizerSettings()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = settings()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    api_id = headers.get(config.id_header.lower())
    stored = api_wiring.api_credentials(config.credentials_secret_arn, config.secret_cache_seconds)
    if not is_authorized(stored, api_id, headers.get(config.secret_header.lower())):
        logger.info("api credentials rejected", extra={"api_id_present": bool(api_id)})
        raise Exception("Unauthorized")
    return {
        "principalId": api_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": execute_api_arn_for_all_methods(event["methodArn"]),
                }
            ],
        },
        "context": {"apiId": api_id},
    }
