"""PII redaction of transcript text: every redacted character becomes '#', whitespace is kept.

Numbers are found whether written ("4111-1111 1111 1111") or spoken ("four one one one", "double
five", "oh" for zero, "twenty one", "five hundred"), split across words, fillers ("uh") and the
punctuation a speech engine inserts. Spanish, Portuguese, French and German number words are read too
("cuatro uno uno uno", "cuatro mil ciento once", "quatre un un un", "vier eins eins"), without knowing the
language: one table (FOREIGN) maps them to the English words they stand for. Deterministic: the same text and
policy give the same output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from connect_transcribe.models.enums import RedactionOutput


class PiiKind(StrEnum):
    CARD = "card"
    SSN = "ssn"
    PHONE = "phone"
    NUMBER = "number"
    EMAIL = "email"


@dataclass(frozen=True)
class RedactionPolicy:
    cards: bool = True  # Luhn-valid, 13-19 digits
    ssns: bool = True  # 9 digits
    nine_and_ten_digit_numbers: bool = True
    phones: bool = True  # 7, 10, 1+10 digits, or +country code (8-15 digits)
    emails: bool = True
    short_numbers: tuple[int, int] | None = (3, 4)  # inclusive digit-count range; None disables
    # Beyond the listed kinds: any run of at least this many digits. Speech engines get digits wrong: a
    # phone number heard as "5-5-0-14-6" or a card number that fails Luhn by one digit must not leak.
    # Set to None for the listed kinds only (then 5-8 and 11-12 digit runs are not redacted).
    min_any_number: int | None = 5


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: PiiKind


@dataclass(frozen=True)
class Redaction:
    text: str
    spans: tuple[Span, ...]


UNITS = {
    "zero": 0,
    "oh": 0,
    "o": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 2,
    "thirty": 3,
    "forty": 4,
    "fourty": 4,
    "fifty": 5,
    "sixty": 6,
    "seventy": 7,
    "eighty": 8,
    "ninety": 9,
}
REPEATS = {"double": 2, "triple": 3}
FILLERS = frozenset({"uh", "um", "er", "erm", "ah", "hmm", "mm", "uhm"})
# Number words of the multilingual engine's other languages, as the English number words they stand for. Words
# that are also ordinary words elsewhere are left out ("un", "una", "une", "ein", "eine": articles; Portuguese
# "um" is an English filler; French "cent" is English money), or are numbers only next to another number
# (AMBIGUOUS). Accented words are listed with and without their accents, as speech engines write either.
_ES = {
    "cero": "zero",
    "uno": "one",
    "dos": "two",
    "tres": "three",
    "cuatro": "four",
    "cinco": "five",
    "seis": "six",
    "siete": "seven",
    "ocho": "eight",
    "nueve": "nine",
    "diez": "ten",
    "once": "eleven",
    "doce": "twelve",
    "trece": "thirteen",
    "catorce": "fourteen",
    "quince": "fifteen",
    "dieciséis": "sixteen",
    "diecisiete": "seventeen",
    "dieciocho": "eighteen",
    "diecinueve": "nineteen",
    "veinte": "twenty",
    "treinta": "thirty",
    "cuarenta": "forty",
    "cincuenta": "fifty",
    "sesenta": "sixty",
    "setenta": "seventy",
    "ochenta": "eighty",
    "noventa": "ninety",
    "cien": "hundred",
    "ciento": "hundred",
    "mil": "thousand",
    "veintiuno": "twenty one",
    "veintiún": "twenty one",
    "veintidós": "twenty two",
    "veintitrés": "twenty three",
    "veinticuatro": "twenty four",
    "veinticinco": "twenty five",
    "veintiséis": "twenty six",
    "veintisiete": "twenty seven",
    "veintiocho": "twenty eight",
    "veintinueve": "twenty nine",
    "doscientos": "two hundred",
    "trescientos": "three hundred",
    "cuatrocientos": "four hundred",
    "quinientos": "five hundred",
    "seiscientos": "six hundred",
    "setecientos": "seven hundred",
    "ochocientos": "eight hundred",
    "novecientos": "nine hundred",
}
_PT = {
    "dois": "two",
    "duas": "two",
    "três": "three",
    "quatro": "four",
    "sete": "seven",
    "oito": "eight",
    "nove": "nine",
    "dez": "ten",
    "onze": "eleven",
    "doze": "twelve",
    "treze": "thirteen",
    "catorze": "fourteen",
    "quatorze": "fourteen",
    "quinze": "fifteen",
    "dezesseis": "sixteen",
    "dezessete": "seventeen",
    "dezoito": "eighteen",
    "dezenove": "nineteen",
    "vinte": "twenty",
    "trinta": "thirty",
    "quarenta": "forty",
    "cinquenta": "fifty",
    "sessenta": "sixty",
    "oitenta": "eighty",
    "cem": "hundred",
    "cento": "hundred",
    "duzentos": "two hundred",
    "trezentos": "three hundred",
    "quatrocentos": "four hundred",
    "quinhentos": "five hundred",
    "seiscentos": "six hundred",
    "setecentos": "seven hundred",
    "oitocentos": "eight hundred",
    "novecentos": "nine hundred",
}
_FR = {
    "zéro": "zero",
    "deux": "two",
    "trois": "three",
    "quatre": "four",
    "cinq": "five",
    "sept": "seven",
    "huit": "eight",
    "neuf": "nine",
    "dix": "ten",
    "douze": "twelve",
    "treize": "thirteen",
    "seize": "sixteen",
    "vingt": "twenty",
    "trente": "thirty",
    "quarante": "forty",
    "cinquante": "fifty",
    "soixante": "sixty",
    "mille": "thousand",
}
_DE = {
    "null": "zero",
    "eins": "one",
    "zwei": "two",
    "zwo": "two",
    "drei": "three",
    "vier": "four",
    "fünf": "five",
    "sechs": "six",
    "sieben": "seven",
    "acht": "eight",
    "neun": "nine",
    "zehn": "ten",
    "elf": "eleven",
    "zwölf": "twelve",
    "zwanzig": "twenty",
    "dreißig": "thirty",
    "vierzig": "forty",
    "fünfzig": "fifty",
    "sechzig": "sixty",
    "siebzig": "seventy",
    "achtzig": "eighty",
    "neunzig": "ninety",
    "hundert": "hundred",
    "tausend": "thousand",
}


def _unaccented(table: dict[str, str]) -> dict[str, str]:
    plain = str.maketrans("áéíóúàâêôãõçüäöß", "aeiouaaeoaocuaos")
    return {**{word.translate(plain): english for word, english in table.items()}, **table}


FOREIGN: dict[str, tuple[str, ...]] = {
    word: tuple(english.split())
    for word, english in _unaccented({**_ES, **_PT, **_FR, **_DE}).items()
    if word not in UNITS and word not in TEENS and word not in TENS  # "zero": already English
}
# Numbers only next to another number word or digit: ordinary words in English (or another language) otherwise.
AMBIGUOUS = frozenset({"once", "elf", "seize", "null", "sept"})
# "treinta y cuatro", "vinte e um", "vingt et un": inside a number, like a filler.
CONNECTORS = frozenset({"y", "e", "et"})
# Punctuation that may sit inside a written or transcribed number. ':' is left out so times stay times.
JOINERS = frozenset("-.,/()")
CURRENCY = frozenset("$€£¥")
AMOUNT_WORDS = frozenset({"dollar", "dollars", "cent", "cents", "percent", "bucks", "pounds", "euros", "%"})
ZERO_ALIASES = frozenset({"oh", "o"})

# Digits, words (alphanumeric codes such as "1Z999AA1" stay one word), or one other character.
TOKEN = re.compile(r"\+?\d+\b|[^\W_]+(?:'[^\W_]+)?|\S")

_TLDS = r"com|net|org|edu|gov|mil|io|co|us|uk|ca|au|de|fr|in|info|biz|me|ai|app|dev"
_WORD = r"[a-z0-9]+"
_LOCAL_SEP = r"(?:\s*[._-]\s*|\s+(?:dot|period|underscore|dash|hyphen)\s+)"
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DOMAIN_SEP = r"(?:\s*\.\s*|\s+dot\s+)"
EMAIL = re.compile(
    # Bounded repetitions keep matching linear in the text length, whatever the input.
    rf"\b{_WORD}(?:{_LOCAL_SEP}{_WORD}){{0,8}}(?:\s*@\s*|\s+at\s+){_LABEL}(?:{_DOMAIN_SEP}{_LABEL}){{0,4}}"
    rf"{_DOMAIN_SEP}(?:{_TLDS})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OutputText:
    """The text a transcript carries for the conversation's redactionOutput setting, and what the one redaction
    pass found, so the tokens can be masked from it without searching the text again."""

    text: str
    # Only with redacted_and_unredacted; kept out of repr so an accidental log line cannot show it.
    unredacted: str | None = field(default=None, repr=False)
    spoken: str = field(default="", repr=False)  # the text as recognised (for token alignment)
    spans: tuple[Span, ...] | None = field(default=None, repr=False)  # None: unredacted output, nothing masked

    def tokens(self, tokens: list[str]) -> list[str]:
        """Token texts for this output, masked by what the whole text reveals: digits spoken one token at a time
        are PII together even though no single token is."""
        if self.spans is None:
            return list(tokens)
        text, out, cursor = self.spoken, [], 0
        for token in tokens:
            found = text.find(token, cursor) if token else -1
            if found < 0:  # the aligner's token is not in the text as written: mask it unless it is a word
                out.append(_mask(token, [Span(0, len(token), PiiKind.NUMBER)]) if _has_digit(token) else token)
                continue
            end = found + len(token)
            cursor = end
            hit = [
                Span(max(sp.start, found) - found, min(sp.end, end) - found, sp.kind)
                for sp in self.spans
                if sp.start < end and found < sp.end
            ]
            out.append(_mask(token, hit))
        return out


@dataclass
class _Token:
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        return self.text.lower()

    @property
    def is_digits(self) -> bool:
        return self.text.lstrip("+").isdigit()

    @property
    def is_number_word(self) -> bool:
        w = self.word
        return _is_english_number_word(w) or (w in FOREIGN and w not in AMBIGUOUS)

    @property
    def may_be_number_word(self) -> bool:
        """A number word only next to another number (AMBIGUOUS, and "oh" for zero)."""
        return self.word in AMBIGUOUS or self.word in ZERO_ALIASES


def _is_english_number_word(w: str) -> bool:
    return w in UNITS or w in TEENS or w in TENS or w in REPEATS or w in ("hundred", "thousand")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class _DigitReader:
    """Turns the number tokens of one group into the digit string a listener would write down."""

    def __init__(self) -> None:
        self.digits: list[str] = []
        self._slots: list[int] = []  # positions of placeholder zeros ("twenty", "hundred") awaiting digits
        self._repeat = 1
        self._last_was_unit = False

    def feed(self, token: _Token) -> None:
        if token.is_digits:
            text = token.text.lstrip("+")
            if self._repeat > 1 and len(text) == 1:
                text *= self._repeat
            self._append(text)
            self._repeat = 1
            self._last_was_unit = False
            return
        for w in FOREIGN.get(token.word, (token.word,)):
            self._word(w)

    def _word(self, w: str) -> None:
        unit = False
        if w in REPEATS:
            self._repeat = REPEATS[w]
        elif w in UNITS:
            self._unit(UNITS[w])
            unit = True
        elif w in TEENS:
            value = str(TEENS[w])
            if len(self._slots) == 2:
                self._write(self._slots, value)
                self._slots = []
            else:
                self._append(value)
        elif w in TENS:
            if len(self._slots) == 2:
                self._write(self._slots[:1], str(TENS[w]))
                self._slots = self._slots[1:]
            else:
                self._append(f"{TENS[w]}0")
                self._slots = [len(self.digits) - 1]
        elif w in ("hundred", "thousand"):
            zeros = 2 if w == "hundred" else 3
            if not self._last_was_unit:
                self._append("1")  # "a hundred"
            self.digits.extend("0" * zeros)
            self._slots = list(range(len(self.digits) - zeros, len(self.digits)))[-2:]
        self._last_was_unit = unit

    def _unit(self, value: int) -> None:
        if self._repeat > 1:
            self._append(str(value) * self._repeat)
            self._repeat = 1
        elif self._slots:
            self._write(self._slots[-1:], str(value))
            self._slots = []
        else:
            self._append(str(value))

    def _append(self, text: str) -> None:
        self.digits.extend(text)
        self._slots = []

    def _write(self, positions: list[int], text: str) -> None:
        for pos, ch in zip(positions, text, strict=False):
            self.digits[pos] = ch


class Redactor:
    def __init__(self, policy: RedactionPolicy | None = None) -> None:
        self.policy = policy or RedactionPolicy()

    def redact(self, text: str) -> Redaction:
        spans = self._number_spans(text)
        if self.policy.emails and ("@" in text or " at " in text.lower()):
            spans += [Span(m.start(), m.end(), PiiKind.EMAIL) for m in EMAIL.finditer(text)]
        merged = _merge(spans)
        return Redaction(text=_mask(text, merged), spans=tuple(merged))

    def output(self, text: str, mode: RedactionOutput) -> OutputText:
        """The one redaction pass over an utterance's text: the output for `mode`, with the spans it masked."""
        if mode is RedactionOutput.UNREDACTED:
            return OutputText(text=text, spoken=text)
        found = self.redact(text)
        unredacted = text if mode is RedactionOutput.REDACTED_AND_UNREDACTED else None
        return OutputText(text=found.text, unredacted=unredacted, spoken=text, spans=found.spans)

    def output_tokens(self, text: str, tokens: list[str], mode: RedactionOutput) -> list[str]:
        """Token texts for `mode` (see OutputText.tokens)."""
        return self.output(text, mode).tokens(tokens)

    def _number_spans(self, text: str) -> list[Span]:
        tokens = [_Token(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
        spans: list[Span] = []
        for group, before, after in _groups(tokens):
            reader = _DigitReader()
            for token in group:
                reader.feed(token)
            digits = "".join(reader.digits)
            international = group[0].text.startswith("+")
            amount = _is_amount(before, after)
            kind = self._classify(digits, international=international, amount=amount)
            if kind is not None:
                spans.append(Span(group[0].start, group[-1].end, kind))
        return spans

    def _classify(self, digits: str, *, international: bool, amount: bool) -> PiiKind | None:
        """The first rule of the policy the digit run meets, in order of specificity."""
        p, n = self.policy, len(digits)
        short = p.short_numbers
        rules = (
            (p.cards and 13 <= n <= 19 and luhn_valid(digits), PiiKind.CARD),
            (p.phones and international and 8 <= n <= 15, PiiKind.PHONE),
            (p.ssns and n == 9 and not amount, PiiKind.SSN),
            (p.phones and (n in (7, 10) or (n == 11 and digits[0] == "1")) and not amount, PiiKind.PHONE),
            (p.nine_and_ten_digit_numbers and n in (9, 10), PiiKind.NUMBER),
            (p.min_any_number is not None and n >= p.min_any_number, PiiKind.NUMBER),
            (short is not None and short[0] <= n <= short[1] and not amount, PiiKind.NUMBER),
        )
        return next((kind for matched, kind in rules if matched), None)


def _groups(tokens: list[_Token]) -> list[tuple[list[_Token], _Token | None, _Token | None]]:
    """Runs of number tokens joined only by number punctuation and fillers, with their neighbours."""
    groups: list[tuple[list[_Token], _Token | None, _Token | None]] = []
    current: list[_Token] = []
    before: _Token | None = None

    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        # "oh" is a zero only next to other digits; a lone "oh" is an interjection. Likewise Spanish "once" (11).
        leading = (
            token.may_be_number_word
            and following is not None
            and (following.is_number_word or following.is_digits or following.word in AMBIGUOUS)
        )
        if token.is_digits or token.is_number_word or (token.may_be_number_word and current) or leading:
            if not current:
                before = tokens[i - 1] if i else None
            current.append(token)
        elif current and (token.text in JOINERS or token.word in FILLERS or token.word in CONNECTORS):
            continue
        elif current:
            groups.append((current, before, token))
            current = []
    if current:
        groups.append((current, before, None))
    return groups


def _has_digit(text: str) -> bool:
    word = text.lower().strip(".,")
    return any(ch.isdigit() for ch in text) or word in UNITS or (word in FOREIGN and word not in AMBIGUOUS)


def _is_amount(before: _Token | None, after: _Token | None) -> bool:
    return (before is not None and before.text in CURRENCY) or (after is not None and after.word in AMOUNT_WORDS)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(last.start, span.end, last.kind)
            continue
        merged.append(span)
    return merged


def _mask(text: str, spans: list[Span]) -> str:
    if not spans:
        return text
    chars = list(text)
    for span in spans:
        for i in range(span.start, span.end):
            if not chars[i].isspace():
                chars[i] = "#"
    return "".join(chars)
