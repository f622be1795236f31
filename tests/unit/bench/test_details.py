"""Personal details as people say them on the phone."""

from __future__ import annotations

import random

import pytest

from bench.speech import details
from bench.speech.reference import normalize


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (42, "forty two"),
        (418, "four eighteen"),
        (406, "four oh six"),
        (1245, "twelve forty five"),
        (1900, "nineteen hundred"),
    ],
)
def test_house_numbers(value: int, said: str) -> None:
    assert details.house_number_words(value) == said


@pytest.mark.parametrize(
    ("cents", "short", "said", "written"),
    [
        (4999, True, "forty nine ninety nine", "$49.99"),
        (2805, True, "twenty eight oh five", "$28.05"),
        (12000, False, "one hundred twenty dollars", "$120"),
        (120050, False, "one thousand two hundred dollars and fifty cents", None),
    ],
)
def test_amounts_are_said_as_agents_say_them(cents: int, short: bool, said: str, written: str | None) -> None:
    assert details.money_words(cents, short) == said
    if written:  # what a transcript writes normalizes to the same words
        assert normalize(said) == normalize(written)


def test_a_name_is_spelled_with_words_for_the_letters_easily_misheard() -> None:
    spelled = details.spelled("Smith", random.Random(2))

    assert spelled.replace(" as in Sam", "").replace(" as in Mary", "").replace(" as in Tom", "") == "S, M, I, T, H"
    assert normalize(spelled).split()[0] == "s"


def test_times_and_codes() -> None:
    assert details.time_words(14, 30) == "two thirty in the afternoon"
    assert details.time_words(9, 0) == "nine o'clock in the morning"
    assert details.code_words("KX4821") == "K X four, eight two one"


def test_details_are_drawn_the_same_for_the_same_seed_and_as_words() -> None:
    first, again = details.draw_details(random.Random(5)), details.draw_details(random.Random(5))

    assert first == again
    assert not any(ch.isdigit() for key, value in first.items() if not key.endswith("_keys") for ch in value)
    assert first["pin_keys"].isdigit() and len(first["pin_keys"]) == 4
    assert "555" in "".join(ch for ch in normalize(first["phone"]) if ch != " ") or "five five five" in first["phone"]
