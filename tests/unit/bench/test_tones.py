"""Non-speech sounds of a call: DTMF digit pairs and the ring-back cadence."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bench.speech.telephone import RATE
from bench.speech.tones import DTMF_HZ, dtmf, hold_music, ringback, tone_pair


def peaks(samples: np.ndarray, count: int) -> list[float]:
    """The `count` strongest frequencies, 1 Hz resolution, each from a different 20 Hz neighbourhood."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size), n=RATE))
    found: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if all(abs(index - f) > 20 for f in found):
            found.append(float(index))
        if len(found) == count:
            break
    return sorted(found)


@pytest.mark.parametrize("digit", list("0123456789*#"))
def test_each_dtmf_digit_is_its_row_and_column_tone(digit: str) -> None:
    samples = tone_pair(DTMF_HZ[digit], (-8.0, -6.0), 0.1)

    assert peaks(samples, 2) == pytest.approx(DTMF_HZ[digit], abs=2)


def test_keypresses_are_about_100_ms_apart() -> None:
    samples = dtmf("4821", random.Random(3))

    frames = samples[: samples.size // 40 * 40].reshape(-1, 40)  # 5 ms
    on = np.sqrt(np.mean(frames**2, axis=1)) > 0.01
    presses = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(int)))) == 1)
    assert len(presses) == 4
    gaps_ms = np.diff(presses) * 5
    assert np.all((gaps_ms >= 170) & (gaps_ms <= 290))  # ~100 ms tone + ~100 ms pause


def test_ringback_is_440_and_480_hz_two_seconds_on_four_off() -> None:
    samples, spans = ringback(2)

    assert spans == [(0, 2 * RATE), (6 * RATE, 8 * RATE)]
    assert peaks(samples[: 2 * RATE], 2) == pytest.approx([440, 480], abs=2)
    assert np.all(samples[2 * RATE : 6 * RATE] == 0)


def test_hold_music_lasts_as_asked_and_is_not_a_steady_tone() -> None:
    music = hold_music(12.0, random.Random(5))

    assert music.size == 12 * RATE
    second_levels = [np.sqrt(np.mean(music[i : i + RATE] ** 2)) for i in range(0, music.size, RATE)]
    assert min(second_levels[1:-1]) > 0.01  # it keeps playing
    assert len(peaks(music[2 * RATE : 4 * RATE], 6)) == 6  # several notes at once
