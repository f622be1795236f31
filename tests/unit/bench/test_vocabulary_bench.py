"""The custom vocabulary benchmark's measures (name recall, errors on the other words) and its name sets."""

from __future__ import annotations

from bench.speech import names
from bench.speech.vocabulary import count_names, other_word_errors

PHRASES = ["Zyntrix", "Zyntrix Halo", "Kaelani Brzezinski"]


def test_names_are_counted_longest_first_and_once() -> None:
    text = "My Zyntrix Halo broke, said Kaelani Brzezinski. Zyntrix, please!"

    assert count_names(text, PHRASES) == {"Zyntrix Halo": 1, "Zyntrix": 1, "Kaelani Brzezinski": 1}
    assert count_names("zyntrixes and kaelani", PHRASES) == dict.fromkeys(PHRASES, 0)


def test_a_misheard_name_is_the_name_s_error_not_the_other_words() -> None:
    reference = "thank you for calling Zyntrix my name is Kaelani"
    names_ = ["zyntrix", "kaelani"]

    misheard = other_word_errors(reference, "thank you for calling and tricks my name is kelani", names_)
    other = other_word_errors(reference, "thank you for calling Zyntrix my game is Kaelani", names_)
    dropped = other_word_errors(reference, "thank you calling Zyntrix my name is Kaelani", names_)

    assert (misheard.errors, misheard.reference_words) == (0, 7)
    assert (other.substitutions, other.errors) == (1, 1)
    assert (dropped.deletions, dropped.errors) == (1, 1)
    assert other_word_errors(reference, "thank you so much for calling Zyntrix", names_).errors == 5  # 2 ins, 3 del


def test_dev_and_test_share_no_name_and_every_call_says_its_names() -> None:
    names.check_apart()
    for set_name in names.SETS:
        phrases = {entry["phrase"] for entry in names.vocabulary(set_name)}
        assert len(phrases) == 28
        for spec, said in names.specs(set_name):
            text = " ".join(step.text for step in spec.script.steps())
            assert len(said) == 7 and all(p in text for p in said), spec.name
    dev = {e["phrase"] for e in names.vocabulary("names-dev")}
    assert not dev & {e["phrase"] for e in names.vocabulary("names-test")}
