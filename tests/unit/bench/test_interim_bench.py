"""The interim benchmark's word timing: a word counts from its reference end to the first message that shows it
right (or, for coverage, shows any word at its place), never before its audio reached the message."""

from __future__ import annotations

import pytest

from bench.speech.interim import Message, RefWord, WordTimes, _time_words

T0 = 100.0
WORDS = [RefWord(0, w, end) for w, end in (("my", 500), ("card", 900), ("number", 1400))]


def message(at_ms: float, end_ms: int, text: str, *, interim: bool = True) -> Message:
    return Message(T0 + at_ms / 1000, interim, 0, end_ms, tuple(text.split()))


def test_words_are_timed_from_their_reference_end_to_the_first_message_showing_them() -> None:
    out = WordTimes()
    messages = [
        message(1000, 950, "my cart"),  # "card" heard wrong: covers its place, does not show it
        message(1500, 1450, "my card"),  # "number" not spoken yet when this audio ended: not counted for it
        message(1800, 1700, "my card number", interim=False),
    ]
    _time_words(out, WORDS, messages, T0)

    assert (out.words, out.shown) == (3, 3)
    assert sorted(out.first_any_ms) == pytest.approx([400.0, 500.0, 600.0])  # my @1000, card @1500, number @1800
    assert sorted(out.first_interim_ms) == pytest.approx([500.0, 600.0])  # "number" first showed in the final
    assert sorted(out.first_cover_ms) == pytest.approx([100.0, 400.0, 500.0])  # "card"'s place at 1000
    assert (out.interim_words, out.interim_matched) == (4, 3)
