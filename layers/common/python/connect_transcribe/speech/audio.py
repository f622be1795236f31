"""PCM conversions and the 8 kHz → 16 kHz resampling Whisper needs."""

from __future__ import annotations

import numpy as np
from scipy.signal import resample_poly

from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ

WHISPER_RATE = 16000
BYTES_PER_SAMPLE = 2


def pcm16_to_float(pcm: bytes | bytearray | memoryview) -> np.ndarray:
    """Signed 16-bit little-endian PCM to float32 in [-1, 1)."""
    if len(pcm) % BYTES_PER_SAMPLE:
        raise ValueError(f"PCM16 data must have an even number of bytes, got {len(pcm)}")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def to_whisper_rate(samples: np.ndarray, rate: int = CONNECT_SAMPLE_RATE_HZ) -> np.ndarray:
    """Polyphase resampling (Kaiser-windowed FIR): clean up to 4 kHz, nothing aliased above."""
    if rate == WHISPER_RATE:
        return samples.astype(np.float32, copy=False)
    gcd = np.gcd(rate, WHISPER_RATE)
    return resample_poly(samples, WHISPER_RATE // gcd, rate // gcd).astype(np.float32)


def to_phone_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """Any rate to 8 kHz, as the phone network would carry it."""
    if rate == CONNECT_SAMPLE_RATE_HZ:
        return samples.astype(np.float32, copy=False)
    gcd = np.gcd(rate, CONNECT_SAMPLE_RATE_HZ)
    return resample_poly(samples, CONNECT_SAMPLE_RATE_HZ // gcd, rate // gcd).astype(np.float32)


def normalize_level(samples: np.ndarray, target_peak: float = 0.7, max_gain: float = 20.0) -> np.ndarray:
    """Scale so the loudest sample reaches `target_peak` (quiet phone lines decode better), gain capped."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak <= 0.0:
        return samples
    return samples * min(max_gain, target_peak / peak)
