"""The CTranslate2 generation limit: the token budget the decoder means is the one Whisper gets."""

from __future__ import annotations

import pytest
from connect_transcribe.speech.whisper import MAX_TEXT_TOKENS, generation_limit


def decoded_at_most(max_length: int, prompt_tokens: int) -> int:
    """What CTranslate2's Whisper decodes at most for a max_length (whisper.cc)."""
    return min(max_length // 2, max_length - prompt_tokens)


@pytest.mark.parametrize(("budget", "prompt"), [(10, 2), (41, 2), (30, 60), (120, 200), (1, 0)])
def test_whisper_may_generate_the_whole_budget(budget: int, prompt: int) -> None:
    assert decoded_at_most(generation_limit(budget, prompt), prompt) == budget


def test_the_limit_never_passes_whisper_s_text_positions() -> None:
    assert generation_limit(300, 10) == MAX_TEXT_TOKENS
    assert generation_limit(200, 300) == MAX_TEXT_TOKENS
