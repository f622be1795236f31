"""API id/secret credentials as stored in Secrets Manager (optional non-IAM auth mode)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class ApiClientCredential(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    api_id: str = Field(alias="apiId", min_length=1)
    api_secret: SecretStr = Field(alias="apiSecret")

    @model_validator(mode="after")
    def _long_enough(self) -> ApiClientCredential:
        if len(self.api_secret.get_secret_value()) < 16:
            raise ValueError("apiSecret must be at least 16 characters")
        return self


class ApiCredentialsSecret(BaseModel):
    """Either one pair at the top level (what the stack generates) or a `clients` list (for rotation)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    clients: list[ApiClientCredential] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _single_pair(cls, data: object) -> object:
        if isinstance(data, dict) and "clients" not in data and "apiId" in data:
            return {"clients": [data]}
        return data
