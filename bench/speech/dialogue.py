"""Composes the dev and test conversations: greeting, verification, the caller's issue, a policy explained at
length, resolution and closing, each part a wording dealt from that set's half of bench/speech/conversations.py,
filled with seeded personal details, with the hesitations people add. The two sets share no sentence of more than
two words (`shared_sentences` finds any).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from bench.speech import conversations, details
from bench.speech.reference import normalize
from bench.speech.scripts import Script

DIALOGUE_SETS = ("dev", "test")
_TAGS = re.compile(r"^(A>?|C>?|KEYS):|^(HOLD|PAUSE)$")
# First words a filler may go in front of without the sentence sounding wrong; a capital stays for "I" and names.
_KEEP_CAPITAL = re.compile(r"^(I\b|I'|\{)")
_STARTS_WITH_FILLER = re.compile(r"^(um|uh|so|well|oh|hmm|yeah)\b", re.IGNORECASE)
T = TypeVar("T")


def wordings(items: Sequence[T], set_name: str) -> list[T]:
    """The set's half of a list of wordings: dev has the even-numbered ones, test the odd-numbered ones."""
    return list(items[DIALOGUE_SETS.index(set_name) :: 2])


class Deck:
    """Deals a set's wordings in a shuffled order and reshuffles only when all are used, so a set repeats a
    wording only after it has used every other."""

    def __init__(self, items: Sequence[str], rng: random.Random) -> None:
        self.items = list(items)
        self.rng = rng
        self.order: list[str] = []

    def deal(self, avoid: Iterable[str] = ()) -> str:
        if not self.order:
            self.order = self.rng.sample(self.items, len(self.items))
        skip = set(avoid)
        for index, item in enumerate(self.order):
            if item not in skip:
                return self.order.pop(index)
        return self.order.pop(0)


class SetComposer:
    """The conversations of one set, call by call: the decks carry over from one call to the next."""

    def __init__(self, set_name: str) -> None:
        self.set_name = set_name
        self.rng = random.Random(f"dialogue/{set_name}")
        self.decks: dict[str, Deck] = {}

    def deck(self, key: str, items: Sequence[str]) -> Deck:
        if key not in self.decks:
            self.decks[key] = Deck(wordings(items, self.set_name), self.rng)
        return self.decks[key]

    def scenarios(self, count: int) -> list[conversations.Scenario]:
        """Every scenario in turn, in an order of the set's own."""
        order = self.rng.sample(conversations.SCENARIOS, len(conversations.SCENARIOS))
        return [order[i % len(order)] for i in range(count)]

    def compose(self, name: str, scenario: conversations.Scenario) -> Script:
        rng = random.Random(f"{self.set_name}/{name}")
        slots = details.draw_details(rng) | {"brand": rng.choice(scenario.brands)}
        kinds = rng.sample(scenario.verify, rng.choice([2, 3]))
        if "name" in scenario.verify and "name" not in kinds and rng.random() < 0.6:
            kinds[0] = "name"
        kinds.sort(key=lambda kind: kind != "name")  # who is calling comes first
        key = scenario.name
        first_issue, second_issue = self._two(self.deck(f"{key}/issues", scenario.issues))
        blocks = [
            self.deck("greeting", conversations.GREETINGS).deal(),
            self.deck(f"{key}/opening", scenario.openings).deal(),
            *(self.deck(f"verify/{kind}", conversations.VERIFICATIONS[kind]).deal() for kind in kinds),
        ]
        if rng.random() < 0.6:
            blocks.append(self.deck("lookup", conversations.LOOKUPS).deal())
        policy = self.deck(f"{key}/policy", scenario.policies).deal()
        blocks += [first_issue, policy, second_issue] if rng.random() < 0.4 else [first_issue, second_issue, policy]
        blocks.append(self.deck(f"{key}/resolution", scenario.resolutions).deal())
        if rng.random() < 0.5:
            blocks.append(self.deck("extra", conversations.EXTRAS).deal())
        blocks.append(self.deck("closing", conversations.CLOSINGS).deal())
        lines = [hesitate(line, rng) for block in blocks for line in script_lines(block)]
        text = "\n".join(line.format(**slots) for line in lines)
        for line in text.splitlines():
            if re.search(r"[{}]", line) or (not line.startswith("KEYS:") and re.search(r"\d", line)):
                raise ValueError(f"{name}: a line kept a slot or digits: {line!r}")
        return Script(scenario.name, text)

    @staticmethod
    def _two(deck: Deck) -> tuple[str, str]:
        first = deck.deal()
        return first, deck.deal(avoid=[first])


def script_lines(block: str) -> list[str]:
    """A block's script lines, a long turn written over several source lines joined into one."""
    lines: list[str] = []
    for line in (raw.strip() for raw in block.strip().splitlines()):
        if not line:
            continue
        if _TAGS.match(line) or not lines:
            lines.append(line)
        else:
            lines[-1] += f" {line}"
    return lines


def hesitate(line: str, rng: random.Random) -> str:
    """Some turns start with "um" or "uh", as people's do: a caller's one in eight, an agent's one in twenty five."""
    tag, sep, words = line.partition(": ")
    caller = tag.startswith("C")
    chance = 0.125 if caller else 0.04 if tag.startswith("A") else 0.0
    if not sep or not chance or rng.random() >= chance or _STARTS_WITH_FILLER.match(words):
        return line
    words = words if _KEEP_CAPITAL.match(words) else words[:1].lower() + words[1:]
    filler = rng.choice(conversations.FILLERS if caller else conversations.FILLERS[:2])
    return f"{tag}: {filler}{words}"


def utterance_texts(script: Script) -> list[str]:
    return [step.text for step in script.steps() if step.kind in ("agent", "customer")]


def shared_sentences(first: Iterable[str], second: Iterable[str]) -> set[str]:
    """Utterances of more than two words, normalized, that are in both."""

    def long(texts: Iterable[str]) -> set[str]:
        return {n for n in (normalize(t) for t in texts) if len(n.split()) > 2}

    return long(first) & long(second)
