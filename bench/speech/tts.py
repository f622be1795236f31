"""Speech from espeak-ng and flite, cut to where the voice starts and stops so the reference timings are true.

espeak-ng alone says little about real calls: through the phone channel Whisper tiny.en gets 40-88 % WER on
its voices whatever the settings, against ~13 % on flite's rms voice for the same sentences. So the calls mix
both, and each utterance's voice label says which engine spoke it ("espeak:en-gb s149 p52", "flite:rms r104").
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ESPEAK = "espeak-ng"
FLITE = "flite"
# espeak spells "mm-hmm" out ("em em hmm"), so the backchannel is given to it as phonemes instead.
PHONEMES = {"Mm-hmm.": "[[m,m'h@m]]"}
# Both engines pad each utterance with (near) silence; the voice starts where it rises 40 dB below its peak.
_TRIM_BELOW_PEAK_DB = 40.0


@dataclass(frozen=True)
class EspeakVoice:
    name: str  # espeak-ng voice and variant, e.g. "en-gb-x-rp+f3"
    speed: int  # words per minute
    pitch: int  # 0..99

    @property
    def label(self) -> str:
        return f"espeak:{self.name} s{self.speed} p{self.pitch}"

    def command(self, text: str, path: Path) -> list[str]:
        speed, pitch = str(self.speed), str(self.pitch)
        return [ESPEAK, "-v", self.name, "-s", speed, "-p", pitch, "-w", str(path), PHONEMES.get(text, text)]


@dataclass(frozen=True)
class FliteVoice:
    name: str  # a voice built into flite, e.g. "rms"
    rate: int  # speaking rate in percent of the voice's own (flite's pitch setting is ignored by some voices)

    @property
    def label(self) -> str:
        return f"flite:{self.name} r{self.rate}"

    def command(self, text: str, path: Path) -> list[str]:
        stretch = f"duration_stretch={100 / self.rate:.4f}"
        return [FLITE, "-voice", self.name, "--setf", stretch, "-o", str(path), "-t", text]


Voice = EspeakVoice | FliteVoice


def espeak_version() -> str:
    """e.g. "1.51": output is byte-identical only between runs on the same version."""
    out = subprocess.run([ESPEAK, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("text-to-speech:")[1].split()[0] if "text-to-speech:" in out else out.strip()


def flite_version() -> str:
    """e.g. "flite-2.2-current Sep 2018", as for espeak_version."""
    # flite prints its version and exits with status 1.
    out = subprocess.run([FLITE, "--version"], capture_output=True, text=True, check=False).stdout
    return out.split("version:")[1].split("(")[0].strip() if "version:" in out else out.strip()


def speak(text: str, voice: Voice) -> tuple[np.ndarray, int]:
    """The utterance as float samples in [-1, 1) at the engine's own rate, leading and trailing silence cut."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(voice.command(text, path), check=True, capture_output=True)
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2") / 32768.0
    return trim(samples, voice.label), rate


def trim(samples: np.ndarray, label: str = "") -> np.ndarray:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    loud = np.nonzero(np.abs(samples) > peak * 10.0 ** (-_TRIM_BELOW_PEAK_DB / 20.0))[0]
    if peak == 0.0 or not loud.size:
        raise ValueError(f"{label or 'the TTS'} produced no audible speech")
    return samples[loud[0] : loud[-1] + 1]
