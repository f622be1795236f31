"""Check an api-id / api-secret header pair against the stored credentials in constant time."""

from __future__ import annotations

import hmac

from connect_transcribe.models.credentials import ApiCredentialsSecret


def is_authorized(stored: ApiCredentialsSecret, api_id: str | None, api_secret: str | None) -> bool:
    if not api_id or not api_secret:
        return False
    matched = False
    for client in stored.clients:
        # Compare against every entry so timing does not reveal which id exists.
        id_ok = hmac.compare_digest(client.api_id.encode(), api_id.encode())
        secret_ok = hmac.compare_digest(client.api_secret.get_secret_value().encode(), api_secret.encode())
        matched |= id_ok and secret_ok
    return matched


def execute_api_arn_for_all_methods(method_arn: str) -> str:
    """arn:...:execute-api:region:acct:apiId/stage/VERB/path -> arn:...:apiId/stage/*/* (authorizer cache
    covers every route for the same credentials)."""
    prefix, _, resource = method_arn.partition(":execute-api:")
    region_account_api = resource.split("/", 2)
    if len(region_account_api) < 2:
        return method_arn
    return f"{prefix}:execute-api:{region_account_api[0]}/{region_account_api[1]}/*/*"
