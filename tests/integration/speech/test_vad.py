"""The VAD's recurrent state is reset after a second of silence, so a long call cannot drift it deaf (real Silero
model; the fixture is 25 s of a realistic test call where the drift happened)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import Utterance
from connect_transcribe.speech.vad import WINDOW, SileroVad, VadStream

FIXTURE = Path(__file__).parents[2] / "fixtures" / "vad" / "drift-flite-kal-gsm.wav"
STATE_VALUES = 2 * 128  # the recurrent state's floats, first in a snapshot


def drift_audio() -> tuple[np.ndarray, list[dict[str, object]]]:
    with wave.open(str(FIXTURE), "rb") as wav:
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return audio, json.loads(FIXTURE.with_suffix(".json").read_text())["utterances"]


def peaks(probs: np.ndarray, utterances: list[dict[str, object]]) -> list[float]:
    """The highest speech probability inside each reference utterance."""
    return [
        float(probs[int(u["start_ms"]) * 8 // WINDOW : int(u["end_ms"]) * 8 // WINDOW + 1].max()) for u in utterances
    ]  # type: ignore[call-overload]


def state(stream: VadStream) -> np.ndarray:
    return np.frombuffer(stream.snapshot(), dtype=np.float32)[:STATE_VALUES]


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


def test_without_resets_the_drifted_state_misses_every_utterance_of_the_fixture(vad: SileroVad) -> None:
    """What the fixture is for: fed from 75 s into the call, Silero's state scores clear speech under 0.5."""
    audio, utterances = drift_audio()
    assert max(peaks(vad.stream(reset_after_ms=0).feed(audio), utterances)) < 0.5


def test_a_reset_after_a_second_of_silence_hears_them_again(vad: SileroVad) -> None:
    audio, utterances = drift_audio()
    assert min(peaks(vad.stream().feed(audio), utterances)) > 0.9


def test_the_state_resets_after_a_second_of_silence_and_not_before(vad: SileroVad) -> None:
    silence = np.zeros(WINDOW, dtype=np.float32)
    stream = vad.stream(reset_after_ms=1000)  # 31 windows of 32 ms
    for _ in range(30):
        stream.feed(silence)
    assert np.any(state(stream) != 0)
    stream.feed(silence)
    assert not np.any(state(stream) != 0)


def test_speech_restarts_the_silence_count(vad: SileroVad) -> None:
    audio, utterances = drift_audio()
    speech_end = int(utterances[1]["end_ms"]) * 8  # type: ignore[call-overload]
    stream = vad.stream(reset_after_ms=1000)
    stream.feed(audio[: speech_end - speech_end % WINDOW])
    for _ in range(30):  # 30 windows of silence after speech: no reset yet, whatever came before
        stream.feed(np.zeros(WINDOW, dtype=np.float32))
    assert np.any(state(stream) != 0)


def test_a_restored_snapshot_carries_the_silence_count(vad: SileroVad) -> None:
    """A takeover's VAD resets where the original would have: the same probabilities after the restore."""
    audio, _ = drift_audio()
    cut = 12_000 * 8 + 100  # inside the silence after "Yes.", mid-window
    whole = vad.stream().feed(audio)
    first = vad.stream()
    before = first.feed(audio[:cut])
    second = vad.stream()
    second.restore(first.snapshot())
    after = second.feed(audio[cut:])
    np.testing.assert_array_equal(np.concatenate((before, after)), whole)


def test_the_engine_transcribes_every_utterance_after_the_drift_point(engine: WhisperEngine) -> None:
    audio, utterances = drift_audio()
    out: list[Utterance] = []
    stream = engine.stream(StreamOptions(), out.append)
    pcm = (audio * 32768).astype("<i2").tobytes()
    for i in range(0, len(pcm), 1024):
        stream.feed(pcm[i : i + 1024])
    stream.flush()
    for u in utterances:
        assert any(o.start_ms < int(u["end_ms"]) and int(u["start_ms"]) < o.end_ms for o in out), u  # type: ignore[call-overload]
