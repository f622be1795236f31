"""Webhook authentication per deployment: a secret token in a header or query parameter, or an OAuth2
client-credentials bearer token fetched from the token endpoint and cached until shortly before it expires."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from connect_transcribe.clock import Clock
from connect_transcribe.delivery.failures import AttemptFailed, ConfigurationError, Failure
from connect_transcribe.delivery.ports import HttpTransport, RefusedTarget, TransportFailure
from connect_transcribe.delivery.retry import is_retryable, is_success, retry_after_seconds
from connect_transcribe.models.enums import WebhookAuthMode
from connect_transcribe.models.webhook import WebhookSecret

# Renew this long before the token expires (at most), so a token never dies in flight.
EXPIRY_MARGIN_S = 60.0
DEFAULT_EXPIRES_IN_S = 300.0  # when the token endpoint does not say


def with_query_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


@dataclass(frozen=True)
class OAuthSettings:
    token_url: str
    scope: str | None = None
    audience: str | None = None


@dataclass(frozen=True)
class _CachedToken:
    owner: str  # fingerprint of the client credentials it was issued for
    value: str
    renew_at: float  # monotonic


class OAuthTokenCache:
    """One token per client credentials, shared by every delivery in the container (warm invocations reuse it)."""

    def __init__(self, settings: OAuthSettings, transport: HttpTransport, clock: Clock) -> None:
        self._settings = settings
        self._transport = transport
        self._clock = clock
        self._lock = threading.Lock()
        self._token: _CachedToken | None = None
        self.fetches = 0  # observable in tests and logs: how often the token endpoint was called

    def token(self, client_id: str, client_secret: str, timeout_s: float) -> str:
        owner = hashlib.sha256(f"{client_id}\0{client_secret}".encode()).hexdigest()
        with self._lock:
            cached = self._token
            if cached and cached.owner == owner and self._clock.monotonic() < cached.renew_at:
                return cached.value
            self._token = self._fetch(owner, client_id, client_secret, timeout_s)
            return self._token.value

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self, owner: str, client_id: str, client_secret: str, timeout_s: float) -> _CachedToken:
        form = {"grant_type": "client_credentials"}
        if self._settings.scope:
            form["scope"] = self._settings.scope
        if self._settings.audience:
            form["audience"] = self._settings.audience
        # client_secret_basic: the method RFC 6749 requires every token endpoint to support.
        basic = base64.b64encode(f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()).decode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": f"Basic {basic}",
        }
        started = self._clock.monotonic()
        try:
            reply = self._transport.post(self._settings.token_url, urlencode(form).encode(), headers, timeout_s)
        except TransportFailure as exc:
            raise AttemptFailed(Failure(f"token endpoint: {exc.description}", permanent=exc.permanent)) from None
        except RefusedTarget as exc:
            raise AttemptFailed(Failure(f"token endpoint refused: {exc}", permanent=True)) from None
        self.fetches += 1
        if not is_success(reply.status):
            raise AttemptFailed(
                Failure(
                    f"token endpoint answered HTTP {reply.status}",
                    permanent=not is_retryable(reply.status),
                    retry_after_s=retry_after_seconds(reply.headers.get("retry-after"), self._clock.now()),
                )
            )
        try:
            answer = json.loads(reply.body)
            value = str(answer["access_token"])
            expires_in = float(answer.get("expires_in") or DEFAULT_EXPIRES_IN_S)
        except (ValueError, KeyError, TypeError):
            raise AttemptFailed(Failure("token endpoint answer has no access_token", permanent=True)) from None
        margin = min(EXPIRY_MARGIN_S, expires_in * 0.1)
        return _CachedToken(owner=owner, value=value, renew_at=started + expires_in - margin)


class WebhookAuth:
    def __init__(
        self,
        mode: WebhookAuthMode,
        *,
        header_name: str = "X-Webhook-Token",
        query_param: str = "token",
        oauth: OAuthTokenCache | None = None,
    ) -> None:
        if mode is WebhookAuthMode.OAUTH2 and oauth is None:
            raise ValueError("oauth2 needs a token cache")
        self._mode = mode
        self._header_name = header_name
        self._query_param = query_param
        self._oauth = oauth

    def apply(self, url: str, headers: dict[str, str], secret: WebhookSecret, timeout_s: float) -> str:
        """Add the credential to `headers` (in place) or to the URL; returns the URL to post to."""
        if self._mode is WebhookAuthMode.NONE:
            return url
        if self._mode is WebhookAuthMode.OAUTH2:
            assert self._oauth is not None
            if not secret.client_id or not secret.client_secret:
                raise ConfigurationError("the webhook secret lacks clientId/clientSecret (WEBHOOK_AUTH=oauth2)")
            token = self._oauth.token(secret.client_id, secret.client_secret.get_secret_value(), timeout_s)
            headers["Authorization"] = f"Bearer {token}"
            return url
        if not secret.token:
            raise ConfigurationError(f"the webhook secret lacks token (WEBHOOK_AUTH={self._mode.value})")
        if self._mode is WebhookAuthMode.HEADER:
            headers[self._header_name] = secret.token.get_secret_value()
            return url
        return with_query_param(url, self._query_param, secret.token.get_secret_value())

    def renew(self) -> bool:
        """After a 401: forget the cached OAuth2 token. True when a new attempt may now succeed."""
        if self._oauth is None:
            return False
        self._oauth.invalidate()
        return True
