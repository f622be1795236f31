"""HTTP client for the Start/Stop API used by the Connect flow Lambdas: SigV4 or api-id/secret headers,
a hard deadline (Connect abandons a flow Lambda after 8 s) and one retry of transient failures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from connect_transcribe.control.ports import ApiUnavailable

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RESPONSE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class Signer(Protocol):
    def headers(self, method: str, url: str, body: bytes) -> dict[str, str]: ...


class SigV4Signer:
    """Signs for API Gateway AWS_IAM auth with the function's role credentials."""

    def __init__(self, credentials: Callable[[], Any], region: str) -> None:
        self._credentials = credentials  # returns botocore Credentials (refreshable)
        self._region = region

    def headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(self._credentials(), "execute-api", self._region).add_auth(request)
        return dict(request.headers.items())


class ApiSecretSigner:
    """Adds the api-id / api-secret header pair checked by the Lambda authorizer."""

    def __init__(self, credentials: Callable[[], tuple[str, str]], id_header: str, secret_header: str) -> None:
        self._credentials = credentials
        self._id_header = id_header
        self._secret_header = secret_header

    def headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        api_id, api_secret = self._credentials()
        return {"Content-Type": "application/json", self._id_header: api_id, self._secret_header: api_secret}


class HttpApiClient:
    def __init__(
        self,
        base_url: str,
        signer: Signer,
        *,
        session: requests.Session | None = None,
        max_attempts: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._signer = signer
        self._session = session or requests.Session()  # reused across warm invocations
        self._max_attempts = max_attempts
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="api-call")

    def post(self, path: str, body: dict[str, Any], *, deadline_s: float) -> Reply:
        """POST `body`; answer within `deadline_s` seconds or raise ApiUnavailable."""
        end = self._clock() + deadline_s
        payload = json.dumps(body, separators=(",", ":")).encode()
        url = f"{self._base_url}{path}"
        failure = "no attempt made"
        for attempt in range(1, self._max_attempts + 1):
            remaining = end - self._clock()
            if remaining <= 0.05:
                break
            try:
                reply = self._attempt(url, payload, remaining)
            except ApiUnavailable as exc:
                failure = str(exc)
            else:
                retry = reply.status in RETRYABLE_STATUS and attempt < self._max_attempts and end - self._clock() >= 1.0
                if not retry:
                    return reply
                failure = f"API answered HTTP {reply.status}"
            time.sleep(min(0.2 * attempt, max(0.0, end - self._clock() - 0.5)))
        raise ApiUnavailable(f"Start/Stop API unavailable within {deadline_s:.1f}s: {failure}")

    def _attempt(self, url: str, payload: bytes, remaining: float) -> Reply:
        headers = self._signer.headers("POST", url, payload)
        timeout = (min(2.0, remaining), remaining)
        future = self._pool.submit(self._send, url, payload, headers, timeout)
        try:
            return future.result(timeout=remaining)
        except FutureTimeout:
            future.cancel()
            raise ApiUnavailable(f"no answer from {url} within {remaining:.1f}s") from None
        except requests.RequestException as exc:
            raise ApiUnavailable(f"{type(exc).__name__} calling {url}") from exc

    def _send(self, url: str, payload: bytes, headers: dict[str, str], timeout: tuple[float, float]) -> Reply:
        with self._session.post(url, data=payload, headers=headers, timeout=timeout, stream=True) as response:
            raw = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            status = response.status_code
        try:
            body = json.loads(raw) if raw and len(raw) <= MAX_RESPONSE_BYTES else {}
        except ValueError:
            body = {}
        return Reply(status=status, body=body if isinstance(body, dict) else {})
