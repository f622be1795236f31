"""Custom vocabulary for the decoder: the merge of a start's and the deployment's lists, the prompt within its token
budget, and the soundsLike correction of decoded text."""

from __future__ import annotations

import pytest
from connect_transcribe.models.api import AutotranscribeParams
from connect_transcribe.speech.vocabulary import (
    Corrector,
    Term,
    VocabularySettings,
    merge,
    prompt_text,
    terms_from,
    with_vocabulary,
)
from connect_transcribe.speech.whisper import MAX_PROMPT_TOKENS, DecodeOptions

CONTOSO = Term("Contoso", ("con toe so",))
FABRIKAM = Term("Fabrikam Nimbus Pro", ("fab rick am nimbus pro",))


def words(text: str) -> int:
    """A stand-in tokenizer: one token per word or punctuation mark."""
    return len(text.replace(",", " ,").replace(".", " .").split())


def test_terms_come_from_the_wire_model_and_none_is_empty() -> None:
    params = AutotranscribeParams.model_validate(
        {"customVocabulary": [{"phrase": "Contoso", "soundsLike": ["con toe so"]}, {"phrase": "Zyntrix"}]}
    )

    assert terms_from(params.custom_vocabulary) == (CONTOSO, Term("Zyntrix"))
    assert terms_from(AutotranscribeParams().custom_vocabulary) == ()


def test_the_start_s_list_comes_first_and_a_phrase_appears_once_with_every_spelling() -> None:
    start = (Term("contoso", ("kontoso",)), Term("Zyntrix"))
    deployment = (FABRIKAM, CONTOSO, Term("Zyntrix", ("zin tricks",)))

    assert merge(start, deployment) == (
        Term("contoso", ("kontoso", "con toe so")),
        Term("Zyntrix", ("zin tricks",)),
        FABRIKAM,
    )
    assert merge((), deployment) == deployment
    assert merge((), ()) == ()


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("list", "Contoso, Fabrikam Nimbus Pro, Zyntrix."),
        ("sentence", "We talked about Contoso, Fabrikam Nimbus Pro and Zyntrix."),
    ],
)
def test_prompt_lists_the_phrases_in_order(style: str, expected: str) -> None:
    assert prompt_text((CONTOSO, FABRIKAM, Term("Zyntrix")), words, 100, style) == expected


def test_prompt_keeps_whole_phrases_from_the_front_within_the_budget() -> None:
    terms = tuple(Term(f"Name{i}") for i in range(100))

    text = prompt_text(terms, words, 20)

    assert text.startswith("Name0, Name1,") and text.endswith(".")
    assert words(" " + text) <= 20 < words(" " + text) + 2  # nothing more would fit
    assert prompt_text((Term("A very long phrase indeed"),), words, 3) == ""


def test_decode_options_get_the_prompt_after_an_initial_prompt_and_the_corrector() -> None:
    base = DecodeOptions(initial_prompt="Billing call.")
    options = with_vocabulary(base, (CONTOSO,), words)

    assert options.initial_prompt == "Billing call. Contoso."
    assert options.corrector is not None and options.corrector("I called con toe so.") == "I called Contoso."
    assert not options.use_previous_text  # the vocabulary never turns on conditioning on previous text
    assert with_vocabulary(base, (), words) is base
    plain = with_vocabulary(base, (CONTOSO,), words, VocabularySettings(correct=False, min_seconds=2.5))
    assert plain.corrector is None and plain.prompt_min_seconds == 2.5


def test_a_long_list_stays_within_whisper_s_prompt_budget() -> None:
    terms = tuple(Term(f"Name{i}") for i in range(400))

    options = with_vocabulary(DecodeOptions(initial_prompt="Billing call."), terms, words)

    assert options.initial_prompt is not None and options.initial_prompt.startswith("Billing call. Name0, Name1,")
    assert words(" " + options.initial_prompt) <= MAX_PROMPT_TOKENS


@pytest.mark.parametrize(
    ("decoded", "expected"),
    [
        ("Thanks for calling con toe so.", "Thanks for calling Contoso."),
        ("Con-toe-so, hello.", "Contoso, hello."),
        ("CON TOE SO", "Contoso"),
        ("contoso and Contoso", "Contoso and Contoso"),
        ("I have a fab rick am nimbus pro.", "I have a Fabrikam Nimbus Pro."),
        ("I have a fabrikam nimbus-pro.", "I have a Fabrikam Nimbus Pro."),
        ("I have a fabrikamnimbuspro.", "I have a Fabrikam Nimbus Pro."),
        # word boundaries: a longer word is not a name
        ("bacon toe sock", "bacon toe sock"),
        ("contosos", "contosos"),
        ("", ""),
    ],
)
def test_sounds_like_spellings_and_respaced_phrases_become_the_phrase(decoded: str, expected: str) -> None:
    assert Corrector((CONTOSO, FABRIKAM))(decoded) == expected


def test_near_misses_are_corrected_only_when_asked_and_only_when_close() -> None:
    terms = (Term("Zyntrix"), Term("Kaelani Brzezinski"))

    assert Corrector(terms)("My Zyntricks broke.") == "My Zyntricks broke."
    fuzzy = Corrector(terms, fuzzy=0.8)
    assert fuzzy("My Zyntrex broke, Kaelani Brezinski said.") == "My Zyntrix broke, Kaelani Brzezinski said."
    assert fuzzy("My syntax broke.") == "My syntax broke."  # not close enough
    assert fuzzy("My Byntrix broke.") == "My Byntrix broke."  # close, but another first sound
    assert Corrector((Term("Ysolde Marchetti"),), fuzzy=0.8)("Ask Isolde Marchetti.") == "Ask Ysolde Marchetti."
