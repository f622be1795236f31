"""Custom vocabulary benchmark: calls full of brand, product and person names (bench/speech/names.py) streamed
through the engine with and without the set's vocabulary, and how each way of feeding it to the decoder scores.

    .venv/bin/python -m bench.speech.vocabulary --set names-dev --engine tiny.en    # tune here
    .venv/bin/python -m bench.speech.vocabulary --set names-test --engine tiny.en   # report here

Every call gets the set's whole list (28 names, most not said in that call: a deployment's list). Per configuration:
- recall: name occurrences (whole phrases, normalized, longest first) the transcript has, over those said;
- extra: names the transcript has beyond those said (a prompt can make the decoder write names it did not hear);
- name-free WER: WER on the reference utterances that say no name and no part of one, against the hypotheses the
  endpointer's segments put there (each segment counts for the utterance it overlaps most; segmentation does not
  depend on decoding, so every configuration is scored on exactly the same segments). This is how the vocabulary
  changes ordinary speech; a misheard name cannot leak into it as insertions;
- other-words WER: the errors on the reference words that are not names (a name occurrence, or a person's first or
  last name said alone), from one minimal alignment of the whole transcript: substitutions and deletions of those
  words, and insertions except next to a name (what a misheard name turns into is the name's error, not theirs);
- WER: the whole transcript; CPU: process CPU seconds of the decodes.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from connect_transcribe.speech import vocabulary
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.vocabulary import Term, VocabularySettings
from connect_transcribe.speech.whisper import DecodeOptions

from bench.speech import names as name_sets
from bench.speech.reference import NO_ERRORS, WordErrors, load_set, normalize, word_errors
from bench.speech.scoring import Hypothesis, Participant, Scorer, decode, participants

DATA = Path(".build/speech-data/names")


@dataclass(frozen=True)
class Config:
    name: str
    settings: VocabularySettings | None  # None: no vocabulary
    prompt: bool = True
    engine_default: bool = False  # the engine's measured settings (WhisperEngine.vocabulary_settings) instead


CONFIGS = [
    Config("no vocabulary", None),
    Config("engine's default (speech/tuning.py)", VocabularySettings(), engine_default=True),
    Config("prompt: list", VocabularySettings(style="list", correct=False, fuzzy=0.0, min_seconds=0.0)),
    Config("prompt: sentence", VocabularySettings(style="sentence", correct=False, fuzzy=0.0, min_seconds=0.0)),
    Config("soundsLike correction only", VocabularySettings(correct=True, fuzzy=0.0), prompt=False),
    Config("correction + fuzzy 0.8, no prompt", VocabularySettings(correct=True, fuzzy=0.8), prompt=False),
    Config("prompt: list + correction", VocabularySettings(style="list", correct=True, fuzzy=0.0, min_seconds=0.0)),
    *[
        Config(
            f"prompt: list + correction + fuzzy {f}",
            VocabularySettings(style="list", correct=True, fuzzy=f, min_seconds=0.0),
        )
        for f in (0.7, 0.75, 0.8, 0.85, 0.9)
    ],
    *[
        Config(
            f"prompt from {m} s: list + correction + fuzzy 0.8",
            VocabularySettings(style="list", correct=True, fuzzy=0.8, min_seconds=m),
        )
        for m in (1.0, 1.5, 2.0, 2.5)
    ],
    *[
        Config(
            f"prompt from {m} s: list + correction + fuzzy {f}",
            VocabularySettings(style="list", correct=True, fuzzy=f, min_seconds=m),
        )
        for m, f in ((2.5, 0.7), (2.5, 0.75), (3.0, 0.7), (3.0, 0.75), (3.0, 0.8))
    ],
    *[
        Config(
            f"prompt: sentence + correction + fuzzy {f}",
            VocabularySettings(style="sentence", correct=True, fuzzy=f, min_seconds=0.0),
        )
        for f in (0.7, 0.8)
    ],
]


@dataclass
class Tally:
    said: int = 0
    found: int = 0
    extra: int = 0
    name_free: WordErrors = NO_ERRORS
    other: WordErrors = NO_ERRORS
    total: WordErrors = NO_ERRORS


def count_names(text: str, phrases: list[str]) -> dict[str, int]:
    """Occurrences of each phrase in normalized `text`, longest phrases first, none counted twice."""
    text = f" {normalize(text)} "
    counts = {}
    for phrase in sorted(phrases, key=lambda p: -len(normalize(p))):
        needle = f" {normalize(phrase)} "
        counts[phrase] = text.count(needle)
        text = text.replace(needle, " | ")
    return counts


def marked_words(text: str, names: Iterable[str]) -> tuple[list[str], list[bool]]:
    """Normalized words of `text`, each marked when it belongs to one of the normalized `names` (longest first)."""
    words = normalize(text).split()
    marks = [False] * len(words)
    for name in sorted(set(names), key=len, reverse=True):
        size, parts = len(name.split()), name.split()
        for i in range(len(words) - size + 1):
            if words[i : i + size] == parts and not any(marks[i : i + size]):
                marks[i : i + size] = [True] * size
    return words, marks


def other_word_errors(reference: str, hypothesis: str, names: Iterable[str]) -> WordErrors:
    """Errors on the reference words that are not names, from one minimal word alignment of the whole texts: a
    substitution or deletion counts where its reference word is not a name; an insertion unless it sits next to a
    name (what a misheard name turns into stays with the name)."""
    ref, marks = marked_words(reference, names)
    hyp = normalize(hypothesis).split()
    # cost table, then one minimal path back from the end
    rows, cols = len(ref) + 1, len(hyp) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]), cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    subs = dels = ins = 0
    i, j = len(ref), len(hyp)
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            subs += ref[i - 1] != hyp[j - 1] and not marks[i - 1]
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            dels += not marks[i - 1]
            i -= 1
        else:  # an insertion between reference words i - 1 and i
            ins += not ((i and marks[i - 1]) or (i < len(ref) and marks[i]))
            j -= 1
    return WordErrors(subs, dels, ins, marks.count(False))


def name_parts(terms: tuple[Term, ...]) -> set[str]:
    """Every normalized phrase and every word of a phrase: what a name-free utterance must not say."""
    out = set()
    for term in terms:
        phrase = normalize(term.phrase)
        out |= {phrase, *phrase.split()}
    return out


def score(participant: Participant, hyps: list[Hypothesis], terms: tuple[Term, ...], people: set[str]) -> Tally:
    phrases = [t.phrase for t in terms]
    reference = participant.call.transcript(participant.role)
    hypothesis = " ".join(h.text for h in hyps)
    said, got = count_names(reference, phrases), count_names(hypothesis, phrases)
    tally = Tally()
    tally.said = sum(said.values())
    tally.found = sum(min(said[p], got[p]) for p in phrases)
    tally.extra = sum(max(0, got[p] - said[p]) for p in phrases)
    tally.total = word_errors(reference, hypothesis)
    tally.other = other_word_errors(reference, hypothesis, [normalize(p) for p in phrases] + sorted(people))
    for ref, hyp in name_free_pairs(participant, hyps, terms):
        tally.name_free += word_errors(ref, hyp)
    return tally


def name_free_pairs(participant: Participant, hyps: list[Hypothesis], terms: tuple[Term, ...]) -> list[tuple[str, str]]:
    """(reference, hypothesis) per utterance that says no name and no part of one; each hypothesis goes to the
    utterance it overlaps most."""
    parts = name_parts(terms)
    utterances = [u for u in participant.call.utterances if u.role == participant.role]
    assigned: dict[int, list[str]] = {}
    for h in hyps:
        overlaps = [min(h.end_ms, u.end_ms) - max(h.start_ms, u.start_ms) for u in utterances]
        best = max(range(len(utterances)), key=overlaps.__getitem__)
        if overlaps[best] > 0:
            assigned.setdefault(best, []).append(h.text)
    return [
        (u.text, " ".join(assigned.get(i, [])))
        for i, u in enumerate(utterances)
        if not any(w in parts for w in normalize(u.text).split())
    ]


def people_words(terms: tuple[Term, ...], kinds: dict[str, str]) -> set[str]:
    """A person's first and last names, said alone in the calls ("Thanks, Kaelani")."""
    return {w for t in terms if kinds.get(t.phrase) == "person" for w in normalize(t.phrase).split()}


def options_for(engine: WhisperEngine, config: Config, terms: tuple[Term, ...]) -> DecodeOptions:
    base = engine.decode_options
    if config.settings is None:
        return base
    settings = engine.vocabulary_settings if config.engine_default else config.settings
    options = vocabulary.with_vocabulary(base, terms, engine._count_tokens, settings)
    return options if config.prompt else replace(options, initial_prompt=base.initial_prompt)


def run(
    set_name: str, engine_name: str, data: Path, configs: list[Config], workers: int, *, show: bool = False
) -> None:
    calls = load_set(data, set_name)
    entries = json.loads((data / "names.json").read_text())[set_name]
    terms = tuple(Term(e["phrase"], tuple(e["soundsLike"])) for e in entries)
    kinds = {n.phrase: n.kind for call in name_sets.NAMES[set_name] for n in call.values()}
    people = people_words(terms, kinds)
    engine = WhisperEngine(EngineSettings(engine=engine_name, decode_workers=workers))
    scorer = Scorer(engine)
    listeners = participants(calls)
    segmented = [scorer.segmented(p, engine.endpoint_settings) for p in listeners]
    minutes = sum(c.duration_ms for c in calls) / 60000
    print(f"{set_name}: {len(calls)} calls, {minutes:.1f} min, {len(terms)} names in the vocabulary; {engine_name}")
    prompt = vocabulary.prompt_text(terms, engine._count_tokens, 223)
    print(f"  prompt ({engine._count_tokens(' ' + prompt)} tokens): {prompt[:100]}...")
    header = f"  {'configuration':<50} {'recall':>13} {'extra':>5} {'name-free WER':>13} {'other WER':>9}"
    print(header + f" {'WER':>6} {'CPU s':>6}")
    decoded: dict[DecodeOptions, tuple[list[list[Hypothesis]], float]] = {}
    for config in configs:
        options = options_for(engine, config, terms)
        # The correction runs after decoding, so configurations that differ only in it share one decode (the
        # engine corrects before the hallucination filter, which looks for phrases no name correction makes).
        key = replace(options, corrector=None)
        if key not in decoded:
            began = time.process_time()
            runs = list(scorer._pool.map(lambda s, o=key: decode(engine, s, o), segmented))
            decoded[key] = runs, time.process_time() - began
        runs, cpu = decoded[key]
        if show and decoded:
            _show_changes(listeners, next(iter(decoded.values()))[0], runs, terms)
        if options.corrector is not None:
            began = time.process_time()
            fix = options.corrector
            runs = [[replace(h, text=fix(h.text)) for h in hyps] for hyps in runs]
            cpu += time.process_time() - began
        total = Tally()
        for participant, hyps in zip(listeners, runs, strict=True):
            t = score(participant, hyps, terms, people)
            total.said += t.said
            total.found += t.found
            total.extra += t.extra
            total.name_free += t.name_free
            total.other += t.other
            total.total += t.total
        recall = f"{total.found / max(total.said, 1):.1%} ({total.found}/{total.said})"
        print(
            f"  {config.name:<50} {recall:>13} {total.extra:>5} {total.name_free.rate:>13.1%}"
            f" {total.other.rate:>9.1%} {total.total.rate:>6.1%} {cpu:>6.1f}",
            flush=True,
        )
    words = total.name_free.reference_words, total.other.reference_words, total.total.reference_words
    print(f"  reference words: {words[0]} name-free, {words[1]} other, {words[2]} in all")
    scorer.close()
    engine.close()


def _show_changes(
    listeners: list[Participant], before: list[list[Hypothesis]], after: list[list[Hypothesis]], terms: tuple[Term, ...]
) -> None:
    """The name-free utterances whose transcript differs from the first configuration's (to see what a prompt does)."""
    for participant, old, new in zip(listeners, before, after, strict=True):
        pairs = zip(name_free_pairs(participant, old, terms), name_free_pairs(participant, new, terms), strict=True)
        for (ref, first), (_, then) in pairs:
            if normalize(first) != normalize(then):
                print(f"    REF {ref!r}\n      was {first!r}\n      now {then!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="made by python -m bench.speech.names")
    parser.add_argument("--set", default="names-test", choices=["names-dev", "names-test"])
    parser.add_argument("--engine", default="tiny.en")
    parser.add_argument("--workers", type=int, default=1, help="decode workers (threads)")
    parser.add_argument("--configs", default="", help="comma-separated configuration numbers (1-based); all if empty")
    parser.add_argument("--show", action="store_true", help="print name-free utterances a configuration changes")
    args = parser.parse_args(argv)
    chosen = [CONFIGS[int(i) - 1] for i in args.configs.split(",") if i] or CONFIGS
    run(args.set, args.engine, args.data, chosen, args.workers, show=args.show)


if __name__ == "__main__":
    main()
