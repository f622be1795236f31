"""Redaction of PII in transcript text, written and spoken, as speech engines actually punctuate it."""

from __future__ import annotations

import random

import pytest
from connect_transcribe.gateway.redaction import PiiKind, RedactionPolicy, Redactor, luhn_valid
from connect_transcribe.models.enums import RedactionOutput

REDACTOR = Redactor()


def hide(text: str) -> str:
    return "".join(c if c.isspace() else "#" for c in text)


def redacted(text: str) -> str:
    return REDACTOR.redact(text).text


def kinds(text: str) -> list[PiiKind]:
    return [s.kind for s in REDACTOR.redact(text).spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # payment cards, written
        ("My card number is 4111 1111 1111 1111.", "My card number is #### #### #### ####."),
        ("It's 4111-1111-1111-1111, expiry next year", "It's ###################, expiry next year"),
        ("5500005555555559", "################"),
        ("Card: 4111111111111111 thanks", "Card: ################ thanks"),
        ("Amex 3782 822463 10005", "Amex #### ###### #####"),
        # payment cards, spoken digit by digit, in pairs, with double/triple and fillers
        (
            "four one one one one one one one one one one one one one one one",
            "#### ### ### ### ### ### ### ### ### ### ### ### ### ### ### ###",
        ),
        ("It's 4111, 1111, 1111, 1111.", f"It's {hide('4111, 1111, 1111, 1111')}."),
        (
            "forty one eleven, eleven eleven, eleven eleven, eleven eleven",
            hide("forty one eleven, eleven eleven, eleven eleven, eleven eleven"),
        ),
        (
            "four one double one, one triple one, uh, one one one one, one one one one",
            hide("four one double one, one triple one, uh, one one one one, one one one one"),
        ),
        # social security numbers
        ("My social is 123-45-6789.", "My social is ###########."),
        ("one two three, four five, six seven eight nine", "### ### ###### #### ##### ### ##### ##### ####"),
        ("SSN 123 45 6789", "SSN ### ## ####"),
        # phone numbers
        ("Call me back at (415) 555-0123.", "Call me back at (#### ########."),
        ("my number is 415.555.0123", "my number is ############"),
        ("It's five five five, one two three four.", "It's #### #### ##### ### ### ##### ####."),
        ("one eight hundred five five five oh one nine nine", "### ##### ####### #### #### #### ## ### #### ####"),
        ("+44 20 7946 0958", "### ## #### ####"),
        ("1-800-555-0199", "##############"),
        ("It's 555-1234.", "It's ########."),
        ("four one five, five five five, oh one two three", "#### ### ##### #### #### ##### ## ### ### #####"),
        # 9 and 10 digit numbers (accounts, policy numbers)
        ("account number 123456789", "account number #########"),
        ("policy 98765 43210", "policy ##### #####"),
        # 3-4 digit numbers: PINs, CVVs, last four
        ("The security code is 123.", "The security code is ###."),
        ("last four are 4321", "last four are ####"),
        ("my pin is double five one two", "my pin is ###### #### ### ###"),
        ("the code is seven oh seven", "the code is ##### ## #####"),
        ("CVV is oh one two", "CVV is ## ### ###"),
        ("it's five hundred twenty one", "it's #### ####### ###### ###"),
        # emails, written and spoken
        ("email me at john.smith@example.com please", "email me at ###################### please"),
        ("It's John dot Smith at gmail dot com.", "It's #### ### ##### ## ##### ### ###."),
        ("jane_doe99 at yahoo.co.uk", hide("jane_doe99 at yahoo.co.uk")),
        ("j.smith@corp-mail.io.", "####################."),
        # long runs beyond the listed kinds: a misheard card number must not leak
        ("4111 1111 1111 1112", "#### #### #### ####"),
        ("tracking 1Z999AA10123456784 shipped", "tracking 1Z999AA10123456784 shipped"),
    ],
)
def test_pii_is_masked_character_for_character(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Oh, I see. Thanks for calling.",
        "I have two kids and three dogs.",
        "Let's meet at 10:30 tomorrow.",
        "It costs $12.50 a month.",
        "That's 250 dollars in total.",
        "It went up 15 percent.",
        "I called twice, maybe three times.",
        "Can you hold on one second?",
        "I'm at home right now.",
        "Look at the website, it says so.",
        "oh no, oh well",
        "Number one priority.",
        "",
    ],
)
def test_ordinary_speech_is_left_alone(text: str) -> None:
    assert redacted(text) == text


def test_kinds_are_reported_without_text() -> None:
    text = "card 4111111111111111, ssn 123-45-6789, phone 415-555-0123, mail a.b@c.com, pin 1234"
    assert kinds(text) == [PiiKind.CARD, PiiKind.SSN, PiiKind.PHONE, PiiKind.EMAIL, PiiKind.NUMBER]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The zip code is 90210.", "The zip code is #####."),
        ("Order 12345678 shipped.", "Order ######## shipped."),
        ("It's 5-5-0-14-6.", "It's ##########."),
    ],
)
def test_misheard_or_unlisted_digit_runs_of_five_or_more_are_redacted_by_default(text: str, expected: str) -> None:
    assert redacted(text) == expected
    assert Redactor(RedactionPolicy(min_any_number=None)).redact(text).text == text


def test_short_numbers_range_is_configurable() -> None:
    text = "my pin is 1234 and the code is 12"
    assert Redactor(RedactionPolicy(short_numbers=None)).redact(text).text == text
    assert Redactor(RedactionPolicy(short_numbers=(2, 4))).redact(text).text == "my pin is #### and the code is ##"


def test_each_kind_can_be_switched_off() -> None:
    policy = RedactionPolicy(cards=False, min_any_number=None, emails=False)
    text = "4111 1111 1111 1111 or x@y.com"
    assert Redactor(policy).redact(text).text == text


def test_amount_context_spares_prices_but_not_long_numbers() -> None:
    assert redacted("$4111111111111111") == "$################"
    assert redacted("it's 1200 dollars") == "it's 1200 dollars"


def test_redaction_is_deterministic_and_length_preserving() -> None:
    text = "Call 415-555-0123 or email me at bob@example.org, my card is four one one one."
    first = REDACTOR.redact(text)
    assert first == REDACTOR.redact(text)
    assert len(first.text) == len(text)
    assert [c for c in first.text if c.isspace()] == [c for c in text if c.isspace()]


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("4111111111111111", True), ("4111111111111112", False), ("79927398713", True), ("378282246310005", True)],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("mode", "text", "unredacted"),
    [
        (RedactionOutput.REDACTED, "pin ####", None),
        (RedactionOutput.UNREDACTED, "pin 1234", None),
        (RedactionOutput.REDACTED_AND_UNREDACTED, "pin ####", "pin 1234"),
    ],
)
def test_output_modes(mode: RedactionOutput, text: str, unredacted: str | None) -> None:
    out = REDACTOR.output("pin 1234", mode)
    assert (out.text, out.unredacted) == (text, unredacted)
    if unredacted is not None:
        assert unredacted not in repr(out)


VOCABULARY = [
    "one",
    "two",
    "oh",
    "double",
    "twenty",
    "hundred",
    "4111",
    "555",
    "-",
    ",",
    ".",
    "(",
    ")",
    "at",
    "dot",
    "com",
    "uh",
    "I",
    "see",
    "$",
    "dollars",
    "@",
    "x",
    "+1",
    "  ",
    "nineteen",
    "o",
]


def test_any_mix_of_words_digits_and_punctuation_keeps_shape() -> None:
    rng = random.Random(20261124)
    for _ in range(2000):
        text = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(0, 40)))
        out = REDACTOR.redact(text).text
        assert len(out) == len(text)
        assert all(a == b or b == "#" for a, b in zip(text, out, strict=True))


def test_tokens_are_redacted_by_what_the_whole_utterance_reveals() -> None:
    text = "My card is four one one one, one one one one, one one one one, one one one one. Thanks."
    tokens = text.split()  # the aligner's words keep their punctuation
    out = REDACTOR.output_tokens(text, tokens, RedactionOutput.REDACTED)
    assert out[:3] == ["My", "card", "is"]
    assert out[-1] == "Thanks."
    assert not any(ch.isalnum() for t in out[3:-1] for ch in t), out
    assert REDACTOR.output_tokens(text, tokens, RedactionOutput.UNREDACTED) == tokens


def test_a_token_the_aligner_changed_is_masked_if_it_carries_digits() -> None:
    out = REDACTOR.output_tokens("pin 1234", ["pin", "12-34", "ok"], RedactionOutput.REDACTED)
    assert out == ["pin", "#####", "ok"]
