"""The multilingual (base) engine beyond English: Spanish WER with the language fixed ("es-US") and with "auto", and
the language-detection accuracy of "auto", each participant stream run through the real engine (WhisperEngine.stream:
VAD, endpointer, decoder, detection and the per-stream vote), fed in Connect's 64 ms ticks as fast as it takes them.

    python -m bench.speech.make_calls_es        # .build/speech-data/es: es-dev, es-test, langid
    python -m bench.speech.languages            # make bench-languages

Detection set: es-test (Spanish), langid (French, German) and the first --english calls of the English test set
(.build/speech-data); a stream counts as right when the language it ends with (fixed by the vote, or the last
utterance's while undecided) is the call's language.
"""

from __future__ import annotations

import argparse
import os
import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from connect_transcribe.gateway.redaction import FOREIGN
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import Utterance

from bench.speech.reference import _spell_numbers, load_set, word_errors
from bench.speech.scoring import ALL, TICK_SAMPLES, Participant, Score, by_family, participants

# --- Spanish reference normalizer ----------------------------------------------------------------------------------

# "ciento" is "one hundred": "mil ciento once" is 1111 (the English reader would start a new number at "hundred").
_SPANISH_NUMBERS = {**FOREIGN, "ciento": ("one", "hundred"), "cien": ("one", "hundred")}
_TENS_WORDS = frozenset({"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"})
_UNIT_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"})
_FILLERS = frozenset({"eh", "em", "mm", "este"})


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_es(text: str) -> str:
    """Lowercase, no accents, no punctuation, every number as its digits one by one (as English digit words, on both
    sides alike): "4111", "4-1-1-1", "cuatro uno uno uno" -> "four one one one"; "treinta y dos" and "32" ->
    "three two"; "mil doscientos" and "1.200" -> "one two zero zero"."""
    text = strip_accents(text.lower().replace("\u2019", "'"))
    text = re.sub(r"(?<=\d)[.,](?=\d{3}\b)", "", text)  # 1.200 -> 1200
    text = re.sub(r"(\d)", r" \1 ", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words: list[str] = []
    for written in text.split():
        word = written.strip("'")
        if word and word not in _FILLERS:
            words += _SPANISH_NUMBERS.get(word, (word,))
    joined = [
        w
        for i, w in enumerate(words)
        if not (w == "y" and 0 < i < len(words) - 1 and words[i - 1] in _TENS_WORDS and words[i + 1] in _UNIT_WORDS)
    ]
    return " ".join(_spell_numbers(joined))


# --- streaming through the engine ----------------------------------------------------------------------------------


def stream(engine: WhisperEngine, participant: Participant, language: str) -> list[Utterance]:
    """The participant's channel through a real recognizer, as the gateway feeds it."""
    out: list[Utterance] = []
    recognizer = engine.stream(StreamOptions(language=language), out.append)
    pcm = participant.call.pcm(participant.role)
    step = TICK_SAMPLES * 2
    for offset in range(0, len(pcm), step):
        recognizer.feed(pcm[offset : offset + step])
    recognizer.flush()
    return out


def score_es(participant: Participant, utterances: list[Utterance]) -> Score:
    reference = normalize_es(participant.call.transcript(participant.role))
    hypothesis = normalize_es(" ".join(u.text for u in utterances))
    return Score(word_errors(reference, hypothesis, normalized=True), 0, len(utterances))


def final_language(utterances: list[Utterance]) -> str | None:
    return utterances[-1].language if utterances else None


def run_all(
    engine: WhisperEngine, people: list[Participant], language: str, workers: int
) -> list[tuple[Participant, list[Utterance]]]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(zip(people, pool.map(lambda p: stream(engine, p, language), people), strict=True))


def wer_line(label: str, scores: dict[str, Score]) -> str:
    families = " | ".join(f"{name} {s.errors.rate:.1%}" for name, s in sorted(scores.items()) if name != ALL)
    total = scores[ALL].errors
    counts = f"S {total.substitutions} D {total.deletions} I {total.insertions}"
    return f"| {label} | {total.rate:.1%} ({total.reference_words} words; {counts}) | {families} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(".build/speech-data"))
    parser.add_argument("--engine", default="base")
    parser.add_argument("--set", default="es-test", help="the Spanish set to score (es-dev to tune)")
    parser.add_argument("--english", type=int, default=6, help="English test calls in the detection set")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    engine = WhisperEngine(EngineSettings(engine=args.engine, decode_workers=cores))
    spanish = participants(load_set(args.data / "es", args.set))
    others = participants(load_set(args.data / "es", "langid"))
    english = participants(load_set(args.data, "test")[: args.english])
    minutes = sum(p.call.duration_ms for p in spanish) / 120_000  # two streams per call
    print(
        f"# languages benchmark: engine {args.engine}, {cores} cores; "
        f"{args.set} {len(spanish)} streams ({minutes:.1f} min of calls)"
    )

    fixed = run_all(engine, spanish, "es-US", cores)
    auto_es = run_all(engine, spanish, "auto", cores)
    auto_other = run_all(engine, others + english, "auto", cores)
    engine.close()

    print("\n| Spanish streaming WER | all | per voice family |\n|---|---|---|")
    print(wer_line('language "es-US"', by_family((p, score_es(p, u)) for p, u in fixed)))
    print(wer_line('language "auto"', by_family((p, score_es(p, u)) for p, u in auto_es)))

    results: Counter[tuple[str, bool]] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    for participant, utterances in [*auto_es, *auto_other]:
        want = _language_of(participant)
        got = final_language(utterances) or "none"
        results[(want, got == want)] += 1
        if got != want:
            confusions[(want, got)] += 1
    print('\n| detection ("auto", per stream) | right | streams |\n|---|---|---|')
    for want in sorted({w for w, _ in results}):
        right, total = results[(want, True)], results[(want, True)] + results[(want, False)]
        print(f"| {want} | {right} | {total} |")
    right = sum(n for (_, ok), n in results.items() if ok)
    total = sum(results.values())
    print(f"| all | {right} ({right / total:.0%}) | {total} |")
    if confusions:
        print("confused: " + ", ".join(f"{w}->{g} x{n}" for (w, g), n in sorted(confusions.items())))


def _language_of(participant: Participant) -> str:
    """The language of the party's voices (make_calls_es also writes it into the reference as "language")."""
    families = {u.voice.split(":", 1)[1].split()[0] for u in participant.call.utterances if u.role == participant.role}
    for family in families:
        if family == "el_diphone" or family.startswith("es-"):
            return "es"
        if family.startswith("fr-"):
            return "fr"
        if family.startswith("de-"):
            return "de"
    return "en"


if __name__ == "__main__":
    main()
