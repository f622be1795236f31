"""FeedApiSettings: the File Exporter API's environment, with its defaults and limits."""

from __future__ import annotations

import pytest
from connect_transcribe.settings import FeedApiSettings
from pydantic import ValidationError

REQUIRED = {
    "FEED_BUCKET": "connect-transcribe-feed",
    "EXPORT_STATE_MACHINE_ARN": "arn:aws:states:eu-west-2:123456789012:stateMachine:FileExporter",
}
OPTIONAL = ("EXPORT_FORMATS", "FEED_URL_TTL_SECONDS", "EXPORT_MAX_INTERVAL_HOURS", "MAX_BODY_BYTES")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OPTIONAL:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)


def test_defaults() -> None:
    settings = FeedApiSettings()

    assert (settings.feed_bucket, settings.state_machine_arn) == tuple(REQUIRED.values())
    assert (settings.formats, settings.url_ttl_seconds, settings.max_interval_hours) == (("jsonl", "parquet"), 300, 744)


def test_formats_are_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORT_FORMATS", " parquet , jsonl,parquet")

    assert FeedApiSettings().formats == ("parquet", "jsonl")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EXPORT_FORMATS", "csv"),
        ("EXPORT_FORMATS", ","),
        ("FEED_URL_TTL_SECONDS", "3601"),
        ("FEED_URL_TTL_SECONDS", "0"),
        ("EXPORT_MAX_INTERVAL_HOURS", "745"),
    ],
)
def test_values_out_of_bounds_fail_at_start(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError, match=name):
        FeedApiSettings()


@pytest.mark.parametrize("missing", list(REQUIRED))
def test_required_variables(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.delenv(missing)

    with pytest.raises(ValidationError, match=missing):
        FeedApiSettings()
