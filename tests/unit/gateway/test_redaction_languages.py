"""Redaction of Spanish (and Portuguese, French, German) numbers, written and spoken, without a language argument:
the multilingual engine's transcripts go through the same Redactor as English ones."""

from __future__ import annotations

import pytest
from connect_transcribe.gateway.redaction import FOREIGN, UNITS, PiiKind, Redactor
from connect_transcribe.models.enums import RedactionOutput

REDACTOR = Redactor()


def hide(text: str) -> str:
    return "".join(c if c.isspace() else "#" for c in text)


@pytest.mark.parametrize(
    ("text", "masked", "kind"),
    [
        # card numbers: digit by digit, in groups of thousands, as Whisper writes them
        (
            "Mi tarjeta es cuatro uno uno uno, uno uno uno uno, uno uno uno uno, uno uno uno uno.",
            "cuatro uno uno uno, uno uno uno uno, uno uno uno uno, uno uno uno uno",
            PiiKind.CARD,
        ),
        (
            "Es la cuatro mil ciento once, cuatro mil ciento once, cuatro mil ciento once, cuatro mil ciento once.",
            "cuatro mil ciento once, cuatro mil ciento once, cuatro mil ciento once, cuatro mil ciento once",
            PiiKind.NUMBER,
        ),
        ("El número es 4111 1111 1111 1111, gracias.", "4111 1111 1111 1111", PiiKind.CARD),
        ("el número es 4-1-1-1 1-1-1-1 1-1-1-1 1-1-1-1", "4-1-1-1 1-1-1-1 1-1-1-1 1-1-1-1", PiiKind.CARD),
        # phone numbers: digits, tens ("veintiuno", "treinta y cuatro") and accents written or not
        (
            "Mi teléfono es el seis cero cinco, cuatro cuatro tres, dos uno, dieciséis.",
            "seis cero cinco, cuatro cuatro tres, dos uno, dieciséis",
            PiiKind.PHONE,
        ),
        (
            "llámeme al seis cero cinco cuatro cuatro tres veintiuno dieciseis",
            "seis cero cinco cuatro cuatro tres veintiuno dieciseis",
            PiiKind.PHONE,
        ),
        (
            "apunte: treinta y cuatro, cincuenta y seis, setenta y ocho",
            "treinta y cuatro, cincuenta y seis, setenta y ocho",
            PiiKind.NUMBER,
        ),
        # a nine-digit id (the SSN rule counts digits, whatever the country)
        (
            "mi documento es uno dos tres cuatro cinco seis siete ocho nueve",
            "uno dos tres cuatro cinco seis siete ocho nueve",
            PiiKind.SSN,
        ),
        # PIN / last four
        ("el pin es cuatro tres dos uno", "cuatro tres dos uno", PiiKind.NUMBER),
        ("son dos mil veinticinco", "dos mil veinticinco", PiiKind.NUMBER),
        # Portuguese, French, German digits
        (
            "o meu número é nove oito sete seis cinco quatro três dois",
            "nove oito sete seis cinco quatro três dois",
            PiiKind.NUMBER,
        ),
        ("mon code est quatre cinq six sept", "quatre cinq six sept", PiiKind.NUMBER),
        ("meine PIN ist vier drei zwei eins", "vier drei zwei eins", PiiKind.NUMBER),
        (
            "Telefon null drei null, eins zwei drei vier fünf sechs sieben",
            "null drei null, eins zwei drei vier fünf sechs sieben",
            PiiKind.PHONE,
        ),
    ],
)
def test_spoken_and_written_numbers_in_other_languages_are_masked(text: str, masked: str, kind: PiiKind) -> None:
    found = REDACTOR.redact(text)

    assert found.text == text.replace(masked, hide(masked))
    assert [s.kind for s in found.spans] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "Buenos días, ¿en qué le puedo ayudar?",
        "Llamé once veces y nadie me contestó.",  # "once" (11) alone: not a number to hide
        "Pagué cincuenta y cinco euros.",  # an amount
        "Once upon a time I called her.",  # English "once" stays English
        "My elf costume arrived, it was null and void.",
        "Seize the day, the sept was fine.",
        "Um, I mean, e, y, et cetera.",  # connectors outside a number
    ],
)
def test_ordinary_words_that_are_also_number_words_are_left_alone(text: str) -> None:
    assert REDACTOR.redact(text).text == text


def test_ambiguous_words_count_next_to_another_number() -> None:
    assert REDACTOR.redact("el código es once once once").text == "el código es #### #### ####"


def test_english_number_words_are_not_redefined_by_the_foreign_table() -> None:
    """The foreign table adds words; it never changes what an English word means (English output unchanged)."""
    assert not set(FOREIGN) & set(UNITS)
    assert "um" not in FOREIGN and "un" not in FOREIGN and "cent" not in FOREIGN


def test_tokens_of_a_spanish_card_are_masked_one_by_one() -> None:
    text = "cuatro uno uno uno uno uno uno uno uno uno uno uno uno uno uno uno"
    tokens = text.split()

    out = REDACTOR.output(text, RedactionOutput.REDACTED).tokens(tokens)

    assert out == [hide(t) for t in tokens]
