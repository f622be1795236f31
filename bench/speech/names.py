"""Test calls full of brand, product and person names, for the custom vocabulary benchmark (bench/speech/vocabulary.py).

    python -m bench.speech.names --out .build/speech-data/names

Two sets, "names-dev" (tuned on) and "names-test" (reported), of 8 calls each, built by the same machinery as the
dev and test calls (call.py: timing, backchannels, phone lines; the dev and test voice grids of make_calls.py, so
flite, festival, Piper and pico voices, each the agent in two calls and the customer in two). The two sets share no
name. Each call speaks one of four scenarios (order status, billing, a technical fault, a callback) with its own
names; each reference JSON also holds "names": the names the call says. The set's vocabulary, with the soundsLike
spellings written before any decoding was seen (how a person would spell the name out by ear), is in
`vocabulary(set_name)`; names.json in the output folder holds it too.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.speech import make_calls
from bench.speech.call import CallBuilder, CallSpec
from bench.speech.scripts import Script


@dataclass(frozen=True)
class Name:
    phrase: str
    sounds_like: tuple[str, ...]
    kind: str  # "brand", "product", "person"


def _n(kind: str, phrase: str, *sounds_like: str) -> Name:
    return Name(phrase, sounds_like, kind)


# Per set: the brands (B1, B2), products (P1, P2) and people (A: agent, C: customer, X: a third person) of each call.
NAMES: dict[str, list[dict[str, Name]]] = {
    "names-dev": [
        {
            "B1": _n("brand", "Zyntrix", "zin tricks", "sin trix"),
            "P1": _n("product", "Zyntrix Halo", "zin tricks halo"),
            "P2": _n("product", "Fabrikam Nimbus Pro", "fab rick am nimbus pro"),
            "A": _n("person", "Kaelani Brzezinski", "kay lani bruh zin ski", "kalani brezinski"),
            "C": _n("person", "Siobhan Nwachukwu", "shiv awn wah chu coo", "chevon nwachuku"),
            "X": _n("person", "Thaddeus Okonkwo", "thaddeus oh conk woe"),
            "B2": _n("brand", "Quorvex", "core vex", "quor vex"),
        },
        {
            "B1": _n("brand", "Velmora", "vel mora", "vellmora"),
            "P1": _n("product", "Velmora Sleepwell", "vel mora sleep well"),
            "P2": _n("product", "Draxton Flexcore", "drax ton flex core"),
            "A": _n("person", "Ysolde Marchetti", "is old market tea", "isolde marketti"),
            "C": _n("person", "Bronwyn Szczepanski", "bron win shchepanski", "bronwin sepanski"),
            "X": _n("person", "Oluwaseun Tremblay", "oh loo wah shay oon trom blay"),
            "B2": _n("brand", "Ombrelux", "ombre lux", "om bre lucks"),
        },
        {
            "B1": _n("brand", "Kryndle", "krindle", "crindle"),
            "P1": _n("product", "Kryndle Beacon", "krindle beacon"),
            "P2": _n("product", "Lumiqa Meshlink", "lumica mesh link", "lumika meshlink"),
            "A": _n("person", "Aurelio Nakamura", "aurelio naka mura"),
            "C": _n("person", "Niamh Kowalczyk", "neeve kovalchick", "neve kowal chick"),
            "X": _n("person", "Dagny Abernethy", "dag knee aber nethy"),
            "B2": _n("brand", "Plexora", "plex ora", "plexxora"),
        },
        {
            "B1": _n("brand", "Brontel", "bron tell", "brontell"),
            "P1": _n("product", "Brontel Unity Plan", "bron tell unity plan"),
            "P2": _n("product", "Tavrix Orbit", "tav ricks orbit"),
            "A": _n("person", "Ingrid Vasquez-Oduya", "ingrid vasquez oh do ya"),
            "C": _n("person", "Callum Achterberg", "callum ahk ter berg"),
            "X": _n("person", "Merewyn Dlamini", "mer a win dla mini"),
            "B2": _n("brand", "Sorvane", "sor vane", "sore vein"),
        },
    ],
    "names-test": [
        {
            "B1": _n("brand", "Xenolyth", "zeno lith", "zenolith"),
            "P1": _n("product", "Xenolyth Aero Slim", "zeno lith aero slim"),
            "P2": _n("product", "Pravdix Cloudvault", "prav dicks cloud vault"),
            "A": _n("person", "Ignatius Wojciechowski", "ignatius voy chek off ski", "wojo ski"),
            "C": _n("person", "Saoirse Adebayo", "sear sha ad eh bye oh", "seersha adebayo"),
            "X": _n("person", "Leocadia Fitzsimmons", "leo caddy a fitz simmons"),
            "B2": _n("brand", "Corvantis", "core van tis", "corvantes"),
        },
        {
            "B1": _n("brand", "Glimmerose", "glimmer rose", "glimmer ose"),
            "P1": _n("product", "Glimmerose Radiance", "glimmer rose radiance"),
            "P2": _n("product", "Sylvaro Thermo Plus", "sil var oh thermo plus"),
            "A": _n("person", "Przemek Oyelaran", "pshe mek oye lar an", "shemek oyelaran"),
            "C": _n("person", "Eithne Vukovic", "enya voo ko vich", "etna vukovich"),
            "X": _n("person", "Tadhg Lindqvist", "tige lind kvist", "tiger lindquist"),
            "B2": _n("brand", "Nexaphon", "nexa fon", "nexifon"),
        },
        {
            "B1": _n("brand", "Jovantra", "jo van tra", "giovantra"),
            "P1": _n("product", "Jovantra Pocket", "jo van tra pocket"),
            "P2": _n("product", "Quillmesh Duo", "quill mesh duo"),
            "A": _n("person", "Xiomara Delacroix", "see oh mara della kwah", "zeomara delacroix"),
            "C": _n("person", "Caoimhe Ostrowski", "keeva ostrovski", "quiva ostrowski"),
            "X": _n("person", "Bartholomew Nguyen-Hale", "bartholomew win hale"),
            "B2": _n("brand", "Trevalla", "treh valla", "travala"),
        },
        {
            "B1": _n("brand", "Ostrava Mobile", "ostra va mobile"),
            "P1": _n("product", "Ostrava Infinity", "ostra va infinity"),
            "P2": _n("product", "Helixor Band", "heli zor band", "helix or band"),
            "A": _n("person", "Radomir Achebe", "rado meer a chebe", "radomeer achebay"),
            "C": _n("person", "Gwenllian Baptiste", "gwen thlee an baptiste", "gwen lian baptist"),
            "X": _n("person", "Anneliese Okafor", "anna lisa oh ka for"),
            "B2": _n("brand", "Zephyrion", "zephyr eon", "zefirion"),
        },
    ],
}

# Four scenarios; each set speaks each twice (calls 1-4 and 5-8), with the call's names in place of {B1} etc.
# A person's surname is said again on its own, as people do ("Thanks, Ms Brzezinski").
SCENARIOS: list[tuple[str, str]] = [
    (
        "order-status",
        """
A: Thank you for calling {B1}, my name is {A}. How can I help you today?
C: Hi {A_first}. I ordered a {P1} two weeks ago and it still hasn't arrived.
A: I'm sorry about the wait. Could I have your full name, please?
C: Sure, it's {C}.
A: Thank you, {C_first}. I can see the {P1} on your account, and it was shipped together with a {P2}.
C: I never ordered a {P2}. I only wanted the {P1}.
A: I understand. It looks like my colleague {X} added it by mistake. I'll make a note for {X_first}.
C: Can you take the {P2} off the order?
A: Yes, I've cancelled the {P2}, so you won't be charged for it.
C: Thank you. And when will the {P1} get here?
A: The courier, {B2}, expects to deliver it on Thursday.
C: Is {B2} the one that leaves parcels at the door?
A: Yes, {B2} will leave it at the door unless you ask them to hold it.
C: That's fine. Thank you for your help, {A_first}.
A: You're welcome, {C}. Thank you for choosing {B1}.
""",
    ),
    (
        "billing",
        """
A: Good morning, you've reached {B1} billing. This is {A} speaking.
C: Hello, my name is {C}, and I have a question about my bill.
A: Of course, {C_first}. What seems to be the problem?
C: I was charged for the {P1} and also for something called {P2}.
A: Let me check. The {P2} is an add-on that {X} set up on your account last month.
C: I don't know anyone called {X}.
A: I see. {X_last} is one of our sales agents, so this may have been a mistake on our side.
C: I'd like the {P2} removed and the money refunded, please.
A: I've removed the {P2} and refunded the charge. You keep the {P1} as it is.
C: Great. Will the refund come from {B1} or from {B2}?
A: It will come from {B2}, our payment partner, within five days.
C: Okay. Thanks, {A_last}.
A: You're welcome. Is there anything else I can help with today?
C: No, that's everything. Goodbye.
""",
    ),
    (
        "fault",
        """
A: {B1} technical support, my name is {A}. What can I do for you?
C: Hi, this is {C}. My {P1} keeps restarting every few minutes.
A: I'm sorry to hear that, {C_first}. Have you updated the {P1} recently?
C: Yes, I installed the update yesterday, and then I connected my {P2} to it.
A: That may be the cause. The {P2} isn't fully supported on the {P1} yet.
C: Nobody told me that. The store said the {P2} works with anything from {B1}.
A: I'm sorry about that. Could you unplug the {P2} and restart the {P1}?
C: All right, give me a moment. Okay, it's restarting now.
A: If it stays up, I'll ask our engineer, {X}, to look at the {P2} problem.
C: Thank you. Will {X_first} call me back?
A: Yes, {X_last} will call you tomorrow. We also share faults with {B2}, who make the chip.
C: So {B2} might fix it too?
A: Yes, {B2} usually releases a fix within a week.
C: Good. Thanks for your help, {A_first}.
""",
    ),
    (
        "callback",
        """
A: Hello, this is {A} from {B1}, returning your call. Am I speaking with {C}?
C: Yes, this is {C_first}. Thanks for calling back.
A: You left a message about your {P1}. How can I help?
C: I want to upgrade from the {P1} to the {P2}, but the website wouldn't let me.
A: I can do that for you. The {P2} costs a little more each month than the {P1}.
C: That's fine. My friend {X} has the {P2} and really likes it.
A: I'm glad {X_first} recommended us. Shall I switch you to the {P2} today?
C: Yes, please. Will I need a new device?
A: No. {B2} will send a new card for your current device by Friday.
C: Do I have to sign anything for {B2}?
A: No, {B2} only needs your address, and we already have it.
C: Perfect. Thank you so much, {A_last}.
A: My pleasure, {C_last}. Enjoy the {P2}, and thank you for staying with {B1}.
""",
    ),
]

SETS = {"names-dev": "dev", "names-test": "test"}  # each names set uses that speech set's voice grid


def slots(names: dict[str, Name]) -> dict[str, str]:
    out = {key: name.phrase for key, name in names.items()}
    for key in ("A", "C", "X"):
        words = names[key].phrase.split()
        out[f"{key}_first"], out[f"{key}_last"] = words[0], words[-1]
    return out


def said_names(text: str, names: dict[str, Name]) -> list[str]:
    """The phrases a filled-in script speaks (a person's first or last name alone does not count)."""
    return [name.phrase for name in names.values() if name.phrase in text]


def vocabulary(set_name: str) -> list[dict[str, Any]]:
    """The set's custom vocabulary, in the wire shape (phrase, soundsLike): every name of every call."""
    return [
        {"phrase": name.phrase, "soundsLike": list(name.sounds_like)}
        for call in NAMES[set_name]
        for name in call.values()
    ]


def specs(set_name: str) -> list[tuple[CallSpec, list[str]]]:
    call_set = make_calls.SETS[SETS[set_name]]
    assert isinstance(call_set, make_calls.DialogueSet)
    decks = make_calls._VoiceDecks(call_set.voices, random.Random(f"voices/{set_name}"))
    out = []
    for index in range(8):
        scenario, template = SCENARIOS[index % len(SCENARIOS)]
        names = NAMES[set_name][(index + index // len(SCENARIOS)) % len(NAMES[set_name])]
        text = template.format(**slots(names))
        name = f"{set_name}-{index + 1:02d}-{scenario}"
        agent, customer = make_calls.family_pair(index)
        voices = (decks.voice(customer), decks.voice(agent))
        spec = CallSpec(name, set_name, Script(name, text), voices, 0, make_calls.draw_channel(set_name, name))
        out.append((spec, said_names(text, names)))
    return out


def build(item: tuple[CallSpec, list[str]]) -> tuple[np.ndarray, dict[str, Any]]:
    spec, said = item
    samples, reference = CallBuilder(spec).build()
    return samples, reference | {"names": said}


def check_apart() -> None:
    """Fails when the two sets share a name, or a word of one (beyond the scenario's own words)."""
    words = {s: {w.lower() for call in NAMES[s] for n in call.values() for w in n.phrase.split()} for s in SETS}
    common = {"halo", "pro", "plus", "mobile", "band", "duo", "pocket", "plan", "orbit", "beacon", "slim", "aero"}
    shared = (words["names-dev"] & words["names-test"]) - common
    assert not shared, f"names-dev and names-test share name words: {sorted(shared)}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(".build/speech-data/names"))
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    check_apart()
    set_names = list(SETS) if args.set == "all" else [args.set]
    if missing := make_calls.missing_tools([SETS[s] for s in set_names]):
        parser.error(f"not installed: {', '.join(missing)}")
    args.out.mkdir(parents=True, exist_ok=True)
    generated: dict[str, list[str]] = {}
    for set_name in set_names:
        began = time.perf_counter()
        items = specs(set_name)
        references = []
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
            for samples, reference in pool.map(build, items):
                make_calls.write_call(args.out, samples, reference)
                references.append(reference)
                print(make_calls.describe(reference), f"\n    names: {', '.join(reference['names'])}", flush=True)
        generated[set_name] = [spec.name for spec, _ in items]
        print(make_calls.summarize(set_name, references, time.perf_counter() - began), flush=True)
    make_calls.update_manifest(args.out, generated)
    vocab_path = args.out / "names.json"
    held = json.loads(vocab_path.read_text()) if vocab_path.exists() else {}
    make_calls.write_json(vocab_path, held | {s: vocabulary(s) for s in set_names})


if __name__ == "__main__":
    main()
