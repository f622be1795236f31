"""Generates the project's telephone test calls (8 kHz stereo WAV, customer left, agent right) with a JSON
reference beside each, and a manifest.json listing the calls per set.

    python -m bench.speech.make_calls --out .build/calls --set all
    python -m bench.speech.make_calls --out tests/fixtures/calls --set sample

The same command gives byte-identical files on the same espeak-ng and flite versions. "dev" is for tuning;
"heldout" uses other voices, speeds and conversations and is never tuned on; "sample" is the short committed
fixture (espeak-ng only). In dev and heldout half the calls are spoken by flite voices (both parties), the rest
by espeak-ng: espeak alone is far harder for Whisper than real speech, so its WER overstates real errors.

<name>.json: {"name", "set", "duration_ms", "sample_rate": 8000, "channels": {"0": "customer", "1": "agent"},
"utterances": [{"role", "start_ms", "end_ms", "text", "voice"}] in time order (voice: "espeak:<name> s<wpm>
p<pitch>" or "flite:<name> r<rate %>"), "non_speech": [{"role", "kind":
"ringback" | "dtmf" | "hold_music", "start_ms", "end_ms"}]} (dtmf entries also carry the "digits" keyed).
Times are where the sound starts and ends in the WAV; bench/speech/reference.py reads them back.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.speech import scripts, telephone
from bench.speech.call import CallBuilder, CallSpec
from bench.speech.scripts import Script
from bench.speech.tts import ESPEAK, FLITE, EspeakVoice, FliteVoice, Voice, espeak_version, flite_version


@dataclass(frozen=True)
class CallSet:
    name: str
    scripts: tuple[Script, ...]
    espeak_voices: tuple[str, ...]  # espeak-ng voice+variant names the parties are drawn from
    speeds: tuple[int, int]  # espeak words per minute, inclusive range
    pitches: tuple[int, int]
    rings: tuple[int, ...]  # ring-back rings before the answer, per call (0: already connected)
    flite_voices: tuple[str, ...] = ()  # flite's built-in voices; half the calls use them when given
    flite_rates: tuple[int, int] = (100, 100)  # flite speaking rate in percent, inclusive range


# The pools are balanced: by a tiny.en check through this channel, each espeak pool averages ~50% WER and
# holds one hard regional accent, and each flite pair averages ~17-18% (rms 12, slt 25; awb 17, kal16 17),
# so a dev/heldout gap shows over-tuning rather than harder voices. flite's kal is kal16's speaker at 8 kHz
# (kept out of dev so the sets share no speaker); awb_time only speaks times of day.
SETS = {
    "dev": CallSet(
        "dev",
        tuple(scripts.DEV),
        ("en-us", "en-us+m3", "en-us+f2", "en-gb", "en-gb-x-rp+f3", "en-us+m6", "en-us+klatt2", "en-gb-scotland"),
        (140, 160),
        (35, 60),
        (1, 0, 0, 1, 0, 0, 0, 2),
        ("rms", "slt"),
        (95, 108),
    ),
    "heldout": CallSet(
        "heldout",
        tuple(scripts.HELDOUT),
        (
            "en-us-nyc",
            "en-us+m2",
            "en-us+f3",
            "en-gb+f4",
            "en-gb-x-rp",
            "en-us+klatt5",
            "en-029+m2",
            "en-gb-x-gbcwmd+m7",
        ),
        (150, 168),
        (45, 70),
        (0, 1, 0, 0, 2, 0, 0, 1),
        ("awb", "kal16"),
        (95, 108),
    ),
    "sample": CallSet("sample", (scripts.SAMPLE,), ("en-us+f2", "en-gb+m3"), (160, 170), (40, 60), (1,)),
}
GROUPS = {"dev": ["dev"], "heldout": ["heldout"], "sample": ["sample"], "all": ["dev", "heldout"]}


def specs(call_set: CallSet) -> list[CallSpec]:
    """The calls of a set, each with its own voices, speed and pitch drawn from the set's seeded generator."""
    rng = random.Random(f"voices/{call_set.name}")
    count = len(call_set.scripts)
    # Which calls flite speaks comes from its own generator, so a set without flite draws as it always did.
    flite_calls = set(random.Random(f"engines/{call_set.name}").sample(range(count), count // 2))
    # The espeak pool is dealt out in pairs, so each of its voices speaks in a call before any speaks twice.
    espeak_names = itertools.cycle(rng.sample(call_set.espeak_voices, len(call_set.espeak_voices)))
    out = []
    for index, (script, rings) in enumerate(zip(call_set.scripts, call_set.rings, strict=True), start=1):
        voices: list[Voice]
        if call_set.flite_voices and index - 1 in flite_calls:
            names = rng.sample(call_set.flite_voices, 2)
            voices = [FliteVoice(name, rng.randint(*call_set.flite_rates)) for name in names]
        else:
            names = [next(espeak_names), next(espeak_names)]
            voices = [
                EspeakVoice(name, rng.randint(*call_set.speeds), rng.randint(*call_set.pitches)) for name in names
            ]
        name = f"{call_set.name}-{index:02d}-{script.name}"
        out.append(CallSpec(name, call_set.name, script, (voices[0], voices[1]), rings))
    return out


def missing_tools() -> list[str]:
    """The TTS programs that are not installed: every set needs both, as the manifest records both versions."""
    return [tool for tool in (ESPEAK, FLITE) if shutil.which(tool) is None]


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
    """Keeps the sets generated earlier into the same folder, so dev and heldout can be made separately."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text()) if path.exists() else {"sets": {}}
    manifest["sets"] |= generated
    manifest["sets"] = dict(sorted(manifest["sets"].items()))
    manifest |= {"sample_rate": telephone.RATE, "channels": {"0": "customer", "1": "agent"}}
    manifest["espeak_ng"] = espeak_version()
    manifest["flite"] = flite_version()
    write_json(path, manifest)


def generate(folder: Path, set_name: str) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for spec in specs(SETS[set_name]):
        samples, reference = CallBuilder(spec).build()
        write_call(folder, samples, reference)
        names.append(spec.name)
        speech_s = sum(u["end_ms"] - u["start_ms"] for u in reference["utterances"]) / 1000
        print(
            f"  {spec.name}: {reference['duration_ms'] / 1000:.1f} s, {len(reference['utterances'])} utterances"
            f" ({speech_s:.1f} s of speech), non-speech: {sorted({n['kind'] for n in reference['non_speech']})}"
        )
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the WAV, JSON and manifest files")
    parser.add_argument("--set", choices=sorted(GROUPS), default="all", help="all = dev + heldout")
    args = parser.parse_args(argv)
    if missing := missing_tools():
        parser.error(f"{' and '.join(missing)} required: apt-get install {' '.join(missing)}")
    generated = {}
    for set_name in GROUPS[args.set]:
        began = time.perf_counter()
        print(f"{set_name}:")
        generated[set_name] = generate(args.out, set_name)
        print(f"  {len(generated[set_name])} calls in {time.perf_counter() - began:.1f} s")
    update_manifest(args.out, generated)


if __name__ == "__main__":
    main()
