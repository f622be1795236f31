"""The API's api-id/secret pairs from Secrets Manager (powertools parameters, cached in memory)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from connect_transcribe.models.credentials import ApiCredentialsSecret


def api_credentials(secret_arn: str, max_age: int) -> ApiCredentialsSecret:
    """The stored api-id/secret pairs, cached in memory for `max_age` seconds."""
    raw = parameters.get_secret(secret_arn, transform="json", max_age=max_age)
    return ApiCredentialsSecret.model_validate(raw)
