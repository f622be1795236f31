"""Lays a script out in time on two channels, with natural gaps, overlaps and barge-ins, backchannels, ring-back,
keypresses and hold music, and renders it as the phone network delivers it, together with its reference.

A call with a `channel` per party gets that party's codec, packet loss, level and noise. A call without one is
the committed sample call: it keeps the fixed channel (μ-law, -55..-50 dBFS hiss) and the exact order of random
draws it was generated with, so it regenerates byte for byte."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.speech import conversations, details, telephone, tones
from bench.speech.scripts import Script, Step
from bench.speech.telephone import Channel
from bench.speech.tts import Synthesizer, Voice

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
LONG_TURN_S = 10.0  # a listener says "mm-hmm" more than once in a turn this long


@dataclass(frozen=True)
class CallSpec:
    name: str
    set_name: str
    script: Script
    voices: tuple[Voice, Voice]  # customer, agent
    rings: int = 0
    channel: dict[str, Channel] | None = None  # per role; None: the sample call's fixed channel


@dataclass
class Timeline:
    """Sounds placed per channel (start sample, samples) and what the reference says about them."""

    sounds: dict[str, list[tuple[int, np.ndarray]]] = field(default_factory=lambda: {r: [] for r in ROLES})
    utterances: list[dict[str, Any]] = field(default_factory=list)
    non_speech: list[dict[str, Any]] = field(default_factory=list)
    ends: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    starts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))  # of each one's last turn
    end: int = 0  # where the conversation's last sound stops

    def place(self, role: str, start: int, samples: np.ndarray) -> int:
        if start < self.ends[role]:
            raise ValueError(f"{role} would overlap itself at sample {start}")
        self.sounds[role].append((start, samples))
        self.ends[role] = start + samples.size
        self.end = max(self.end, self.ends[role])
        return start + samples.size

    def speech(self, role: str, start: int, samples: np.ndarray, text: str, voice: Voice) -> int:
        self.starts[role] = start
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
        self.voices = dict(zip(ROLES, spec.voices, strict=True))
        self.tts = Synthesizer(f"{spec.set_name}/{spec.name}")
        self.timeline = Timeline()
        self.channel = spec.channel
        # Fills the {slots} of the sample and robustness scripts; a dialogue comes filled in.
        self.slots = details.draw(self.rng)
        if spec.channel is None:
            agent_level = self.rng.uniform(-24.0, -18.0)
            # The two parties differ by up to 6 dB either way, as different handsets and lines do.
            self.levels = {"agent": agent_level, "customer": agent_level + self.rng.uniform(-6.0, 6.0)}
        else:
            self.levels = {role: spec.channel[role].level_dbfs for role in ROLES}

    def build(self) -> tuple[np.ndarray, dict[str, Any]]:
        """Stereo int16 samples (frames, 2) and the reference (the JSON layout make_calls describes)."""
        cursor = self._seconds(0.3, 0.8)
        if self.spec.rings:
            cursor = self._ringback(cursor)
        last_speaker = ""
        for step in self.spec.script.steps():
            kind, text = step.kind, step.text
            if kind in ROLES:
                cursor = self._turn(kind, step, cursor, last_speaker)
                last_speaker = kind
            elif kind == "keys":
                digits = self.slots.get(text, text)
                keys = tones.dtmf(digits, self.rng)
                start = cursor + self._seconds(0.8, 1.5)
                cursor = self.timeline.tone("customer", "dtmf", start, keys, digits=digits)
                last_speaker = ""
            elif kind == "hold":
                music = tones.hold_music(self.rng.uniform(10.0, 20.0), self.rng)
                level = self.rng.uniform(-24.0, -18.0)
                if self.channel is not None:  # the music plays at the line's level, a little below speech
                    level = self.levels[HOLD_ROLE] - self.rng.uniform(2.0, 6.0)
                music *= telephone.gain(level - telephone.rms_dbfs(music))
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

    def _turn(self, role: str, step: Step, cursor: int, last_speaker: str) -> int:
        text = step.text.format(**self.slots)
        samples = self._speech(role, text)
        other = ROLES[1 - ROLES.index(role)]
        if step.barge_in and last_speaker == other:
            # Cuts in a second or so before the other finishes, but not before they have said a few words.
            start = max(cursor - self._seconds(0.6, 1.5), self.timeline.starts[other] + self._seconds(0.8, 1.2))
        elif last_speaker and last_speaker != role and self.rng.random() < 0.15:
            start = cursor - self._seconds(0.15, 0.4)  # jumps in just before the other finishes
        elif last_speaker == role:
            start = cursor + self._seconds(0.3, 0.8)
        else:
            start = cursor + self._seconds(0.3, 1.5)
        start = max(start, self.timeline.ends[role] + self._seconds(0.3, 0.5))
        end = self.timeline.speech(role, start, samples, text, self.voices[role])
        if self.channel is None:
            if samples.size > 3.5 * telephone.RATE and self.rng.random() < 0.35:
                self._backchannel(role, start, end, (0.35, 0.6), BACKCHANNELS)
        elif samples.size > LONG_TURN_S * telephone.RATE:
            for span in ((0.2, 0.4), (0.55, 0.75)):
                self._backchannel(role, start, end, span, conversations.BACKCHANNELS)
        elif samples.size > 3.5 * telephone.RATE and self.rng.random() < 0.45:
            self._backchannel(role, start, end, (0.35, 0.6), conversations.BACKCHANNELS)
        return end

    def _backchannel(self, speaker: str, start: int, end: int, span: tuple[float, float], texts: list[str]) -> None:
        """The listener's "mm-hmm" in the middle of a long turn, on the other channel."""
        listener = ROLES[1 - ROLES.index(speaker)]
        text = self.rng.choice(texts)
        samples = self._speech(listener, text)
        at = start + round((end - start) * self.rng.uniform(*span))
        after_own_turn = at >= self.timeline.ends[listener] + round(0.3 * telephone.RATE)
        before_speaker_ends = at + samples.size <= end - round(0.5 * telephone.RATE)
        if after_own_turn and before_speaker_ends:
            self.timeline.speech(listener, at, samples, text, self.voices[listener])

    def _speech(self, role: str, text: str) -> np.ndarray:
        """The utterance at 8 kHz, at its party's level (±1 dB per utterance) measured in the phone band."""
        raw, rate = self.tts.speak(text, self.voices[role])
        samples = telephone.to_phone_rate(raw, rate)
        level = self.levels[role] + self.rng.uniform(-1.0, 1.0)
        samples *= telephone.gain(level - active_level(telephone.band_limit(samples)))
        if self.channel is not None:
            return telephone.limit(samples)  # the loudest parties' peaks come down, their level stays
        peak = float(np.max(np.abs(samples)))
        return samples * min(1.0, 0.89 / peak)  # no louder than -1 dBFS: the codec would clip

    def _render(self, length: int) -> tuple[np.ndarray, dict[str, Any]]:
        channels = []
        for role in ROLES:
            signal = np.zeros(length)
            for start, samples in self.timeline.sounds[role]:
                signal[start : start + samples.size] += samples
            if self.channel is None:
                signal += telephone.line_noise(length, self.rng.uniform(-55.0, -50.0), self.noise_rng)
                channels.append(telephone.deliver(signal))
                continue
            line = self.channel[role]
            signal += telephone.line_noise(length, line.level_dbfs - line.snr_db, self.noise_rng)
            # Which packets are lost has a generator of its own, so it depends on nothing else in the call.
            losses = np.random.default_rng(zlib.crc32(f"loss/{self.spec.set_name}/{self.spec.name}/{role}".encode()))
            channels.append(telephone.transmit(signal, line, losses))
        reference: dict[str, Any] = {
            "name": self.spec.name,
            "set": self.spec.set_name,
            "duration_ms": length // MS,
            "sample_rate": telephone.RATE,
            "channels": {str(i): role for i, role in enumerate(ROLES)},
        }
        if self.channel is not None:
            reference["channel"] = {role: self.channel[role].as_dict() for role in ROLES}
        reference["utterances"] = sorted(self.timeline.utterances, key=lambda u: (u["start_ms"], u["role"]))
        reference["non_speech"] = sorted(self.timeline.non_speech, key=lambda n: (n["start_ms"], n["role"]))
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
