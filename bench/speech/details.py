"""The personal details a call mentions (names and their spelling, addresses and ZIP codes, card, phone, PIN,
account and order numbers, e-mail addresses, dates, times, amounts), drawn from a seeded generator and written as
words, the way they are spoken. `draw` fills the robustness and sample scripts (its draws must not change: the
committed sample call depends on them); `draw_details` fills the dev and test dialogues."""

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


# --- the dev and test dialogues ---------------------------------------------------------------------------------

CUSTOMER_FIRST = [
    "Jane", "Marcus", "Olivia", "Ahmed", "Grace", "Tomas", "Hannah", "Kenji", "Laura", "Samuel", "Beatriz",
    "Owen", "Fatima", "Peter", "Chloe", "Raj", "Megan", "Victor", "Alice", "Diego", "Nora", "Henry", "Sofia",
    "Brian", "Julia", "Ethan", "Carmen", "Isaac", "Wendy", "Leo",
]  # fmt: skip
CUSTOMER_LAST = [
    "Doe", "Hughes", "Martin", "Khan", "Foster", "Silva", "Baker", "Tanaka", "Gordon", "Price", "Romero",
    "Fletcher", "Malik", "Lambert", "Dunn", "Mehta", "Harper", "Novak", "Burke", "Ortiz", "Kelly", "Ward",
    "Rossi", "Holt", "Fischer", "Bryant", "Vega", "Stone", "Marsh", "Quinn",
]  # fmt: skip
AGENTS = [
    "Dana", "Kevin", "Rachel", "Tom", "Grace", "Marcus", "Nina", "Paul", "Helen", "Victor", "Sandra", "Luis",
    "Amy", "Jordan", "Priya", "Craig", "Monica", "Derek",
]  # fmt: skip
# Words for letters, as agents and callers say them to spell a name.
LETTER_WORDS = {
    "A": "apple", "B": "boy", "C": "cat", "D": "dog", "E": "echo", "F": "Frank", "G": "George", "H": "Henry",
    "I": "India", "J": "John", "K": "kite", "L": "Larry", "M": "Mary", "N": "Nancy", "O": "orange", "P": "Peter",
    "Q": "queen", "R": "Robert", "S": "Sam", "T": "Tom", "U": "uncle", "V": "Victor", "W": "William",
    "X": "x-ray", "Y": "yellow", "Z": "zebra",
}  # fmt: skip
# Letters that are easy to mishear on a phone line get "as in ..."; the rest are said alone.
_CONFUSABLE = set("BDEFMNPSTV")
STREETS = [
    "Maple Avenue", "Birch Street", "Lakeview Drive", "Hillcrest Road", "Cedar Lane", "Harbor Boulevard",
    "Willow Court", "Pine Ridge Road", "Sunset Avenue", "Orchard Way", "Meadow Lane", "Riverside Drive",
    "Elm Street", "Highland Avenue", "Chestnut Street", "Bayview Terrace",
]  # fmt: skip
# (city, state, first three digits of its ZIP codes)
CITIES = [
    ("Portland", "Oregon", "972"), ("Denver", "Colorado", "802"), ("Austin", "Texas", "787"),
    ("Columbus", "Ohio", "432"), ("Raleigh", "North Carolina", "276"), ("Madison", "Wisconsin", "537"),
    ("Tucson", "Arizona", "857"), ("Omaha", "Nebraska", "681"), ("Richmond", "Virginia", "232"),
    ("Boise", "Idaho", "837"), ("Spokane", "Washington", "992"), ("Albany", "New York", "122"),
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def spelled(name: str, rng: random.Random) -> str:
    """A name spelled out, the first letter and the easily misheard ones "as in" a word:
    "S as in Sam, M, I, T, H"."""
    parts = []
    for index, letter in enumerate(name.upper()):
        if (index == 0 or letter in _CONFUSABLE) and rng.random() < (0.9 if index == 0 else 0.5):
            parts.append(f"{letter} as in {LETTER_WORDS[letter]}")
        else:
            parts.append(letter)
    return ", ".join(parts)


def pair_words(value: int) -> str:
    """A two-digit group as said inside a longer number: 7 -> "oh seven", 45 -> "forty five", 0 -> "hundred"."""
    if value == 0:
        return "hundred"
    return f"oh {DIGITS[value]}" if value < 10 else number_words(value)


def house_number_words(value: int) -> str:
    """Street numbers as people say them: 418 -> "four eighteen", 1245 -> "twelve forty five"."""
    if value < 100:
        return number_words(value)
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{DIGITS[hundreds]} {pair_words(rest)}"
    high, rest = divmod(value, 100)
    return f"{number_words(high)} {pair_words(rest)}"


def money_words(cents: int, short: bool = False) -> str:
    """An amount the way an agent reads it: "forty nine dollars and ninety nine cents", "one thousand two hundred
    dollars"; `short`, as prices are read: "forty nine ninety nine". (A transcript writes both as "$49.99", which
    bench/speech/reference.py normalizes to the short form's words: the long form costs three words of WER.)"""
    dollars, rest = divmod(cents, 100)
    thousands, below = divmod(dollars, 1000)
    said = f"{number_words(thousands)} thousand" + (f" {number_words(below)}" if below else "") if thousands else ""
    said = said or number_words(dollars)
    if not rest:
        return f"{said} dollars"
    if short and not thousands:
        return f"{said} {number_words(rest)}" if rest >= 10 else f"{said} oh {number_words(rest)}"
    return f"{said} dollars and {number_words(rest)} cents"


def time_words(hour: int, minute: int) -> str:
    """A time of day: "nine fifteen in the morning", "two o'clock in the afternoon"."""
    part = "in the morning" if hour < 12 else "in the afternoon" if hour < 17 else "in the evening"
    clock = hour if hour <= 12 else hour - 12
    return f"{number_words(clock)} {pair_words(minute) if minute else 'o clock'} {part}".replace("o clock", "o'clock")


def code_words(code: str) -> str:
    """An order or booking code read character by character, in groups of three: "K, seven, L, two, Q, nine"."""
    said = [DIGITS[int(c)] if c.isdigit() else c for c in code]
    return ", ".join(" ".join(said[i : i + 3]) for i in range(0, len(said), 3))


def date_words(rng: random.Random) -> str:
    month, day = rng.randrange(12), rng.randrange(1, 29)
    if rng.random() < 0.25:
        return f"the {ordinal_words(day)} of {MONTHS[month]}"
    return f"{MONTHS[month]} {ordinal_words(day)}"


def draw_details(rng: random.Random) -> dict[str, str]:
    """Every slot a dialogue may use, as the words to speak; *_keys slots are the digits to key in."""
    first, last = rng.choice(CUSTOMER_FIRST), rng.choice(CUSTOMER_LAST)
    city, state, zip_prefix = rng.choice(CITIES)
    zip_code = zip_prefix + f"{rng.randrange(100):02d}"
    zero = rng.choice(["zero", "oh"])
    card = rng.choice(TEST_CARDS)
    phone = rng.choice(AREA_CODES) + "555" + f"01{rng.randrange(100):02d}"  # 555-0100..0199: fictional numbers
    account = f"{rng.randrange(10**9, 10**10)}"
    pin = f"{rng.randrange(10000):04d}"
    letters = "BCDFGHJKLMNPRSTVWXZ"
    order = "".join(rng.choice(letters) for _ in range(2)) + f"{rng.randrange(10**6):06d}"
    booking = "".join(rng.choice(letters + "23456789") for _ in range(6))
    claim = f"{rng.randrange(10**7, 10**8)}"
    house = rng.choice([rng.randrange(12, 99), rng.randrange(100, 999), rng.randrange(1000, 9999)])
    rounding = rng.choice([1, 1, 100])  # a third of amounts are whole dollars
    hour, minute = rng.choice([8, 9, 10, 11, 13, 14, 15, 16]), rng.choice([0, 15, 30, 45])
    domain = rng.choice(EMAIL_DOMAINS)
    email = rng.choice(
        [f"{first.lower()} dot {last.lower()} at {domain}", f"{first.lower()} {last.lower()} at {domain}"]
    )
    return {
        "agent": rng.choice(AGENTS),
        "first": first,
        "last": last,
        "customer": f"{first} {last}",
        "spelled": spelled(last, rng),
        "street": f"{house_number_words(house)} {rng.choice(STREETS)}",
        "unit": f"apartment {number_words(rng.randrange(2, 40))}",
        "city": city,
        "state": state,
        "zip": digit_words(zip_code, zero=zero),
        "phone": digit_words(phone, (3, 3, 4), zero=zero),
        "phone_last4": digit_words(phone[-4:], zero=zero),
        "email": email,
        "card": digit_words(card, (4, 4, 4, 4)),
        "card_last4": digit_words(card[-4:]),
        "account": digit_words(account, (3, 3, 4), zero=zero),
        "account_last4": digit_words(account[-4:], zero=zero),
        "account_keys": account,
        "pin_keys": pin,
        "order": code_words(order),
        "booking": code_words(booking),
        "claim": digit_words(claim, (4, 4), zero=zero),
        "birthday": f"{MONTHS[rng.randrange(12)]} {ordinal_words(rng.randrange(1, 29))}, "
        f"nineteen {number_words(rng.randrange(52, 100))}",
        "date": date_words(rng),
        "date2": date_words(rng),
        "weekday": rng.choice(WEEKDAYS),
        "time": time_words(hour, minute),
        "amount": money_words(rng.randrange(1200, 40000) // rounding * rounding, short=rng.random() < 0.7),
        "amount2": money_words(rng.randrange(500, 9000), short=rng.random() < 0.7),
        "price": money_words(rng.choice([1999, 2499, 2999, 3499, 4999, 5999, 7999, 8999, 12999]), short=True),
        "big_amount": money_words(100 * rng.randrange(1000, 4800)),
        "days": rng.choice(["three", "five", "seven", "ten", "fourteen"]),
        "minutes": number_words(rng.choice([10, 15, 20, 30, 45])),
    }
