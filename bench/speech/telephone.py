"""What the phone network does to a call's audio: 8 kHz, 300-3400 Hz, G.711 μ-law, line noise."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, resample_poly, sosfiltfilt

RATE = 8000
BAND_HZ = (300.0, 3400.0)
FULL_SCALE = 32768.0

# G.711 μ-law, as in the ITU reference code: 14-bit magnitudes, 8 segments of 16 steps each.
_BIAS = 0x84
_CLIP = 8159
_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])

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
