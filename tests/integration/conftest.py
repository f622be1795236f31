"""Fixtures shared by integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine


@pytest.fixture(scope="session")
def engine() -> Iterator[WhisperEngine]:
    """The real embedded model (tiny.en), loaded once for the whole test session."""
    whisper = WhisperEngine(EngineSettings(decode_workers=2))
    yield whisper
    whisper.close()
