"""Telephone sounds that are not speech must not become utterances (real VAD + real model)."""

from __future__ import annotations

import numpy as np
import pytest
from connect_transcribe.media.wav import to_pcm16
from connect_transcribe.speech.engine import UnsupportedLanguage, WhisperEngine
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import Utterance

RATE = 8000
ROWS, COLS = (697, 770, 852, 941), (1209, 1336, 1477)
DTMF = {key: (ROWS[i // 3], COLS[i % 3]) for i, key in enumerate("123456789*0#")}


def tone(freqs: tuple[float, ...], seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level / len(freqs) * sum(np.sin(2 * np.pi * f * t) for f in freqs)).astype(np.float32)


def silence(seconds: float, noise_db: float = -55.0) -> np.ndarray:
    rng = np.random.default_rng(7)
    return (rng.standard_normal(int(seconds * RATE)) * 10 ** (noise_db / 20)).astype(np.float32)


def dtmf(keys: str) -> np.ndarray:
    return np.concatenate([np.concatenate((tone(DTMF[k], 0.1), silence(0.1))) for k in keys])


def ringback(cycles: int) -> np.ndarray:
    return np.concatenate([np.concatenate((tone((440, 480), 2.0), silence(4.0))) for _ in range(cycles)])


def hold_music(seconds: float) -> np.ndarray:
    chords = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7)]
    parts = []
    for i in range(int(seconds / 0.5)):
        chord = tone(chords[(i // 4) % 4], 0.5, level=0.25)
        arp = tone((chords[(i // 4) % 4][i % 3] * 2,), 0.5, level=0.1)
        envelope = np.exp(-np.linspace(0, 3, chord.size)).astype(np.float32)
        parts.append((chord + arp) * envelope)
    return np.concatenate(parts)


def run(engine: WhisperEngine, audio: np.ndarray, chunk_ms: int = 64) -> list[Utterance]:
    out: list[Utterance] = []
    stream = engine.stream(StreamOptions(), out.append)
    pcm, step = to_pcm16(audio), RATE * chunk_ms // 1000 * 2
    for i in range(0, len(pcm), step):
        stream.feed(pcm[i : i + step])
    stream.flush()
    return out


@pytest.mark.parametrize(
    ("name", "audio"),
    [
        ("dtmf", np.concatenate((silence(0.5), dtmf("4111559#"), silence(1.0), dtmf("1234"), silence(1.0)))),
        ("ringback", ringback(2)),
        ("hold music", hold_music(12.0)),
        ("line noise", silence(10.0, noise_db=-40.0)),
        ("digital silence", np.zeros(RATE * 5, np.float32)),
    ],
)
def test_non_speech_yields_no_utterances(engine: WhisperEngine, name: str, audio: np.ndarray) -> None:
    assert run(engine, audio) == [], name


def test_unsupported_language_fails_when_the_stream_is_created(engine: WhisperEngine) -> None:
    with pytest.raises(UnsupportedLanguage, match="'fr-FR' is not supported by the tiny.en engine; supported: en-US"):
        engine.stream(StreamOptions(language="fr-FR"), lambda _: None)


def test_corrupt_pcm_is_refused_by_that_stream_only(engine: WhisperEngine) -> None:
    broken = engine.stream(StreamOptions(), lambda _: None)
    with pytest.raises(ValueError, match="even number of bytes"):
        broken.feed(b"\x01\x02\x03")
    assert run(engine, silence(1.0)) == []  # the engine goes on serving other streams
