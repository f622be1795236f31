"""Translate botocore failures into the typed errors the API reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from connect_transcribe.errors import DependencyUnavailable, Throttled

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
        "TooManyRequestsException",
        "RequestThrottled",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def translated(service: str) -> Iterator[None]:
    """Re-raise AWS failures as Throttled (429) or DependencyUnavailable (503); let others through."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        if code in THROTTLING_CODES:
            raise Throttled(f"{service} is throttling requests; retry shortly", retry_after_seconds=1) from exc
        raise DependencyUnavailable(f"{service} request failed ({code}); retry shortly", retry_after_seconds=1) from exc
    except BotoCoreError as exc:
        raise DependencyUnavailable(
            f"{service} is unreachable ({type(exc).__name__}); retry shortly", retry_after_seconds=1
        ) from exc
