from __future__ import annotations

import numpy as np
import pytest
from connect_transcribe.speech.audio import normalize_level, pcm16_to_float, to_phone_rate, to_whisper_rate


def test_pcm16_little_endian_to_float() -> None:
    pcm = np.array([0, 16384, -32768, 32767], dtype="<i2").tobytes()
    assert pcm16_to_float(pcm).tolist() == pytest.approx([0.0, 0.5, -1.0, 32767 / 32768])


def test_odd_byte_count_is_refused() -> None:
    with pytest.raises(ValueError, match="even number of bytes, got 3"):
        pcm16_to_float(b"\x00\x01\x02")


def test_resampling_keeps_duration_and_a_1khz_tone() -> None:
    t = np.arange(8000) / 8000
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    up = to_whisper_rate(tone)
    assert up.size == 16000
    spectrum = np.abs(np.fft.rfft(up))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second
    assert to_phone_rate(up, 16000).size == 8000
    assert to_phone_rate(np.zeros(44100, np.float32), 44100).size == 8000


def test_level_normalisation_is_capped_and_leaves_silence_alone() -> None:
    quiet = np.full(10, 0.001, np.float32)
    assert np.max(normalize_level(quiet)) == pytest.approx(0.02)  # 20x cap, not 700x
    assert np.max(normalize_level(np.full(10, 0.35, np.float32))) == pytest.approx(0.7)
    assert not normalize_level(np.zeros(5, np.float32)).any()
