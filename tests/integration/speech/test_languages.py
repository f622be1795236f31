"""language: "auto" through the real base engine: a Spanish call clip is detected as Spanish and transcribed in
Spanish; the detection is restricted to the deployment's languages.

The clips in tests/fixtures/languages were spoken by SVOX pico (pico2wave -l es-ES / de-DE, Debian
libttspico-utils) and brought to 8 kHz 16-bit mono by make_clip below, then committed, so CI needs no non-free
package: `python -m tests.integration.speech.test_languages` makes them again (byte-identical on the same pico)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import Utterance
from connect_transcribe.speech.weights import ModelError

CLIPS = Path(__file__).parents[2] / "fixtures" / "languages"
SPANISH = "Buenos días, quería consultar el saldo de mi tarjeta. El número de cliente es cuatro uno uno uno."
GERMAN = "Guten Tag, ich möchte bitte den Kontostand meiner Karte wissen."
MADE = {"es-pico": (SPANISH, "es-ES"), "de-pico": (GERMAN, "de-DE")}


@pytest.fixture(scope="module")
def base_engine():
    try:
        engine = WhisperEngine(EngineSettings(engine="base", decode_workers=2, languages=("en-US", "es-US", "auto")))
    except ModelError as exc:
        pytest.skip(f"the base engine is not installed: {exc}")
    yield engine
    engine.close()


def make_clip(text: str, language: str, folder: Path) -> bytes:
    """pico2wave's 16 kHz speech as 8 kHz 16-bit PCM (every other sample of a 4 kHz low-passed signal)."""
    path = folder / "speech.wav"
    subprocess.run(["pico2wave", "-l", language, "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32)
    assert rate == 16000
    smoothed = np.convolve(samples, np.hanning(7) / np.hanning(7).sum(), mode="same")  # below 4 kHz, then decimate
    eight_khz = np.concatenate([np.zeros(4000), smoothed[::2], np.zeros(8000)])
    return eight_khz.astype("<i2").tobytes()


def clip(name: str) -> bytes:
    with wave.open(str(CLIPS / f"{name}.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        return wav.readframes(wav.getnframes())


def transcribe(engine: WhisperEngine, pcm: bytes, language: str) -> list[Utterance]:
    out: list[Utterance] = []
    recognizer = engine.stream(StreamOptions(language=language), out.append)
    for offset in range(0, len(pcm), 1024):
        recognizer.feed(pcm[offset : offset + 1024])
    recognizer.flush()
    return out


def test_auto_detects_spanish_and_transcribes_it(base_engine) -> None:
    utterances = transcribe(base_engine, clip("es-pico"), "auto")

    assert utterances, "nothing was recognized"
    assert {u.language for u in utterances} == {"es"}
    text = " ".join(u.text for u in utterances).lower()
    assert "buenos días" in text and "tarjeta" in text and "saldo" in text


def test_a_fixed_language_is_reported_on_each_utterance(base_engine) -> None:
    utterances = transcribe(base_engine, clip("es-pico"), "es-US")

    assert utterances and {u.language for u in utterances} == {"es"}


def test_german_speech_is_detected_among_the_supported_languages_only(base_engine) -> None:
    """German is not among this deployment's languages: "auto" picks one it serves, never "de"."""
    utterances = transcribe(base_engine, clip("de-pico"), "auto")

    assert utterances and {u.language for u in utterances} <= {"en", "es"}


if __name__ == "__main__":  # remake the committed clips (needs pico2wave)
    for name, (text, language) in MADE.items():
        with tempfile.TemporaryDirectory() as folder:
            pcm = make_clip(text, language, Path(folder))
        with wave.open(str(CLIPS / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(pcm)
        print(f"{CLIPS / name}.wav", file=sys.stderr)
