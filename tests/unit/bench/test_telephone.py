"""The simulated phone channel: G.711 μ-law and the 300-3400 Hz band."""

from __future__ import annotations

import numpy as np

from bench.speech.telephone import RATE, band_limit, deliver, line_noise, mulaw_decode, mulaw_encode, rms_dbfs


def test_mulaw_codes_survive_a_decode_encode_round_trip() -> None:
    codes = np.arange(256, dtype=np.uint8)

    again = mulaw_encode(mulaw_decode(codes))

    # 0x7F is "negative zero": it decodes to 0, which encodes as 0xFF
    assert np.array_equal(again[codes != 0x7F], codes[codes != 0x7F])
    assert again[0x7F] == 0xFF


def test_mulaw_error_stays_within_half_a_step_of_its_segment() -> None:
    pcm = np.arange(-32124, 32125, dtype=np.int16)

    error = np.abs(mulaw_decode(mulaw_encode(pcm)).astype(np.int32) - pcm)

    # Steps grow from 8 to 1024 (16-bit units) with the magnitude, about 1/16 of it at segment edges; the
    # encoder also drops the 2 lowest bits (G.711 works on 14 bits).
    assert error.max() <= 512 + 3
    assert np.all(error <= np.maximum(np.abs(pcm.astype(np.int32)) / 16 + 4, 8))


def test_mulaw_keeps_a_tone_about_38_db_above_its_quantization_noise() -> None:
    tone = np.round(0.5 * 32767 * np.sin(2 * np.pi * 1004 * np.arange(RATE) / RATE)).astype(np.int16)

    noise = mulaw_decode(mulaw_encode(tone)).astype(np.float64) - tone

    assert rms_dbfs(tone.astype(np.float64)) - rms_dbfs(noise) > 35.0


def test_band_limit_passes_speech_frequencies_and_removes_hum_and_hiss() -> None:
    t = np.arange(RATE) / RATE

    def gain_db(freq: float) -> float:
        tone = np.sin(2 * np.pi * freq * t)
        return rms_dbfs(band_limit(tone)[1000:-1000]) - rms_dbfs(tone[1000:-1000])

    assert abs(gain_db(1000)) < 0.5
    assert gain_db(60) < -40
    assert gain_db(3900) < -20


def test_line_noise_has_the_asked_level_and_delivery_is_16_bit() -> None:
    noise = line_noise(RATE, -52.0, np.random.default_rng(1))

    delivered = deliver(noise)

    assert abs(rms_dbfs(noise) + 52.0) < 0.01
    assert delivered.dtype == np.int16
    assert abs(rms_dbfs(delivered / 32768.0) + 52.0) < 1.0
