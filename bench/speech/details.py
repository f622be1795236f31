"""The personal details a call script mentions (names, card, phone, PIN, account, email, dates, amounts),
drawn from a seeded generator and written as words, the way they are spoken."""

from __future__ import annotations

import random

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
    "twelve": "twelfth",
}  # fmt: skip
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
FIRST_NAMES = ["John", "Maria", "David", "Sarah", "James", "Emily", "Michael", "Linda", "Robert", "Priya", "Daniel"]
LAST_NAMES = ["Smith", "Lopez", "Chen", "Johnson", "Walker", "Carter", "Brown", "Nguyen", "Miller", "Patel", "Reed"]
AGENT_NAMES = ["Dana", "Kevin", "Rachel", "Tom", "Grace", "Marcus", "Nina", "Paul", "Helen", "Victor"]
# Well-known test card numbers: they pass the Luhn check but belong to nobody.
TEST_CARDS = ["4111111111111111", "5555555555554444", "4012888888881881", "5105105105105100", "4242424242424242"]
AREA_CODES = ["212", "415", "312", "617", "206", "503", "404", "713"]
# Reserved for documentation (RFC 2606), so no real mailbox is ever named.
EMAIL_DOMAINS = ["example dot com", "example dot org", "example dot net"]


def number_words(value: int) -> str:
    """0..999 as a person says it: "forty nine", "one hundred twelve"."""
    if value < 10:
        return DIGITS[value]
    if value < 20:
        return _TEENS[value - 10]
    if value < 100:
        tens, unit = divmod(value, 10)
        return _TENS[tens] + (f" {DIGITS[unit]}" if unit else "")
    hundreds, rest = divmod(value, 100)
    return f"{DIGITS[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")


def ordinal_words(value: int) -> str:
    words = number_words(value).split()
    last = words[-1]
    if last in _ORDINALS:
        words[-1] = _ORDINALS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def digit_words(digits: str, groups: tuple[int, ...] = (), zero: str = "zero") -> str:
    """Digit by digit, with a comma between groups: "four one one one, one one one one"."""
    words = [zero if d == "0" else DIGITS[int(d)] for d in digits]
    if not groups:
        return " ".join(words)
    parts, start = [], 0
    for size in groups:
        parts.append(" ".join(words[start : start + size]))
        start += size
    return ", ".join(parts)


def draw(rng: random.Random) -> dict[str, str]:
    """Every slot a script may use, as the words to speak; *_keys slots are the digits to key in."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    card = rng.choice(TEST_CARDS)
    phone = rng.choice(AREA_CODES) + "55501" + f"{rng.randrange(100):02d}"
    pin = f"{rng.randrange(10000):04d}"
    account = f"{rng.randrange(10**7, 10**8)}"
    zero = rng.choice(["zero", "oh"])
    month, day = rng.randrange(12), rng.randrange(1, 29)
    later = (month + rng.choice([0, 1])) % 12, rng.randrange(1, 29)
    return {
        "agent": rng.choice(AGENT_NAMES),
        "first": first,
        "customer": f"{first} {last}",
        "card": digit_words(card, (4, 4, 4, 4)),
        "card_last4": digit_words(card[-4:]),
        "phone": digit_words(phone, (3, 3, 4), zero=zero),
        "pin": digit_words(pin),
        "pin_keys": pin,
        "account": digit_words(account, (4, 4)),
        "account_keys": account,
        "email": f"{first.lower()} dot {last.lower()} at {rng.choice(EMAIL_DOMAINS)}",
        "date": f"{MONTHS[month]} {ordinal_words(day)}",
        "date2": f"{MONTHS[later[0]]} {ordinal_words(later[1])}",
        "birthday": f"{MONTHS[rng.randrange(12)]} {ordinal_words(rng.randrange(1, 29))}, "
        f"nineteen {number_words(rng.randrange(55, 100))}",
        "amount": f"{number_words(rng.randrange(12, 100))} {number_words(rng.choice([25, 49, 50, 75, 95, 99]))}",
        "dollars": f"{number_words(rng.randrange(20, 400))} dollars",
    }
