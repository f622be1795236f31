"""The simulated phone channel: G.711 μ-law and A-law, GSM 06.10, lost packets, level and the 300-3400 Hz band."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from bench.speech.telephone import (
    FRAME,
    RATE,
    Channel,
    alaw_decode,
    alaw_encode,
    band_limit,
    conceal,
    deliver,
    gsm_round_trip,
    limit,
    line_noise,
    lost_frames,
    mulaw_decode,
    mulaw_encode,
    rms_dbfs,
    to_pcm16,
    transmit,
)

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed (apt-get install sox)")


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


# G.711 Table 6: the A-law digital milliwatt, a 1 kHz sine at 0 dBm0 sampled at phase pi/8, as sent on the line.
DIGITAL_MILLIWATT = [0x34, 0x21, 0x21, 0x34, 0xB4, 0xA1, 0xA1, 0xB4]


def test_alaw_encodes_the_digital_milliwatt_as_g711_lists_it() -> None:
    # A-law's full scale is +3.14 dBm0; the sequence starts on the negative half-wave
    peak = 32768 / 10 ** (3.14 / 20)
    sine = np.round(-peak * np.sin(2 * np.pi * np.arange(8) / 8 + np.pi / 8)).astype(np.int16)

    assert [int(c) for c in alaw_encode(sine)] == DIGITAL_MILLIWATT


@pytest.mark.parametrize(
    ("code", "pcm"),
    [(0xD5, 8), (0x55, -8), (0xFA, 1008), (0x7A, -1008), (0xAA, 32256), (0x2A, -32256), (0x34, -8960), (0xA1, 20992)],
)
def test_alaw_decodes_to_the_middle_of_each_step(code: int, pcm: int) -> None:
    # Values from the ITU reference decoder (G.191's g711.c), in 16-bit units
    assert int(alaw_decode(np.array([code], dtype=np.uint8))[0]) == pcm


def test_alaw_codes_survive_a_decode_encode_round_trip() -> None:
    codes = np.arange(256, dtype=np.uint8)

    assert np.array_equal(alaw_encode(alaw_decode(codes)), codes)


def test_alaw_error_stays_within_half_a_step() -> None:
    pcm = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)

    error = np.abs(alaw_decode(alaw_encode(pcm)).astype(np.int32) - pcm)

    # Steps are 16 (16-bit units) in the two lowest segments, then double per segment up to 1024
    assert error.max() <= 512 + 8
    assert np.all(error <= np.maximum(np.abs(pcm.astype(np.int32)) / 32 + 8, 8))


def test_lost_frames_are_the_asked_share_and_the_same_for_the_same_seed() -> None:
    first = lost_frames(1000, 0.023, np.random.default_rng(7))
    again = lost_frames(1000, 0.023, np.random.default_rng(7))
    other = lost_frames(1000, 0.023, np.random.default_rng(8))

    assert first.size == 23
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert np.all(np.diff(first) > 0)


def test_a_lost_frame_is_the_one_before_it_6_db_quieter_and_nothing_else_moves() -> None:
    pcm = to_pcm16(0.3 * np.sin(2 * np.pi * 440 * np.arange(10 * FRAME) / RATE))

    out = conceal(pcm, np.array([4]), "repeat")

    lost = slice(4 * FRAME, 5 * FRAME)
    assert out.size == pcm.size
    assert np.array_equal(np.delete(out, np.r_[lost]), np.delete(pcm, np.r_[lost]))
    assert np.allclose(out[lost], np.round(pcm[3 * FRAME : 4 * FRAME] * 0.5), atol=1)


def test_concealment_goes_silent_after_three_repeats_or_at_once_when_asked() -> None:
    pcm = np.full(10 * FRAME, 1000, dtype=np.int16)

    repeated = conceal(pcm, np.array([2, 3, 4, 5]), "repeat")
    silenced = conceal(pcm, np.array([2]), "silence")

    levels = [int(repeated[i * FRAME]) for i in range(2, 6)]
    assert levels == [500, 250, 125, 0]
    assert np.all(silenced[2 * FRAME : 3 * FRAME] == 0)
    assert np.all(repeated[6 * FRAME :] == 1000)


def test_transmit_keeps_every_sound_where_it_was() -> None:
    # Given a click train every 0.5 s over a lossy A-law line
    signal = np.zeros(4 * RATE)
    clicks = np.arange(RATE // 4, signal.size - RATE // 4, RATE // 2)
    signal[clicks] = 0.8
    line = Channel("alaw", 0.03, "repeat", -20.0, 30.0)

    # When it is transmitted
    out = transmit(signal, line, np.random.default_rng(3)).astype(np.float64)

    # Then each click that was not in a lost frame peaks on its own sample
    assert out.size == signal.size
    received = [c for c in clicks if np.max(np.abs(out[c - 40 : c + 40])) > 1000]
    assert len(received) >= len(clicks) - 2
    assert all(int(np.argmax(np.abs(out[c - 40 : c + 40]))) == 40 for c in received)


@needs_sox
def test_gsm_delays_speech_by_no_more_than_a_sample() -> None:
    # Given band-limited noise and a tone burst that starts at 0.5 s
    rng = np.random.default_rng(0)
    noise = to_pcm16(band_limit(rng.standard_normal(3 * RATE)) * 0.1)
    burst = np.zeros(2 * RATE)
    burst[RATE // 2 : RATE] = 0.3 * np.sin(2 * np.pi * 500 * np.arange(RATE // 2) / RATE)

    # When each goes through GSM 06.10 and back
    coded_noise = gsm_round_trip(noise).astype(np.float64)
    coded_burst = gsm_round_trip(to_pcm16(burst))

    # Then the waveforms line up (cross-correlation peaks at lag 0) and the burst starts where it did
    lags = np.arange(-160, 161)
    correlation = [np.dot(np.roll(coded_noise, -lag)[200:-200], noise[200:-200]) for lag in lags]
    assert abs(int(lags[int(np.argmax(correlation))])) <= 1
    assert coded_noise.size == noise.size
    onset = int(np.argmax(np.abs(coded_burst) > 500))
    assert abs(onset - RATE // 2) <= 10 * RATE // 1000  # within 10 ms


def test_the_limiter_brings_peaks_down_and_leaves_quiet_speech_alone() -> None:
    t = np.arange(RATE) / RATE
    quiet = 0.2 * np.sin(2 * np.pi * 300 * t)
    loud = quiet.copy()
    loud[4000:4040] *= 8.0  # a 5 ms peak at +4 dBFS

    assert np.array_equal(limit(quiet), quiet)
    limited = limit(loud)
    assert np.max(np.abs(limited)) <= 0.89 + 1e-9
    assert np.allclose(limited[:3800], quiet[:3800]) and np.allclose(limited[4300:], quiet[4300:])
