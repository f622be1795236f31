"""Header / query token placement and the OAuth2 token cache (fake transport and clock)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest
from connect_transcribe.delivery.auth import OAuthSettings, OAuthTokenCache, WebhookAuth, with_query_param
from connect_transcribe.delivery.failures import AttemptFailed, ConfigurationError
from connect_transcribe.delivery.ports import HttpReply
from connect_transcribe.models.enums import WebhookAuthMode
from connect_transcribe.models.webhook import WebhookSecret

from tests.clock import FakeClock
from tests.unit.delivery.fakes import ScriptedTransport

SECRET = WebhookSecret(token="tok/en+1", clientId="client id", clientSecret="p@ss:word")


def test_query_param_is_added_url_encoded_and_replaces_an_existing_one() -> None:
    url = with_query_param("https://h.example.com/p?a=1&token=old", "token", "tok/en+1")
    assert url.startswith("https://h.example.com/p?")
    assert parse_qs(url.split("?", 1)[1]) == {"a": ["1"], "token": ["tok/en+1"]}


def test_header_mode_sets_the_configured_header() -> None:
    headers: dict[str, str] = {}
    url = WebhookAuth(WebhookAuthMode.HEADER, header_name="X-Api-Key").apply("https://h/p", headers, SECRET, 1.0)
    assert url == "https://h/p" and headers == {"X-Api-Key": "tok/en+1"}


def test_token_modes_need_the_token() -> None:
    with pytest.raises(ConfigurationError, match="lacks token"):
        WebhookAuth(WebhookAuthMode.QUERY).apply("https://h/p", {}, WebhookSecret(), 1.0)


def cache(clock, *replies) -> tuple[OAuthTokenCache, ScriptedTransport]:
    transport = ScriptedTransport(clock, list(replies))
    return OAuthTokenCache(OAuthSettings("https://idp.example.com/token", "s1", "aud"), transport, clock), transport


def token_reply(value: str, expires_in: int = 3600) -> HttpReply:
    return HttpReply(200, body=f'{{"access_token":"{value}","expires_in":{expires_in}}}'.encode())


def test_token_is_cached_until_shortly_before_expiry() -> None:
    clock = FakeClock()
    tokens, transport = cache(clock, token_reply("a", 600), token_reply("b", 600))
    assert tokens.token("id", "secret", 1.0) == "a"
    clock.advance(539)  # 600 s token, renewed 60 s before it expires
    assert tokens.token("id", "secret", 1.0) == "a"
    clock.advance(2)
    assert tokens.token("id", "secret", 1.0) == "b"
    assert tokens.fetches == 2
    sent = transport.sent[0]
    assert parse_qs(sent.body.decode()) == {"grant_type": ["client_credentials"], "scope": ["s1"], "audience": ["aud"]}
    assert base64.b64decode(sent.headers["Authorization"].split()[1]) == b"id:secret"


def test_other_client_credentials_get_their_own_token() -> None:
    clock = FakeClock()
    tokens, _ = cache(clock, token_reply("a"), token_reply("b"))
    assert tokens.token("id", "old", 1.0) == "a"
    assert tokens.token("id", "rotated", 1.0) == "b"


def test_token_endpoint_failures_are_classified() -> None:
    clock = FakeClock()
    tokens, _ = cache(clock, HttpReply(503), HttpReply(401), HttpReply(200, body=b"{}"))
    for permanent, reason in [(False, "HTTP 503"), (True, "HTTP 401"), (True, "no access_token")]:
        with pytest.raises(AttemptFailed) as caught:
            tokens.token("id", "secret", 1.0)
        assert caught.value.failure.permanent is permanent and reason in caught.value.failure.reason


def test_oauth_header_and_renew() -> None:
    clock = FakeClock()
    tokens, _ = cache(clock, token_reply("a"), token_reply("b"))
    auth = WebhookAuth(WebhookAuthMode.OAUTH2, oauth=tokens)
    headers: dict[str, str] = {}
    auth.apply("https://h/p", headers, SECRET, 1.0)
    assert headers["Authorization"] == "Bearer a"
    assert auth.renew() is True
    auth.apply("https://h/p", headers, SECRET, 1.0)
    assert headers["Authorization"] == "Bearer b"
    assert WebhookAuth(WebhookAuthMode.HEADER).renew() is False
