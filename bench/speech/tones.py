"""Non-speech sounds a call carries, at 8 kHz: North American ring-back, DTMF keypresses, hold music."""

from __future__ import annotations

import random

import numpy as np

from bench.speech.telephone import RATE

DTMF_HZ = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}  # fmt: skip
RINGBACK_HZ = (440, 480)
RING_ON_S = 2.0
RING_OFF_S = 4.0
# A full-scale sine is +3.17 dBm0 on a μ-law channel (G.711's digital milliwatt).
_FULL_SCALE_DBM0 = 3.17
_RAMP_S = 0.005  # tone edges ramp in and out, as telephone tone generators do, instead of clicking


def dbm0_peak(level_dbm0: float) -> float:
    return float(10.0 ** ((level_dbm0 - _FULL_SCALE_DBM0) / 20.0))


def tone_pair(freqs: tuple[float, float], levels_dbm0: tuple[float, float], seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    signal = sum(dbm0_peak(level) * np.sin(2 * np.pi * f * t) for f, level in zip(freqs, levels_dbm0, strict=True))
    return np.asarray(signal) * _edges(t.size)


def ringback(rings: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Rings of 2 s on / 4 s off, up to the end of the last ring; also each ring's (start, end) sample."""
    ring = tone_pair(RINGBACK_HZ, (-19.0, -19.0), RING_ON_S)
    cycle = round((RING_ON_S + RING_OFF_S) * RATE)
    out = np.zeros(cycle * (rings - 1) + ring.size)
    spans = []
    for i in range(rings):
        out[i * cycle : i * cycle + ring.size] = ring
        spans.append((i * cycle, i * cycle + ring.size))
    return out, spans


def dtmf(digits: str, rng: random.Random) -> np.ndarray:
    """Keypresses about 100 ms long with about 100 ms between them, a little uneven, like a thumb on a keypad."""
    parts = []
    for i, digit in enumerate(digits):
        if i:
            parts.append(np.zeros(round(rng.uniform(0.09, 0.16) * RATE)))
        # The high-group tone is sent a couple of dB hotter than the low group ("twist"), per the usual plan.
        parts.append(tone_pair(DTMF_HZ[digit], (-8.0, -6.0), rng.uniform(0.09, 0.12)))
    return np.concatenate(parts)


def hold_music(seconds: float, rng: random.Random) -> np.ndarray:
    """A looped I-V-vi-IV progression: a soft pad, a plucked arpeggio and a bass note per bar."""
    beat = 60.0 / rng.uniform(92, 116)
    root = 48 + rng.choice([0, 2, 5, 7, 9])  # C3, D3, F3, G3 or A3, in MIDI note numbers
    chords = [(0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)]
    out = np.zeros(round(seconds * RATE))
    bar = 4 * beat
    for index in range(int(seconds / bar) + 1):
        start = index * bar
        chord = [root + 12 + n for n in chords[index % len(chords)]]
        for note in chord:
            _add(out, start, _note(note, bar, attack=0.25, decay=bar, level=0.05))
        _add(out, start, _note(root + chords[index % len(chords)][0] - 12, bar, attack=0.01, decay=0.6, level=0.12))
        pattern = [*chord, chord[1] + 12, chord[2] + 12, chord[1] + 12, chord[2], chord[1]]
        for step, note in enumerate(pattern):
            _add(out, start + step * beat / 2, _note(note + 12, beat, attack=0.005, decay=0.25, level=0.07))
    return out * _edges(out.size, seconds=0.3)


def _note(midi: int, seconds: float, attack: float, decay: float, level: float) -> np.ndarray:
    """A few harmonics under an attack/exponential-decay envelope, so notes sound plucked or pad-like."""
    freq = 440.0 * 2.0 ** ((midi - 69) / 12.0)
    t = np.arange(round(seconds * RATE)) / RATE
    wave = sum((0.6**k) * np.sin(2 * np.pi * freq * (k + 1) * t) for k in range(4) if freq * (k + 1) < RATE / 2)
    envelope = np.minimum(t / attack, 1.0) * np.exp(-t / decay)
    return level * np.asarray(wave) * envelope * _edges(t.size, seconds=0.02)


def _add(out: np.ndarray, start_s: float, sound: np.ndarray) -> None:
    start = round(start_s * RATE)
    end = min(out.size, start + sound.size)
    if start < end:
        out[start:end] += sound[: end - start]


def _edges(count: int, seconds: float = _RAMP_S) -> np.ndarray:
    ramp = min(round(seconds * RATE), count // 2)
    envelope = np.ones(count)
    if ramp:
        rise = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
        envelope[:ramp] = rise
        envelope[count - ramp :] = rise[::-1]
    return envelope
