"""The dev and test conversations: composed from each set's own wordings, filled in, with the hesitations,
barge-ins, backchannels and long turns of real contact-center calls."""

from __future__ import annotations

import random
import re

import pytest

from bench.speech import conversations, dialogue
from bench.speech.scripts import Script, Step


def compose_set(set_name: str, count: int = 12) -> list[Script]:
    composer = dialogue.SetComposer(set_name)
    return [composer.compose(f"{set_name}-{i:02d}", s) for i, s in enumerate(composer.scenarios(count))]


def test_each_set_has_its_own_half_of_every_list_of_wordings() -> None:
    items = ["a", "b", "c", "d", "e"]

    assert dialogue.wordings(items, "dev") == ["a", "c", "e"]
    assert dialogue.wordings(items, "test") == ["b", "d"]


@pytest.mark.parametrize("set_name", ["dev", "test"])
def test_a_composed_call_is_filled_in_and_reads_as_a_script(set_name: str) -> None:
    for script in compose_set(set_name):
        steps = script.steps()
        assert steps[0].kind == "agent"  # the agent answers
        assert not re.search(r"[{}]", script.lines)
        assert not any(re.search(r"\d", s.text) for s in steps if s.kind != "keys")  # numbers as words
        assert all(s.text.isdigit() for s in steps if s.kind == "keys")


def test_the_same_set_composes_the_same_calls() -> None:
    assert [s.lines for s in compose_set("dev", 4)] == [s.lines for s in compose_set("dev", 4)]


def test_calls_hold_what_contact_center_calls_hold() -> None:
    texts = [t for s in compose_set("dev", 16) for t in dialogue.utterance_texts(s)]
    joined = " ".join(texts)

    assert re.search(r"\b[A-Z] as in [A-Za-z]+, [A-Z]\b", joined)  # spelled letters
    assert re.search(r"\w+ (dot \w+ )?at example dot (com|org|net)", joined)  # e-mail said aloud
    assert re.search(r"(\w+ ){3}\w+, (\w+ ){3}\w+, (\w+ ){3}\w+, (\w+ ){3}\w+", joined)  # a card number in groups
    assert re.search(r"\b(Um|Uh|um|uh),", joined)  # hesitations
    assert any(len(t.split()) >= 60 for t in texts)  # an agent explaining a policy: over 15 s
    for brand in ("Contoso", "Northwind", "Fabrikam", "Tailspin", "Woodgrove", "Litware", "Adventure Works"):
        assert brand in joined
    steps = [step for s in compose_set("dev", 16) for step in s.steps()]
    assert any(step.barge_in for step in steps)


def test_long_turns_written_over_several_lines_are_one_turn() -> None:
    block = """
A: This is a long turn
that goes on.
C: Okay.
HOLD
"""
    assert dialogue.script_lines(block) == ["A: This is a long turn that goes on.", "C: Okay.", "HOLD"]


def test_a_hesitation_goes_in_front_of_a_turn_and_keeps_a_capital_i() -> None:
    lines = [dialogue.hesitate("C: I think so.", random.Random(seed)) for seed in range(200)]

    hesitant = [line for line in lines if line != "C: I think so."]
    assert 5 < len(hesitant) < 60
    assert all(re.fullmatch(r"C: (Um|Uh|So, um|Well), I think so\.", line) for line in hesitant)
    assert dialogue.hesitate("KEYS: 1234", random.Random(1)) == "KEYS: 1234"


def test_a_barge_in_line_is_a_step_that_starts_early() -> None:
    script = Script("x", "A: Let me explain.\nC>: Sorry, one question.\nKEYS: 42\nPAUSE")

    assert script.steps() == [
        Step("agent", "Let me explain."),
        Step("customer", "Sorry, one question.", barge_in=True),
        Step("keys", "42"),
        Step("pause"),
    ]
    with pytest.raises(ValueError, match="unreadable"):
        Script("x", "K>: nope").steps()


def test_shared_sentences_ignore_case_punctuation_and_short_replies() -> None:
    shared = dialogue.shared_sentences(
        ["Okay.", "Thank you so much!", "Got it."], ["okay", "thank you SO much", "Got it"]
    )

    assert shared == {"thank you so much"}


def test_backchannels_are_short_enough_to_be_in_both_sets() -> None:
    assert all(len(b.split()) <= 2 for b in conversations.BACKCHANNELS)
