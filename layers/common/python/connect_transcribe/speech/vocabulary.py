"""Custom vocabulary for the decoder: the deployment's and a start's phrases merged, turned into the decoding prompt
(what faster-whisper calls hotwords: text after <|startofprev|>), and the soundsLike correction of decoded text.

The wire model is models/vocabulary.py; this package keeps to plain dataclasses (`terms_from` converts)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from connect_transcribe.speech.whisper import MAX_PROMPT_TOKENS, DecodeOptions


@dataclass(frozen=True)
class Term:
    phrase: str
    sounds_like: tuple[str, ...] = ()


class _Entry(Protocol):
    @property
    def phrase(self) -> str: ...

    @property
    def sounds_like(self) -> tuple[str, ...]: ...


def terms_from(entries: Iterable[_Entry] | None) -> tuple[Term, ...]:
    """models.vocabulary.VocabularyEntry (or anything with .phrase and .sounds_like) -> Terms; None -> ()."""
    return tuple(Term(e.phrase, tuple(e.sounds_like)) for e in entries or ())


def merge(*lists: Iterable[Term]) -> tuple[Term, ...]:
    """The lists in order of precedence (a start's own first, then the deployment's), one Term per phrase
    (case-insensitive): the first keeps its place and gains the soundsLike spellings of the later ones."""
    merged: dict[str, Term] = {}
    for terms in lists:
        for term in terms:
            key = term.phrase.casefold()
            held = merged.get(key)
            if held is None:
                merged[key] = term
            else:
                extra = tuple(s for s in term.sounds_like if s.casefold() not in map(str.casefold, held.sounds_like))
                merged[key] = Term(held.phrase, held.sounds_like + extra)
    return tuple(merged.values())


# Prompt styles measured by bench/speech/vocabulary.py ("list" is the default: see VocabularySettings).
PROMPT_STYLES = ("list", "sentence")


def prompt_text(terms: Iterable[Term], count_tokens: Callable[[str], int], budget: int, style: str = "list") -> str:
    """The phrases as decoding prompt text, whole phrases only, in order, as many as fit in `budget` tokens.

    "list": "Contoso, Fabrikam, Northwind." ; "sentence": "We talked about Contoso, Fabrikam and Northwind."."""
    phrases = [t.phrase for t in terms]

    def fits(kept: int) -> bool:
        return count_tokens(" " + _render(phrases[:kept], style)) <= budget

    if not phrases or fits(len(phrases)):
        return _render(phrases, style) if phrases else ""
    low, high = 0, len(phrases)  # fits(low), not fits(high): a binary search, ~8 tokenizations for 200 phrases
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return _render(phrases[:low], style) if low else ""


def _render(phrases: list[str], style: str) -> str:
    if style == "sentence":
        listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
        return f"We talked about {listed}."
    return ", ".join(phrases) + "."


@dataclass(frozen=True)
class Corrector:
    """Maps what the decoder wrote for a phrase back to the phrase: its soundsLike spellings, the phrase split or
    joined differently ("zyn-trix", "Kaelani  brzezinski") and, with `fuzzy` > 0, near-miss spellings of a phrase of
    five or more letters (difflib similarity >= `fuzzy` over the same number of words, starting with the same letter
    or one that often sounds alike: c/k/q, c/s/z/x, vowels, f/v, g/j).
    Case-insensitive and word-boundary safe: "contosos" is left alone."""

    terms: tuple[Term, ...]
    fuzzy: float = 0.0
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _targets: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        targets: dict[str, str] = {}
        for term in self.terms:
            for spelling in (term.phrase, *term.sounds_like):
                targets.setdefault(_key(spelling), term.phrase)
        alternatives = sorted({_flexible(s) for t in self.terms for s in (t.phrase, *t.sounds_like)}, key=len)
        pattern = (
            re.compile(r"(?<![\w'])(?:" + "|".join(reversed(alternatives)) + r")(?![\w'])", re.IGNORECASE)
            if alternatives
            else None
        )
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_targets", targets)

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self._targets.get(_key(m.group(0)), m.group(0)), text)
        if self.fuzzy > 0:
            text = self._near_misses(text)
        return text

    def _near_misses(self, text: str) -> str:
        for term in self.terms:
            target = _letters(term.phrase)
            if len(target) < 5:
                continue
            size = len(term.phrase.split())
            words = list(re.finditer(r"[\w'-]+", text))
            for i in range(len(words) - size, -1, -1):  # from the end, so earlier offsets stay valid
                span = words[i : i + size]
                found = text[span[0].start() : span[-1].end()]
                letters = _letters(found)
                if letters == target or not letters or not _same_first_sound(letters[0], target[0]):
                    continue
                if 2 * min(len(letters), len(target)) < self.fuzzy * (len(letters) + len(target)):
                    continue  # the lengths alone keep the similarity under the threshold
                if difflib.SequenceMatcher(None, letters, target).ratio() >= self.fuzzy:
                    text = text[: span[0].start()] + term.phrase + text[span[-1].end() :]
        return text


# First letters that often stand for the same sound in a name ("Quorvex" heard as "Clorvex", "Xenolyth" as "Zenolith").
_FIRST_SOUNDS = ("ckq", "cszx", "aeiouy", "fv", "gj")


def _same_first_sound(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _FIRST_SOUNDS)


def _key(text: str) -> str:
    return re.sub(r"[\s\-.,]+", "", text).casefold()


def _letters(text: str) -> str:
    return re.sub(r"[^\w]", "", text).casefold()


def _flexible(spelling: str) -> str:
    """A regex for `spelling` whose words may come out joined or split by spaces, hyphens, commas or full stops."""
    words = re.split(r"[\s\-]+", spelling.strip())
    return r"[\s\-.,]*".join(re.escape(w) for w in words if w)


@dataclass(frozen=True)
class VocabularySettings:
    """How a vocabulary reaches the decoder (per engine: speech/tuning.py VOCABULARY). The defaults are what
    bench/speech/vocabulary.py measured on names-dev with tiny.en (28 names, most not said in a call): name recall
    1.6 % -> 56.2 % with the WER on the other words 23.8 % -> 23.2 %. The prompt on every utterance (and the
    correction) found more names (66.4 %) but made the other words worse (25.0 %): on backchannels ("Sure.",
    "Got it.") it wrote names ("Shuler, Schler"), hence no prompt under 3 s."""

    style: str = "list"  # PROMPT_STYLES; "sentence" found as many names and made the other words worse
    correct: bool = True  # apply the Corrector (soundsLike spellings, split/joined phrases, near misses)
    fuzzy: float = 0.7  # Corrector.fuzzy; 0 turns near-miss matching off (0.7-0.9 measured: lower finds more)
    min_seconds: float = 3.0  # DecodeOptions.prompt_min_seconds: no prompt on shorter utterances (1-3 s measured)


def with_vocabulary(
    options: DecodeOptions,
    terms: tuple[Term, ...],
    count_tokens: Callable[[str], int],
    settings: VocabularySettings | None = None,
) -> DecodeOptions:
    """`options` with the vocabulary as the decoding prompt (after any initial_prompt, which keeps its place) and
    the corrector. Every decode of a stream (early, interim, final, fallback) uses these options, so one prompt."""
    if not terms:
        return options
    s = settings or VocabularySettings()
    budget = MAX_PROMPT_TOKENS - (count_tokens(" " + options.initial_prompt) + 1 if options.initial_prompt else 0)
    text = prompt_text(terms, count_tokens, budget, s.style)
    prompt = " ".join(p for p in (options.initial_prompt, text) if p) or None
    corrector = Corrector(terms, s.fuzzy) if s.correct else options.corrector
    return replace(options, initial_prompt=prompt, corrector=corrector, prompt_min_seconds=s.min_seconds)
