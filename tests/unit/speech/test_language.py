"""language: "auto": detection restricted to the deployment's languages, and the per-stream vote that fixes it."""

from __future__ import annotations

import pytest
from connect_transcribe.speech.language import LanguageVote, pick
from connect_transcribe.speech.weights import AUTO, ENGLISH, MULTILINGUAL, accepted_languages, iso_code


def test_languages_outside_the_deployment_are_masked() -> None:
    """Line noise: Whisper's favourite is Welsh, which the deployment does not serve; the best supported one wins."""
    whisper = [("<|cy|>", 0.55), ("<|es|>", 0.25), ("<|en|>", 0.15), ("<|nn|>", 0.05)]

    language, probability = pick(whisper, ("en", "es", "fr"))

    assert language == "es"
    assert probability == pytest.approx(0.25 / 0.40)


def test_the_most_probable_supported_language_is_picked() -> None:
    assert pick([("<|fr|>", 0.7), ("<|es|>", 0.2)], ("es", "fr"))[0] == "fr"


def test_nothing_supported_in_the_list_still_answers_a_supported_language() -> None:
    assert pick([("<|cy|>", 1.0)], ("es", "en")) == ("en", 0.0)


def test_no_language_to_detect_among_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        pick([("<|en|>", 1.0)], ())


def test_the_vote_waits_for_enough_speech_then_fixes_the_leader() -> None:
    vote = LanguageVote()  # 6 s, 60 %

    assert vote.add("pt", 0.5, 0.6) is None  # a short "Sí." heard as Portuguese
    assert vote.add("es", 0.9, 3.0) is None  # 3.6 s so far
    assert vote.add("es", 0.8, 2.5) == "es"


def test_a_split_vote_stays_open_until_one_language_leads_clearly() -> None:
    vote = LanguageVote(fix_after_seconds=6.0, min_share=0.6)
    vote.add("es", 0.9, 3.0)

    assert vote.add("it", 0.9, 3.0) is None  # 6 s, but 50/50
    assert vote.add("es", 0.9, 3.0) == "es"  # 67 %


def test_a_long_confident_utterance_outvotes_a_short_one() -> None:
    vote = LanguageVote(fix_after_seconds=2.0)
    vote.add("en", 0.9, 0.5)

    assert vote.add("de", 0.7, 2.5) == "de"


def test_accepted_languages_per_engine() -> None:
    assert accepted_languages(multilingual=False) == ENGLISH
    assert accepted_languages(multilingual=True) == (*MULTILINGUAL, AUTO)
    assert {"es-US", "es-ES", "fr-CA", "fr-FR", "pt-BR", "de-DE"} <= set(MULTILINGUAL)
    assert (iso_code("es-US"), iso_code("pt-BR"), iso_code(AUTO)) == ("es", "pt", "auto")
