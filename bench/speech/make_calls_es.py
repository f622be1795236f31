"""Generates the multilingual engine's test calls into .build/speech-data/es, through the same telephone channel as
the English sets (bench/speech/make_calls.py describes the WAV and JSON layout; each reference also carries the
call's "language", ISO 639-1):

    python -m bench.speech.make_calls_es --out .build/speech-data/es

Sets: "es-dev" (tuning) and "es-test" (the reported figures): Spanish contact-center calls
(bench/speech/conversations_es.py) spoken by festival's el_diphone (Debian festvox-ellpc11k) and SVOX pico es-ES,
one voice per party, swapped from call to call; dev and test share no sentence and no voice setting. "langid":
French and German calls (pico fr-FR, de-DE) for the language-detection accuracy, beside es-test and the English
test set.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.speech import conversations_es, dialogue, tts
from bench.speech.call import CallBuilder, CallSpec
from bench.speech.make_calls import draw_channel, update_manifest, write_call
from bench.speech.scripts import Script
from bench.speech.tts import FestivalVoice, PicoVoice, Voice

BACKCHANNELS = {"es": conversations_es.BACKCHANNELS, "fr": ["D'accord.", "Oui.", "Je vois."], "de": ["Ja.", "Genau."]}
# Interleaved settings, so es-dev and es-test share no voice setting.
RATES = {"es-dev": (88, 96, 104), "es-test": (92, 100, 108), "langid": (94, 102)}
PITCHES = {"es-dev": (90, 110), "es-test": (95, 105), "langid": (92, 108)}


class LanguageCallBuilder(CallBuilder):
    """A call in another language: the listener's backchannels are in that language too."""

    def __init__(self, spec: CallSpec, language: str) -> None:
        super().__init__(spec)
        self.language = language

    def _backchannel(self, speaker: str, start: int, end: int, span: tuple[float, float], texts: list[str]) -> None:
        super()._backchannel(speaker, start, end, span, BACKCHANNELS[self.language])


def voices(set_name: str, index: int, language: str) -> tuple[Voice, Voice]:
    """Customer and agent: Spanish calls give one party festival and the other pico, swapped every other call."""
    rng = random.Random(f"voices/{set_name}/{index}")
    rate, pitches = RATES[set_name], PITCHES[set_name]
    if language != "es":
        tag = {"fr": "fr-FR", "de": "de-DE"}[language]
        return PicoVoice(tag, rng.choice(rate), pitches[0]), PicoVoice(tag, rng.choice(rate), pitches[1])
    festival = FestivalVoice("el_diphone", rng.choice(rate))
    pico = PicoVoice("es-ES", rng.choice(rate), rng.choice(pitches))
    return (festival, pico) if index % 2 == 0 else (pico, festival)


def sets() -> dict[str, list[tuple[Script, str]]]:
    return {
        "es-dev": [(s, "es") for s in conversations_es.DEV],
        "es-test": [(s, "es") for s in conversations_es.TEST],
        "langid": [(s, "fr") for s in conversations_es.FRENCH] + [(s, "de") for s in conversations_es.GERMAN],
    }


def specs(set_name: str) -> list[tuple[CallSpec, str]]:
    out = []
    for index, (script, language) in enumerate(sets()[set_name]):
        channel = draw_channel(set_name, script.name)
        spec = CallSpec(script.name, set_name, script, voices(set_name, index, language), channel=channel)
        out.append((spec, language))
    return out


def check_dev_and_test_apart() -> None:
    dev = [t for s in conversations_es.DEV for t in dialogue.utterance_texts(s)]
    test = [t for s in conversations_es.TEST for t in dialogue.utterance_texts(s)]
    shared = dialogue.shared_sentences(dev, test)
    assert not shared, f"es-dev and es-test share sentences: {sorted(shared)[:5]}"
    labels = {name: {v.label for spec, _ in specs(name) for v in spec.voices} for name in ("es-dev", "es-test")}
    assert not labels["es-dev"] & labels["es-test"], "es-dev and es-test share voice settings"


def build(item: tuple[CallSpec, str]) -> tuple[np.ndarray, dict[str, Any]]:
    spec, language = item
    samples, reference = LanguageCallBuilder(spec, language).build()
    return samples, {**reference, "language": language}


def generate(folder: Path, set_names: Sequence[str], jobs: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    check_dev_and_test_apart()
    generated: dict[str, list[str]] = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        for set_name in set_names:
            items = specs(set_name)
            for samples, reference in pool.map(build, items):
                write_call(folder, samples, reference)
            generated[set_name] = [spec.name for spec, _ in items]
            print(f"{set_name}: {len(items)} calls", flush=True)
    update_manifest(folder, generated)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(".build/speech-data/es"))
    parser.add_argument("--set", choices=["es-dev", "es-test", "langid", "all"], default="all")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 1) - 1))
    args = parser.parse_args(argv)
    missing = tts.missing({"pico", "sox"}) + [p for v, p in tts.LATIN1_FESTVOX.items() if not _has_festival(v)]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (apt-get install them)")
    names = ["es-dev", "es-test", "langid"] if args.set == "all" else [args.set]
    generate(args.out, names, args.jobs)


def _has_festival(voice: str) -> bool:
    return shutil.which(tts.FESTIVAL) is not None and tts.festival_voice_installed(voice)


if __name__ == "__main__":
    main()
