"""Lays a script out in time on two channels, with natural gaps, overlaps, backchannels, ring-back, keypresses
and hold music, and renders it as the phone network delivers it, together with its reference."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.speech import details, telephone, tones
from bench.speech.scripts import Script
from bench.speech.tts import Voice, speak

# Channel 0, channel 1: the product's convention, as Connect's AUDIO_FROM_CUSTOMER and AUDIO_TO_CUSTOMER tracks.
ROLES = ("customer", "agent")
# Hold music is put on the customer channel while the agent is silent, so tests see music where speech is
# expected. (On a real Connect stream it would arrive on the track to the customer.)
HOLD_ROLE = "customer"
# Ring-back is what a caller hears before the agent answers: the track to the customer carries it.
RINGBACK_ROLE = "agent"
# espeak's "mm-hmm" and "uh-huh" are hard to recognize even for people ("uh-huh" comes out as "uh-uh"), so
# they are two of five; its "yeah" is heard as "yes". flite reads "mm-hmm" as letters and "uh-huh" clipped.
BACKCHANNELS = ["Okay.", "Right.", "I see.", "Mm-hmm.", "Uh-huh."]
MS = telephone.RATE // 1000


@dataclass(frozen=True)
class CallSpec:
    name: str
    set_name: str
    script: Script
    voices: tuple[Voice, Voice]  # customer, agent
    rings: int = 0


@dataclass
class Timeline:
    """Sounds placed per channel (start sample, samples) and what the reference says about them."""

    sounds: dict[str, list[tuple[int, np.ndarray]]] = field(default_factory=lambda: {r: [] for r in ROLES})
    utterances: list[dict[str, Any]] = field(default_factory=list)
    non_speech: list[dict[str, Any]] = field(default_factory=list)
    ends: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    end: int = 0  # where the conversation's last sound stops

    def place(self, role: str, start: int, samples: np.ndarray) -> int:
        if start < self.ends[role]:
            raise ValueError(f"{role} would overlap itself at sample {start}")
        self.sounds[role].append((start, samples))
        self.ends[role] = start + samples.size
        self.end = max(self.end, self.ends[role])
        return start + samples.size

    def speech(self, role: str, start: int, samples: np.ndarray, text: str, voice: Voice) -> int:
        end = self.place(role, start, samples)
        self.utterances.append(
            {"role": role, "start_ms": start // MS, "end_ms": -(-end // MS), "text": text, "voice": voice.label}
        )
        return end

    def tone(self, role: str, kind: str, start: int, samples: np.ndarray, **extra: str) -> int:
        end = self.place(role, start, samples)
        self.non_speech.append({"role": role, "kind": kind, "start_ms": start // MS, "end_ms": -(-end // MS)} | extra)
        return end


class CallBuilder:
    """One call: every random choice comes from the call's own seeded generators, in a fixed order."""

    def __init__(self, spec: CallSpec) -> None:
        self.spec = spec
        self.rng = random.Random(f"{spec.set_name}/{spec.name}")
        self.noise_rng = np.random.default_rng(self.rng.randrange(2**32))
        self.slots = details.draw(self.rng)
        self.voices = dict(zip(ROLES, spec.voices, strict=True))
        agent_level = self.rng.uniform(-24.0, -18.0)
        # The two parties differ by up to 6 dB either way, as different handsets and lines do.
        self.levels = {"agent": agent_level, "customer": agent_level + self.rng.uniform(-6.0, 6.0)}
        self.timeline = Timeline()

    def build(self) -> tuple[np.ndarray, dict[str, Any]]:
        """Stereo int16 samples (frames, 2) and the reference (the JSON layout make_calls describes)."""
        cursor = self._seconds(0.3, 0.8)
        if self.spec.rings:
            cursor = self._ringback(cursor)
        last_speaker = ""
        for kind, text in self.spec.script.steps():
            if kind in ROLES:
                cursor = self._turn(kind, text.format(**self.slots), cursor, last_speaker)
                last_speaker = kind
            elif kind == "keys":
                keys = tones.dtmf(self.slots[text], self.rng)
                start = cursor + self._seconds(0.8, 1.5)
                cursor = self.timeline.tone("customer", "dtmf", start, keys, digits=self.slots[text])
                last_speaker = ""
            elif kind == "hold":
                music = tones.hold_music(self.rng.uniform(10.0, 20.0), self.rng)
                music *= telephone.gain(self.rng.uniform(-24.0, -18.0) - telephone.rms_dbfs(music))
                start = cursor + self._seconds(0.6, 1.2)
                cursor = self.timeline.tone(HOLD_ROLE, "hold_music", start, music)
                last_speaker = ""
            else:  # pause: nobody speaks while someone looks something up
                cursor += self._seconds(3.0, 6.0)
                last_speaker = ""
        length = max(cursor, self.timeline.end) + self._seconds(0.5, 1.2)
        return self._render(-(-length // MS) * MS)  # whole milliseconds, so duration_ms is exact

    def _ringback(self, cursor: int) -> int:
        ring, spans = tones.ringback(self.spec.rings)
        for start, end in spans:
            self.timeline.tone(RINGBACK_ROLE, "ringback", cursor + start, ring[start:end])
        # The agent picks up somewhere in the silence after the last ring.
        return self.timeline.end + self._seconds(0.5, 3.5)

    def _turn(self, role: str, text: str, cursor: int, last_speaker: str) -> int:
        samples = self._speech(role, text)
        if last_speaker and last_speaker != role and self.rng.random() < 0.15:
            start = cursor - self._seconds(0.15, 0.4)  # jumps in just before the other finishes
        elif last_speaker == role:
            start = cursor + self._seconds(0.3, 0.8)
        else:
            start = cursor + self._seconds(0.3, 1.5)
        start = max(start, self.timeline.ends[role] + self._seconds(0.3, 0.5))
        end = self.timeline.speech(role, start, samples, text, self.voices[role])
        if samples.size > 3.5 * telephone.RATE and self.rng.random() < 0.35:
            self._backchannel(role, start, end)
        return end

    def _backchannel(self, speaker: str, start: int, end: int) -> None:
        """The listener's "mm-hmm" in the middle of a long turn, on the other channel."""
        listener = ROLES[1 - ROLES.index(speaker)]
        text = self.rng.choice(BACKCHANNELS)
        samples = self._speech(listener, text)
        at = start + round((end - start) * self.rng.uniform(0.35, 0.6))
        after_own_turn = at >= self.timeline.ends[listener] + round(0.3 * telephone.RATE)
        before_speaker_ends = at + samples.size <= end - round(0.5 * telephone.RATE)
        if after_own_turn and before_speaker_ends:
            self.timeline.speech(listener, at, samples, text, self.voices[listener])

    def _speech(self, role: str, text: str) -> np.ndarray:
        """The utterance at 8 kHz, at its party's level (±1 dB per utterance) measured in the phone band."""
        raw, rate = speak(text, self.voices[role])
        samples = telephone.to_phone_rate(raw, rate)
        level = self.levels[role] + self.rng.uniform(-1.0, 1.0)
        samples *= telephone.gain(level - active_level(telephone.band_limit(samples)))
        peak = float(np.max(np.abs(samples)))
        return samples * min(1.0, 0.89 / peak)  # no louder than -1 dBFS: the codec would clip

    def _render(self, length: int) -> tuple[np.ndarray, dict[str, Any]]:
        channels = []
        for role in ROLES:
            signal = np.zeros(length)
            for start, samples in self.timeline.sounds[role]:
                signal[start : start + samples.size] += samples
            signal += telephone.line_noise(length, self.rng.uniform(-55.0, -50.0), self.noise_rng)
            channels.append(telephone.deliver(signal))
        reference = {
            "name": self.spec.name,
            "set": self.spec.set_name,
            "duration_ms": length // MS,
            "sample_rate": telephone.RATE,
            "channels": {str(i): role for i, role in enumerate(ROLES)},
            "utterances": sorted(self.timeline.utterances, key=lambda u: (u["start_ms"], u["role"])),
            "non_speech": sorted(self.timeline.non_speech, key=lambda n: (n["start_ms"], n["role"])),
        }
        return np.stack(channels, axis=1), reference

    def _seconds(self, low: float, high: float) -> int:
        return round(self.rng.uniform(low, high) * telephone.RATE)


def active_level(samples: np.ndarray, frame: int = 160) -> float:
    """RMS over the 20 ms frames within 30 dB of the loudest, so pauses inside a turn don't lower the level."""
    count = samples.size // frame
    if not count:
        return telephone.rms_dbfs(samples)
    powers = np.mean(np.square(samples[: count * frame].reshape(count, frame)), axis=1)
    active = powers[powers >= powers.max() * 1e-3]
    return float(10.0 * np.log10(np.mean(active)))
