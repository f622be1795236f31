"""Generates the project's telephone test calls (8 kHz stereo WAV, customer left, agent right) with a JSON
reference beside each, and a manifest.json listing the calls per set and every tool's version.

    python -m bench.speech.make_calls --out .build/speech-data --set all
    python -m bench.speech.make_calls --out tests/fixtures/calls --set sample

Sets: "dev" (tuned on) and "test" (never tuned on) are contact-center conversations composed from
bench/speech/conversations.py and spoken by flite, festival, Piper and SVOX pico voices, each family with a
similar share of the speech in both sets; they share no sentence of more than two words and no voice setting
(checked whenever either is generated). Each party has its own line: G.711 μ-law or A-law or GSM 06.10, 0-3 %
of packets lost and concealed, -30..-12 dBFS, 15-35 dB SNR. "robustness" is the espeak-ng calls (through the
same varied lines) with ring-back, DTMF and hold music: espeak-ng through a phone line is too hard for Whisper
to tell decoding options apart, so it stays out of dev and test. "sample" is the short committed fixture
(espeak-ng, the fixed μ-law line). "all" is dev + test + robustness. The same command gives byte-identical files
on the same tool versions.

<name>.json: {"name", "set", "duration_ms", "sample_rate": 8000, "channels": {"0": "customer", "1": "agent"},
"channel": {"customer" | "agent": {"codec": "ulaw" | "alaw" | "gsm", "loss", "concealment": "repeat" |
"silence", "level_dbfs", "snr_db"}} (not in the sample set), "utterances": [{"role", "start_ms", "end_ms", "text",
"voice"}] in time order (voice: "<family>:<voice> <settings>", family flite, festival, piper, pico or espeak),
"non_speech": [{"role", "kind": "ringback" | "dtmf" | "hold_music", "start_ms", "end_ms"}]} (dtmf entries also
carry the "digits" keyed). Times are where the sound starts and ends in the WAV; bench/speech/reference.py reads
them back.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import multiprocessing
import os
import random
import time
import wave
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.speech import dialogue, scripts, telephone, tts
from bench.speech.call import ROLES, CallBuilder, CallSpec
from bench.speech.reference import normalize
from bench.speech.scripts import Script
from bench.speech.telephone import Channel
from bench.speech.tts import EspeakVoice, FestivalVoice, FliteVoice, PicoVoice, PiperVoice, Voice

# The voice families of the dev and test sets.
FAMILIES = ("flite", "festival", "piper", "pico")


@dataclass(frozen=True)
class EspeakSet:
    name: str
    scripts: tuple[Script, ...]
    espeak_voices: tuple[str, ...]  # espeak-ng voice+variant names the parties are drawn from
    speeds: tuple[int, int]  # espeak words per minute, inclusive range
    pitches: tuple[int, int]
    rings: tuple[int, ...]  # ring-back rings before the answer, per call (0: already connected)
    varied_channel: bool = True  # False: the sample call's fixed μ-law line


@dataclass(frozen=True)
class VoiceGrid:
    """The voices and settings a dialogue set draws from. dev and test have interleaved grids (rates 90, 94, ...
    against 92, 96, ...), so they share no setting but sound alike overall."""

    flite_voices: tuple[str, ...]
    flite_rates: tuple[int, ...]
    festival_voices: tuple[str, ...]
    festival_rates: tuple[int, ...]
    piper_rates: tuple[int, ...]
    piper_noise: tuple[float, ...]
    piper_noise_w: tuple[float, ...]
    pico_languages: tuple[str, ...]
    pico_rates: tuple[int, ...]
    pico_pitches: tuple[int, ...]


@dataclass(frozen=True)
class DialogueSet:
    name: str
    calls: int  # a multiple of the number of families, so each family speaks as often as each other
    voices: VoiceGrid
    min_minutes: float  # generation fails if the set comes out shorter


_FLITE = ("kal", "kal16", "awb", "rms", "slt")
_FESTIVAL = tuple(tts.FESTVOX)
SETS: dict[str, EspeakSet | DialogueSet] = {
    "dev": DialogueSet(
        "dev",
        16,
        VoiceGrid(
            _FLITE,
            (90, 94, 98, 102, 106, 110),
            _FESTIVAL,
            (90, 94, 98, 102, 106, 110),
            (90, 94, 98, 102, 106, 110),
            (0.50, 0.62, 0.74),
            (0.6, 0.8, 1.0),
            ("en-US", "en-GB"),
            (88, 94, 100, 106),
            (90, 100, 110),
        ),
        30.0,
    ),
    "test": DialogueSet(
        "test",
        12,
        VoiceGrid(
            _FLITE,
            (92, 96, 100, 104, 108),
            _FESTIVAL,
            (92, 96, 100, 104, 108),
            (92, 96, 100, 104, 108),
            (0.56, 0.68, 0.80),
            (0.7, 0.9),
            ("en-US", "en-GB"),
            (91, 97, 103, 109),
            (95, 105, 115),
        ),
        20.0,
    ),
    # The espeak-ng pools of the former dev and held-out sets: each averages ~50 % WER with tiny.en through the
    # phone channel and holds one hard regional accent.
    "robustness": EspeakSet(
        "robustness",
        tuple(scripts.ROBUSTNESS),
        (
            *("en-us", "en-us+m3", "en-us+f2", "en-gb", "en-gb-x-rp+f3", "en-us+m6", "en-us+klatt2", "en-gb-scotland"),
            *("en-us-nyc", "en-us+m2", "en-us+f3", "en-gb+f4", "en-gb-x-rp", "en-us+klatt5", "en-029+m2"),
            "en-gb-x-gbcwmd+m7",
        ),
        (140, 168),
        (35, 70),
        (1, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0, 2, 0, 0, 1),
    ),
    "sample": EspeakSet(
        "sample", (scripts.SAMPLE,), ("en-us+f2", "en-gb+m3"), (160, 170), (40, 60), (1,), varied_channel=False
    ),
}
GROUPS = {
    "dev": ["dev"],
    "test": ["test"],
    "robustness": ["robustness"],
    "sample": ["sample"],
    "all": ["dev", "test", "robustness"],
}


def specs(call_set: EspeakSet | DialogueSet) -> list[CallSpec]:
    """The calls of a set, with their voices and lines drawn from the set's seeded generators (no audio yet)."""
    return _dialogue_specs(call_set) if isinstance(call_set, DialogueSet) else _espeak_specs(call_set)


def _espeak_specs(call_set: EspeakSet) -> list[CallSpec]:
    rng = random.Random(f"voices/{call_set.name}")
    # The pool is dealt out in pairs, so each of its voices speaks in a call before any speaks twice.
    names = itertools.cycle(rng.sample(call_set.espeak_voices, len(call_set.espeak_voices)))
    out = []
    for index, (script, rings) in enumerate(zip(call_set.scripts, call_set.rings, strict=True), start=1):
        pair = [next(names), next(names)]
        voices = [EspeakVoice(n, rng.randint(*call_set.speeds), rng.randint(*call_set.pitches)) for n in pair]
        name = f"{call_set.name}-{index:02d}-{script.name}"
        channel = draw_channel(call_set.name, name) if call_set.varied_channel else None
        out.append(CallSpec(name, call_set.name, script, (voices[0], voices[1]), rings, channel))
    return out


def _dialogue_specs(call_set: DialogueSet) -> list[CallSpec]:
    composer = dialogue.SetComposer(call_set.name)
    rng = random.Random(f"voices/{call_set.name}")
    decks = _VoiceDecks(call_set.voices, rng)
    out = []
    for index, scenario in enumerate(composer.scenarios(call_set.calls)):
        name = f"{call_set.name}-{index + 1:02d}-{scenario.name}"
        agent, customer = family_pair(index)
        voices = (decks.voice(customer), decks.voice(agent))
        rings = rng.choice([0, 0, 1, 1, 2])
        script = composer.compose(name, scenario)
        out.append(CallSpec(name, call_set.name, script, voices, rings, draw_channel(call_set.name, name)))
    return out


def family_pair(index: int) -> tuple[str, str]:
    """The agent's and the customer's voice family of a set's call `index`: over every four calls each family is
    the agent once and the customer once, and never both parties of a call."""
    count = len(FAMILIES)
    agent = index % count
    return FAMILIES[agent], FAMILIES[(agent + 1 + (index // count) % (count - 1)) % count]


class _VoiceDecks:
    """Deals each family's voices so that every voice of a family speaks before any speaks twice."""

    def __init__(self, grid: VoiceGrid, rng: random.Random) -> None:
        self.grid, self.rng = grid, rng
        self.names: dict[str, list[str]] = defaultdict(list)

    def _name(self, family: str, pool: tuple[str, ...]) -> str:
        if not self.names[family]:
            self.names[family] = self.rng.sample(pool, len(pool))
        return self.names[family].pop()

    def voice(self, family: str) -> Voice:
        grid, rng = self.grid, self.rng
        if family == "flite":
            return FliteVoice(self._name(family, grid.flite_voices), rng.choice(grid.flite_rates))
        if family == "festival":
            return FestivalVoice(self._name(family, grid.festival_voices), rng.choice(grid.festival_rates))
        if family == "piper":
            return PiperVoice(
                rng.choice(grid.piper_rates), rng.choice(grid.piper_noise), rng.choice(grid.piper_noise_w)
            )
        language = self._name(family, grid.pico_languages)
        return PicoVoice(language, rng.choice(grid.pico_rates), rng.choice(grid.pico_pitches))


def draw_channel(set_name: str, call_name: str) -> dict[str, Channel]:
    """Each party's line, from a generator of the call's own: 30 % of lines lose no packets, the rest 0.3-3 %;
    the two parties' levels differ by 3 dB or more, as different handsets and lines do; hiss 15-35 dB below the
    speech, 30 dB or more on half the lines."""
    rng = random.Random(f"channel/{set_name}/{call_name}")
    levels = [round(rng.uniform(-30.0, -12.0), 1)]
    while True:
        other = round(rng.uniform(-30.0, -12.0), 1)
        if abs(other - levels[0]) >= 3.0:
            break
    levels.append(other)
    out = {}
    for role, level in zip(ROLES, levels, strict=True):
        codec = rng.choice(telephone.CODECS)
        loss = 0.0 if rng.random() < 0.3 else round(rng.uniform(0.003, 0.03), 3)
        concealment = rng.choice(telephone.CONCEALMENTS)
        # Most lines are quiet; one in eight is under 20 dB, where tiny.en's WER doubles or triples on its own.
        snr = round(35.0 - 20.0 * rng.random() ** 2, 1)
        out[role] = Channel(codec, loss, concealment, level, snr)
    return out


# --- dev and test stay apart --------------------------------------------------------------------------------------


def spoken_texts(call_specs: list[CallSpec]) -> list[str]:
    """Everything the calls' scripts say (the backchannels the builder adds are two words at most)."""
    return [text for spec in call_specs for text in dialogue.utterance_texts(spec.script)]


def voice_labels(call_specs: list[CallSpec]) -> set[str]:
    return {voice.label for spec in call_specs for voice in spec.voices}


def check_dev_and_test_apart() -> None:
    """Fails when dev and test share a sentence of more than two words or a voice with its settings."""
    dev, test = specs(SETS["dev"]), specs(SETS["test"])
    shared = dialogue.shared_sentences(spoken_texts(dev), spoken_texts(test))
    assert not shared, f"dev and test share sentences: {sorted(shared)[:5]}"
    voices = voice_labels(dev) & voice_labels(test)
    assert not voices, f"dev and test share voice settings: {sorted(voices)}"


# --- generation ----------------------------------------------------------------------------------------------------


def needed_tools(set_names: list[str]) -> set[str]:
    families: set[str] = set()
    for set_name in set_names:
        call_set = SETS[set_name]
        if isinstance(call_set, DialogueSet):
            families |= set(FAMILIES) | {"sox"}
        else:
            families |= {"espeak"} | ({"sox"} if call_set.varied_channel else set())
    return families


def missing_tools(set_names: list[str]) -> list[str]:
    """The packages the sets need that are not installed (Debian names; Piper's are PyPI names)."""
    return tts.missing(needed_tools(set_names))


def write_call(folder: Path, samples: np.ndarray, reference: dict[str, Any]) -> None:
    with wave.open(str(folder / f"{reference['name']}.wav"), "wb") as wav:
        wav.setnchannels(samples.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(telephone.RATE)
        wav.writeframes(samples.astype("<i2").tobytes())
    write_json(folder / f"{reference['name']}.json", reference)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def update_manifest(folder: Path, generated: dict[str, list[str]]) -> None:
    """Keeps the sets generated earlier into the same folder, so the sets can be made separately."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text()) if path.exists() else {"sets": {}}
    manifest["sets"] |= generated
    manifest["sets"] = dict(sorted(manifest["sets"].items()))
    manifest |= {"sample_rate": telephone.RATE, "channels": {"0": "customer", "1": "agent"}}
    manifest["tools"] = tts.versions()
    write_json(path, manifest)


def build(spec: CallSpec) -> tuple[np.ndarray, dict[str, Any]]:
    return CallBuilder(spec).build()


def family(label: str) -> str:
    return label.split(":", 1)[0]


def describe(reference: dict[str, Any]) -> str:
    """One line per call: duration, speech, voices and each party's line."""
    speech_s = sum(u["end_ms"] - u["start_ms"] for u in reference["utterances"]) / 1000
    voices = {u["role"]: u["voice"] for u in reference["utterances"]}
    parts = [
        f"  {reference['name']}: {reference['duration_ms'] / 1000:.1f} s, {len(reference['utterances'])} utterances"
        f" ({speech_s:.1f} s of speech)"
    ]
    for role in ROLES:
        line = reference.get("channel", {}).get(role)
        lines = (
            f" {line['codec']} loss {line['loss']:.1%} {line['concealment']} {line['level_dbfs']:.1f} dBFS"
            f" SNR {line['snr_db']:.0f} dB"
            if line
            else ""
        )
        parts.append(f"    {role}: {voices.get(role, '-')};{lines}")
    kinds = sorted({n["kind"] for n in reference["non_speech"]})
    if kinds:
        parts.append(f"    non-speech: {', '.join(kinds)}")
    return "\n".join(parts)


def summarize(set_name: str, references: list[dict[str, Any]], seconds: float) -> str:
    """Per set: calls, minutes, utterances, minutes of speech per voice family, long turns, distinct sentences."""
    minutes = sum(r["duration_ms"] for r in references) / 60000
    utterances = [u for r in references for u in r["utterances"]]
    speech = Counter[str]()
    for u in utterances:
        speech[family(u["voice"])] += (u["end_ms"] - u["start_ms"]) / 60000
    total = sum(speech.values())
    families = ", ".join(f"{name} {value:.1f} min ({value / total:.0%})" for name, value in sorted(speech.items()))
    long_turns = sum(1 for u in utterances if u["end_ms"] - u["start_ms"] > 15000)
    distinct = len({normalize(u["text"]) for u in utterances})
    return (
        f"  {set_name}: {len(references)} calls, {minutes:.1f} min, {len(utterances)} utterances ({distinct} distinct),"
        f" {total:.1f} min of speech: {families}; {long_turns} turns over 15 s; made in {seconds:.0f} s"
    )


def generate(folder: Path, set_name: str, jobs: int) -> tuple[list[str], str]:
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    call_specs = specs(SETS[set_name])
    references = []
    # Each call draws from generators of its own, so building them in parallel changes no byte.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for samples, reference in pool.map(build, call_specs):
            write_call(folder, samples, reference)
            references.append(reference)
            print(describe(reference), flush=True)
    summary = summarize(set_name, references, time.perf_counter() - began)
    call_set = SETS[set_name]
    if isinstance(call_set, DialogueSet):
        minutes = sum(r["duration_ms"] for r in references) / 60000
        if minutes < call_set.min_minutes:
            raise SystemExit(f"{set_name} is {minutes:.1f} min, under its {call_set.min_minutes:.0f} min")
    return [spec.name for spec in call_specs], summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the WAV, JSON and manifest files")
    parser.add_argument("--set", choices=sorted(GROUPS), default="all", help="all = dev + test + robustness")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="calls built at once")
    args = parser.parse_args(argv)
    set_names = GROUPS[args.set]
    if missing := missing_tools(set_names):
        parser.error(f"not installed: {', '.join(missing)} (see `make speech-data` for how to install them)")
    if {"dev", "test"} & set(set_names):
        check_dev_and_test_apart()
    began = time.perf_counter()
    generated, summaries = {}, []
    for set_name in set_names:
        print(f"{set_name}:", flush=True)
        generated[set_name], summary = generate(args.out, set_name, args.jobs)
        summaries.append(summary)
    update_manifest(args.out, generated)
    print("\n".join(["summary:", *summaries, f"  all in {time.perf_counter() - began:.0f} s"]))


if __name__ == "__main__":
    main()
