from __future__ import annotations

from datetime import UTC, datetime

import pytest
from connect_transcribe.delivery.retry import RetryPolicy, is_retryable, is_success, retry_after_seconds

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status: int) -> None:
    assert is_retryable(status) and not is_success(status)


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404, 409, 410, 413, 422])
def test_other_failures_are_permanent(status: int) -> None:
    assert not is_retryable(status) and not is_success(status)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 0.5 ", 0.5),
        ("-4", 0.0),
        ("Tue, 24 Nov 2026 12:00:07 GMT", 7.0),
        ("Tue, 24 Nov 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        (None, None),
        ("", None),
    ],
)
def test_retry_after_as_seconds_or_http_date(value, expected) -> None:
    assert retry_after_seconds(value, NOW) == expected


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter() -> None:
    top = RetryPolicy(base_s=0.2, cap_s=5.0, random=lambda: 0.999999)
    assert [round(top.wait_s(n, None), 2) for n in range(1, 8)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    assert RetryPolicy(random=lambda: 0.0).wait_s(4, None) == 0.0


def test_retry_after_overrides_backoff() -> None:
    assert RetryPolicy().wait_s(1, 12.0) == 12.0
