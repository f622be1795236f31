"""Typed errors raised by logic and adapters; one place (api/errors.py) maps them to HTTP responses."""

from __future__ import annotations


class ApiError(Exception):
    """An error the API reports to the caller in the documented shape."""

    status: int = 500
    code: str = "500-01"

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class MalformedBody(ApiError):
    status, code = 400, "400-01"


class InvalidField(ApiError):
    status, code = 400, "400-02"


class ConversationNotFound(ApiError):
    status, code = 404, "404-01"


class RouteNotFound(ApiError):
    status, code = 404, "404-02"


class FeedItemNotFound(ApiError):
    """File Exporter API: a date, interval, file or export the feed does not have."""

    status, code = 404, "404-03"


class ConflictingRequest(ApiError):
    """The request contradicts the conversation as it stands (e.g. a different stream while streaming)."""

    status, code = 409, "409-01"


class ConcurrentUpdate(ApiError):
    """Lost a race against another writer repeatedly; safe to retry."""

    status, code = 409, "409-02"


class PayloadTooLarge(ApiError):
    status, code = 413, "413-01"


class UnsupportedSetting(ApiError):
    """Well-formed but not served by this deployment (e.g. a language the speech engine lacks)."""

    status, code = 422, "422-01"


class Throttled(ApiError):
    status, code = 429, "429-01"


class DependencyUnavailable(ApiError):
    """A backing service (DynamoDB, SQS) failed; nothing was lost, the caller should retry."""

    status, code = 503, "503-01"


class StaleWrite(Exception):
    """A conditional write found the item changed since it was read (store-level, retried by logic)."""


class AlreadyExists(Exception):
    """A create found the item already there (store-level, handled by logic)."""
