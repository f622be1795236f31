"""What the phone network does to a call's audio: 8 kHz, 300-3400 Hz, G.711 μ-law or A-law or GSM 06.10, lost
packets concealed as a jitter buffer does, level and line noise."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, resample_poly, sosfiltfilt

RATE = 8000
BAND_HZ = (300.0, 3400.0)
FULL_SCALE = 32768.0

# G.711 μ-law, as in the ITU reference code: 14-bit magnitudes, 8 segments of 16 steps each.
_BIAS = 0x84
_CLIP = 8159
_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
# G.711 A-law, likewise: 13-bit magnitudes, 8 segments, every other bit inverted (0x55) on the line.
_ALAW_SEGMENT_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
CODECS = ("ulaw", "alaw", "gsm")
CONCEALMENTS = ("repeat", "silence")
FRAME = 160  # 20 ms: one RTP packet of G.711 or one GSM 06.10 frame
# A jitter buffer repeats the last good frame for a lost one, 6 dB quieter each time, and goes silent after three.
_REPEAT_GAIN = 0.5
_REPEAT_FRAMES = 3
_CEILING = 0.89  # -1 dBFS: speech peaks above it would clip in the codec

# Zero-phase, so the band limit moves no speech onset and the reference timings stay true.
_BAND_SOS = butter(4, BAND_HZ, btype="bandpass", fs=RATE, output="sos")


def to_phone_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """Polyphase resampling; its Kaiser-windowed low-pass keeps anything above 4 kHz from folding back."""
    if rate == RATE:
        return samples.astype(np.float64)
    gcd = int(np.gcd(rate, RATE))
    return resample_poly(samples.astype(np.float64), RATE // gcd, rate // gcd)


def band_limit(samples: np.ndarray) -> np.ndarray:
    return sosfiltfilt(_BAND_SOS, samples)


def mulaw_encode(pcm: np.ndarray) -> np.ndarray:
    """Signed 16-bit samples to 8-bit μ-law codes."""
    value = pcm.astype(np.int32) >> 2
    mask = np.where(value < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(value), _CLIP) + (_BIAS >> 2)
    segment = np.searchsorted(_SEGMENT_ENDS, magnitude, side="left")
    mantissa = (magnitude >> (np.minimum(segment, 7) + 1)) & 0xF
    code = np.where(segment >= 8, 0x7F, (segment << 4) | mantissa)
    return (code ^ mask).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """8-bit μ-law codes to signed 16-bit samples (the middle of each step)."""
    inverted = ~codes.astype(np.int32) & 0xFF
    magnitude = (((inverted & 0x0F) << 3) + _BIAS) << ((inverted & 0x70) >> 4)
    return np.where(inverted & 0x80, _BIAS - magnitude, magnitude - _BIAS).astype(np.int16)


def alaw_encode(pcm: np.ndarray) -> np.ndarray:
    """Signed 16-bit samples to 8-bit A-law codes."""
    value = pcm.astype(np.int32) >> 3
    negative = value < 0
    mask = np.where(negative, 0x55, 0xD5)
    magnitude = np.where(negative, -value - 1, value)
    segment = np.searchsorted(_ALAW_SEGMENT_ENDS, magnitude, side="left")
    mantissa = (magnitude >> np.clip(segment, 1, 7)) & 0xF
    code = np.where(segment >= 8, 0x7F, (np.minimum(segment, 7) << 4) | mantissa)
    return (code ^ mask).astype(np.uint8)


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    """8-bit A-law codes to signed 16-bit samples (the middle of each step)."""
    value = codes.astype(np.int32) ^ 0x55
    segment = (value & 0x70) >> 4
    step = ((value & 0x0F) << 4) + np.where(segment == 0, 8, 0x108)
    magnitude = step << np.maximum(segment - 1, 0)
    return np.where(value & 0x80, magnitude, -magnitude).astype(np.int16)


def gsm_round_trip(pcm: np.ndarray) -> np.ndarray:
    """Signed 16-bit samples through GSM 06.10 full rate (sox's libgsm) and back. The codec works on whole 20 ms
    frames without look-ahead, so its output is not delayed (tested); the padding of the last frame is cut off."""
    raw = ["-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1"]
    encoded = subprocess.run(
        ["sox", *raw, "-", "-t", "gsm", "-"], input=pcm.astype("<i2").tobytes(), capture_output=True, check=True
    ).stdout
    decoded = subprocess.run(
        ["sox", "-t", "gsm", "-r", str(RATE), "-c", "1", "-", *raw, "-"], input=encoded, capture_output=True, check=True
    ).stdout
    out = np.frombuffer(decoded, dtype="<i2")[: pcm.size]
    return np.concatenate([out, np.zeros(pcm.size - out.size, dtype=np.int16)])


def lost_frames(count: int, loss: float, rng: np.random.Generator) -> np.ndarray:
    """Which of `count` 20 ms frames are lost: round(loss * count) of them, anywhere (sorted)."""
    return np.sort(rng.choice(count, size=round(loss * count), replace=False)) if count else np.zeros(0, int)


def conceal(pcm: np.ndarray, lost: np.ndarray, concealment: str) -> np.ndarray:
    """The received signal when the frames `lost` never arrived: each one silence, or the frame before it
    repeated 6 dB quieter (up to three in a row). Nothing moves in time: every other frame is as it was."""
    out = pcm.astype(np.float64)
    run = 0
    previous = -2
    for index in (int(i) for i in lost):
        run = run + 1 if index == previous + 1 else 1
        previous = index
        frame = slice(index * FRAME, (index + 1) * FRAME)
        if concealment == "silence" or index == 0 or run > _REPEAT_FRAMES:
            out[frame] = 0.0
        else:
            before = out[(index - 1) * FRAME : index * FRAME]
            out[frame] = (before * _REPEAT_GAIN)[: out[frame].size]
    return np.round(out).astype(np.int16)


def limit(samples: np.ndarray, ceiling: float = _CEILING) -> np.ndarray:
    """A peak limiter with 5 ms look-ahead and release: loud peaks come down to the ceiling, the rest of the
    utterance keeps its level (scaling the whole utterance down instead would undo its level)."""
    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-12))
    width = 2 * (RATE // 200) + 1
    # The moving average of a running minimum over the same width never exceeds the gain a sample needs.
    return samples * uniform_filter1d(minimum_filter1d(needed, width, mode="nearest"), width, mode="nearest")


@dataclass(frozen=True)
class Channel:
    """One party's line: the codec, the share of 20 ms packets lost and how they are concealed, the active
    speech level and the signal-to-noise ratio of the line hiss."""

    codec: str  # one of CODECS
    loss: float  # 0..1
    concealment: str  # one of CONCEALMENTS
    level_dbfs: float
    snr_db: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "codec": self.codec,
            "loss": self.loss,
            "concealment": self.concealment,
            "level_dbfs": self.level_dbfs,
            "snr_db": self.snr_db,
        }


def transmit(samples: np.ndarray, channel: Channel, rng: np.random.Generator) -> np.ndarray:
    """One party's float signal (noise included) as the far end receives it over `channel`. A GSM call reaches
    the contact center through the network's G.711 trunk, so it is transcoded to μ-law after GSM."""
    pcm = to_pcm16(band_limit(samples))
    if channel.codec == "alaw":
        pcm = alaw_decode(alaw_encode(pcm))
    elif channel.codec == "gsm":
        pcm = mulaw_decode(mulaw_encode(gsm_round_trip(pcm)))
    elif channel.codec == "ulaw":
        pcm = mulaw_decode(mulaw_encode(pcm))
    else:
        raise ValueError(f"unknown codec {channel.codec!r}")
    return conceal(pcm, lost_frames(pcm.size // FRAME, channel.loss, rng), channel.concealment)


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float in [-1, 1) to signed 16-bit, clipped as a codec would."""
    return np.clip(np.round(samples * FULL_SCALE), -32768, 32767).astype(np.int16)


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS relative to full scale (a full-scale square wave is 0 dBFS)."""
    power = float(np.mean(np.square(samples, dtype=np.float64))) if samples.size else 0.0
    return 10.0 * np.log10(power) if power > 0 else -np.inf


def gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def line_noise(count: int, level_dbfs: float, rng: np.random.Generator) -> np.ndarray:
    """Hiss at the given in-band level: what an idle line carries between words."""
    noise = band_limit(rng.standard_normal(count))
    return noise * gain(level_dbfs - rms_dbfs(noise))


def deliver(samples: np.ndarray) -> np.ndarray:
    """One party's float signal at 8 kHz as the far end receives it: band-limited, through μ-law, 16-bit."""
    return mulaw_decode(mulaw_encode(to_pcm16(band_limit(samples))))
