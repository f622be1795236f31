"""Read WAV files (PCM 8/16/24/32-bit, any rate, mono or stereo) as float32 channels."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class WavError(ValueError):
    pass


@dataclass(frozen=True)
class WavAudio:
    rate: int
    channels: list[np.ndarray]  # float32 in [-1, 1), one array per channel

    @property
    def seconds(self) -> float:
        return self.channels[0].size / self.rate if self.channels else 0.0


def read_wav(path: Path) -> WavAudio:
    try:
        with wave.open(str(path), "rb") as handle:
            width, channels, rate = handle.getsampwidth(), handle.getnchannels(), handle.getframerate()
            raw = handle.readframes(handle.getnframes())
    except (wave.Error, EOFError) as exc:
        raise WavError(f"{path}: not a PCM WAV file ({exc})") from exc
    if width == 1:
        data = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        data = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        data = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float32) / 8388608
    elif width == 4:
        data = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648
    else:
        raise WavError(f"{path}: unsupported sample width {width * 8} bits")
    frames = data.size // channels
    interleaved = data[: frames * channels].reshape(frames, channels)
    return WavAudio(rate=rate, channels=[interleaved[:, c].copy() for c in range(channels)])


def to_pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()
