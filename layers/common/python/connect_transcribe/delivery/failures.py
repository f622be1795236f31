"""Why one delivery attempt failed, in words safe to log and to put on a dead letter (no transcript text,
no secrets, no URL: a query-parameter token would leak through it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    reason: str
    permanent: bool  # retrying cannot help: dead-letter now
    http_status: int | None = None
    retry_after_s: float | None = None
    unauthorized: bool = False  # 401 from the webhook: fresh OAuth2 credentials may fix it


class AttemptFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class ConfigurationError(AttemptFailed):
    """The deployment's settings or secret cannot work (a key missing from the secret): dead-letter now."""

    def __init__(self, reason: str) -> None:
        super().__init__(Failure(reason=f"configuration: {reason}", permanent=True))
