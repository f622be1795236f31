"""Fixtures for the media tests: the real GetMedia recordings shared by the project."""

from __future__ import annotations

from pathlib import Path

import pytest

# Kept outside the repository (shared between checkouts); a missing folder must fail, not skip.
FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "kvs-getmedia"


@pytest.fixture(scope="session")
def kvs_fixtures() -> Path:
    assert FIXTURES.is_dir(), f"GetMedia fixtures not found at {FIXTURES.resolve()}"
    return FIXTURES
