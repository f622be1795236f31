"""Speech from espeak-ng, cut to where the voice starts and stops so the reference timings are true."""

from __future__ import annotations

import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ESPEAK = "espeak-ng"
# espeak spells "mm-hmm" out ("em em hmm"), so the backchannel is given to it as phonemes instead.
PHONEMES = {"Mm-hmm.": "[[m,m'h@m]]"}
# espeak pads each utterance with exact silence; the voice starts where it rises 40 dB below its peak.
_TRIM_BELOW_PEAK_DB = 40.0


@dataclass(frozen=True)
class Voice:
    name: str  # espeak-ng voice and variant, e.g. "en-gb-x-rp+f3"
    speed: int  # words per minute
    pitch: int  # 0..99

    @property
    def label(self) -> str:
        return f"{self.name} s{self.speed} p{self.pitch}"


def espeak_version() -> str:
    """e.g. "1.51": output is byte-identical only between runs on the same version."""
    out = subprocess.run([ESPEAK, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("text-to-speech:")[1].split()[0] if "text-to-speech:" in out else out.strip()


def speak(text: str, voice: Voice) -> tuple[np.ndarray, int]:
    """The utterance as float samples in [-1, 1) at espeak's own rate, leading and trailing silence cut."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        command = [ESPEAK, "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch), "-w", str(path)]
        subprocess.run([*command, PHONEMES.get(text, text)], check=True, capture_output=True)
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2") / 32768.0
    return trim(samples), rate


def trim(samples: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    loud = np.nonzero(np.abs(samples) > peak * 10.0 ** (-_TRIM_BELOW_PEAK_DB / 20.0))[0]
    if peak == 0.0 or not loud.size:
        raise ValueError("espeak-ng produced no audible speech")
    return samples[loud[0] : loud[-1] + 1]
