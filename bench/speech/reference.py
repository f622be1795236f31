"""Reading a test call and its reference, and scoring a transcript against it: text normalization and
word error rate (WER)."""

from __future__ import annotations

import itertools
import json
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.speech.details import DIGITS


@dataclass(frozen=True)
class Utterance:
    role: str
    start_ms: int
    end_ms: int
    text: str
    voice: str


@dataclass(frozen=True)
class NonSpeech:
    role: str
    kind: str  # "ringback", "dtmf" or "hold_music"
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Call:
    name: str
    set_name: str
    sample_rate: int
    audio: np.ndarray  # int16, shape (frames, channels)
    channels: dict[str, int]  # role -> channel index
    duration_ms: int
    utterances: tuple[Utterance, ...]
    non_speech: tuple[NonSpeech, ...]
    # The reference's "channel": per role, the line the party spoke over ({"codec", "loss", "concealment",
    # "level_dbfs", "snr_db"}). Empty for calls without one (the sample call). Not named `channel`: that is the
    # method below.
    channel_info: dict[str, dict[str, Any]] = field(default_factory=dict)

    def channel(self, role: str) -> np.ndarray:
        return self.audio[:, self.channels[role]]

    def pcm(self, role: str) -> bytes:
        """One party's audio as a stream would carry it: signed 16-bit little-endian, mono."""
        return self.channel(role).astype("<i2").tobytes()

    def transcript(self, role: str) -> str:
        return " ".join(u.text for u in self.utterances if u.role == role)


def load_call(wav_path: Path | str) -> Call:
    """The WAV and the JSON reference beside it (same name)."""
    wav_path = Path(wav_path)
    reference = json.loads(wav_path.with_suffix(".json").read_text())
    with wave.open(str(wav_path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{wav_path}: expected 16-bit samples, got {8 * wav.getsampwidth()}-bit")
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, wav.getnchannels())
        rate = wav.getframerate()
    return Call(
        name=reference["name"],
        set_name=reference["set"],
        sample_rate=rate,
        audio=audio,
        channels={role: int(index) for index, role in reference["channels"].items()},
        duration_ms=reference["duration_ms"],
        utterances=tuple(Utterance(**u) for u in reference["utterances"]),
        non_speech=tuple(NonSpeech(n["role"], n["kind"], n["start_ms"], n["end_ms"]) for n in reference["non_speech"]),
        channel_info=reference.get("channel", {}),
    )


def load_set(folder: Path | str, set_name: str) -> list[Call]:
    """Every call of a set, in manifest order."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    return [load_call(folder / f"{name}.wav") for name in manifest["sets"][set_name]]


# --- normalization ---------------------------------------------------------------------------------------

# Spellings of the same backchannel or word that engines and people use interchangeably.
_VARIANTS = [
    (r"\b(mm+[- ]?h?mm+|mm+-?hm+|mhm+|uh[- ]?hum)\b", "mhm"),
    (r"\b(uh[- ]?huh)\b", "uhhuh"),
    (r"\b(ok|okay|o\.k\.?)(?=\W|$)", "okay"),
    (r"\balright\b", "all right"),
    (r"\be-mail\b", "email"),
]
# Hesitations carry no words: references keep them (the voices say them), scoring drops them on both sides, as
# Whisper's own English normalizer does. Backchannels ("mm-hmm", "uh-huh", "okay") are words and stay.
FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "mm"})
_UNITS = {word: value for value, word in enumerate(DIGITS)}
_TEENS = {
    w: 10 + i
    for i, w in enumerate(
        ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    )
}
_TENS = {
    w: 20 + 10 * i for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_ORDINALS = {
    "first": "one", "second": "two", "third": "three", "fourth": "four", "fifth": "five", "sixth": "six",
    "seventh": "seven", "eighth": "eight", "ninth": "nine", "tenth": "ten", "eleventh": "eleven",
    "twelfth": "twelve", "thirteenth": "thirteen", "fourteenth": "fourteen", "fifteenth": "fifteen",
    "sixteenth": "sixteen", "seventeenth": "seventeen", "eighteenth": "eighteen", "nineteenth": "nineteen",
    "twentieth": "twenty", "thirtieth": "thirty",
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000}


def normalize(text: str) -> str:
    """Lowercase words without punctuation, every number as its digits spoken one by one.

    Written and spoken forms meet in the middle: "4111", "four one one one" and "forty one eleven" all become
    "four one one one"; "$49.99" and "forty nine ninety nine" become "four nine nine nine"; "March 3rd" and
    "March third" become "march three"; "john.smith@example.com" becomes "john dot smith at example dot com".
    Ordinals lose their ordinal ending; "oh" between digits is a zero; "$24" is "twenty four dollars"; hesitations
    ("um", "uh") are dropped.
    """
    text = text.lower().replace("\u2019", "'")
    for pattern, replacement in _VARIANTS:
        text = re.sub(pattern, replacement, text)
    text = re.sub(r"\$(\d[\d,]*)\.(\d\d)\b", r"\1 \2", text)  # "$28.35": see _money
    text = re.sub(r"\$(\d[\d,]*)(?![\d.,]*\d)", r"\1 dollars", text)  # "$24" is said "twenty four dollars"
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 1,250 -> 1250
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)  # 3rd -> 3
    text = re.sub(r"(?<=\w)@(?=\w)", " at ", text)
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", " dot ", text)  # only inside a word: emails and web addresses
    text = re.sub(r"(\d)", r" \1 ", text)  # every digit its own word: 4111 and $49.99 read digit by digit
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = [w.strip("'") for w in text.split()]
    return " ".join(_money(_spell_numbers([w for w in words if w and w not in FILLERS])))


def _money(words: list[str]) -> list[str]:
    """Dollars and cents as their two numbers: "$28.35", "twenty eight thirty five" and "twenty eight dollars and
    thirty five cents" are the same amount, said or written three ways (a speech engine writes the first)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i : i + 2] == ["dollars", "and"] and out and out[-1] in _UNITS:
            rest = words[i + 2 :]
            digits = list(itertools.takewhile(lambda w: w in _UNITS, rest))
            if digits and rest[len(digits) : len(digits) + 1] == ["cents"]:
                out += digits
                i += 2 + len(digits) + 1
                continue
        out.append(words[i])
        i += 1
    return out


def _spell_numbers(words: list[str]) -> list[str]:
    """Number words grouped into numbers as a listener hears them, then every digit as a word."""
    out: list[str] = []
    number: _Number | None = None
    for i, written in enumerate(words):
        word = _ORDINALS.get(written, written)
        if word.isdigit():  # written digits were already split one per word
            out.extend(number.digits() if number else [])
            number = None
            out.append(DIGITS[int(word)])
            continue
        value = _number_value(word, words[i - 1] if i else "", words[i + 1] if i + 1 < len(words) else "")
        following = _ORDINALS.get(words[i + 1], words[i + 1]) if i + 1 < len(words) else ""
        if word == "and" and number and number.last in _SCALES.values() and _is_digit_word(following):
            continue  # "one hundred and twelve"
        if value is not None and number and number.extends(value):
            number.add(value)
            continue
        out.extend(number.digits() if number else [])
        number = None
        if value is None:
            out.append(word)
        else:
            number = _Number()
            number.add(value)
    out.extend(number.digits() if number else [])
    return out


class _Number:
    """A number being read word by word: "two thousand" + "four hundred" + "twelve"."""

    def __init__(self) -> None:
        self.thousands = 0
        self.rest = 0
        self.last = -1

    def extends(self, value: int) -> bool:
        """Whether the next number word continues this number ("forty" + "nine") or starts another."""
        if value == 1000:
            return 0 < self.rest < 1000 and not self.thousands
        if value == 100:
            return 0 < self.rest < 100 and self.last < 100
        if self.last == 1000:
            return self.rest == 0
        if self.last == 100:
            return self.rest % 100 == 0
        return self.last in _TENS.values() and 0 < value < 10

    def add(self, value: int) -> None:
        if value == 1000:
            self.thousands, self.rest = (self.rest or 1) * 1000, 0
        elif value == 100:
            self.rest = (self.rest or 1) * 100
        else:
            self.rest += value
        self.last = value

    def digits(self) -> list[str]:
        return [DIGITS[int(d)] for d in str(self.thousands + self.rest)]


def _number_value(word: str, before: str, after: str) -> int | None:
    if word == "oh":  # a zero only when it sits among digits, as in "five five five oh one"
        return 0 if _is_digit_word(before) or _is_digit_word(after) else None
    for table in (_UNITS, _TEENS, _TENS, _SCALES):
        if word in table:
            return table[word]
    return None


def _is_digit_word(word: str) -> bool:
    return word.isdigit() or word in _UNITS or word in _TEENS or word in _TENS


# --- word error rate ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordErrors:
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """WER: errors per reference word (can exceed 1 when the hypothesis adds many words)."""
        if not self.reference_words:
            return 0.0 if not self.errors else float("inf")
        return self.errors / self.reference_words

    def __add__(self, other: WordErrors) -> WordErrors:
        """Pooled over utterances or calls: the corpus WER is total errors over total reference words."""
        return WordErrors(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.reference_words + other.reference_words,
        )


NO_ERRORS = WordErrors(0, 0, 0, 0)


def word_errors(reference: str, hypothesis: str, normalized: bool = False) -> WordErrors:
    """Word-level Levenshtein alignment of the normalized texts; counts from one minimal alignment."""
    ref = (reference if normalized else normalize(reference)).split()
    hyp = (hypothesis if normalized else normalize(hypothesis)).split()
    # cost[j] and its (subs, dels, ins) for the previous and current reference prefix
    previous = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i, ref_word in enumerate(ref, start=1):
        current = [(i, 0, i, 0)]
        for j, hyp_word in enumerate(hyp, start=1):
            cost, subs, dels, ins = previous[j - 1]
            match = (cost, subs, dels, ins) if ref_word == hyp_word else (cost + 1, subs + 1, dels, ins)
            cost, subs, dels, ins = previous[j]
            delete = (cost + 1, subs, dels + 1, ins)
            cost, subs, dels, ins = current[j - 1]
            insert = (cost + 1, subs, dels, ins + 1)
            current.append(min(match, delete, insert))
        previous = current
    _, subs, dels, ins = previous[-1]
    return WordErrors(subs, dels, ins, len(ref))
