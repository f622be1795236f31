"""The webhook secret from Secrets Manager, cached in memory for `max_age` seconds (powertools parameters),
so warm invocations do not call Secrets Manager per record and a rotation is picked up within `max_age`."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import TransformParameterError
from pydantic import ValidationError

from connect_transcribe.delivery.failures import ConfigurationError
from connect_transcribe.models.webhook import WebhookSecret


class SecretsManagerWebhookSecret:
    def __init__(self, secret_arn: str | None, max_age: int) -> None:
        self._arn = secret_arn
        self._max_age = max_age

    def __call__(self) -> WebhookSecret:
        if not self._arn:  # auth none, no mTLS, no signing: nothing to fetch
            return WebhookSecret()
        try:
            raw = parameters.get_secret(self._arn, transform="json", max_age=self._max_age)
        except TransformParameterError:
            raise ConfigurationError("the webhook secret is not a JSON object") from None
        try:
            return WebhookSecret.model_validate(raw)
        except ValidationError as exc:  # the message names fields only: the input holds secret values
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "secret" for e in exc.errors(include_input=False))
            raise ConfigurationError(f"the webhook secret has invalid fields: {fields}") from None
