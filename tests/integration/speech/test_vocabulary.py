"""A custom vocabulary with the real tiny.en engine: a name the model gets wrong on its own comes out as the phrase,
whether the start or the deployment gives it, and in every decode of the stream.

The clips in tests/fixtures/vocabulary were spoken by SVOX pico en-US (Debian libttspico-utils, non-free) through
phone_audio below and committed, so CI needs no TTS: `python -m tests.integration.speech.test_vocabulary` makes them
again."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.vocabulary import Term

CLIPS = Path(__file__).parents[2] / "fixtures" / "vocabulary"
SENTENCE = "Thank you for calling Zyntrix, my name is Kaelani. How can I help you today?"
REPLY = "Got it."
MADE = {"names-pico": SENTENCE, "reply-pico": REPLY}
VOCABULARY = (Term("Zyntrix", ("zin tricks",)), Term("Kaelani"), Term("Quorvex", ("core vex",)))


def phone_audio(text: str) -> bytes:
    """`text` as a phone line carries it: pico's en-US voice at 8 kHz, with silence either side."""
    from bench.speech import telephone, tts

    raw, rate = tts.speak(text, tts.PicoVoice("en-US", 100, 100))
    speech = telephone.to_phone_rate(raw, rate)
    speech *= 0.3 / float(np.max(np.abs(speech)))
    silence = np.zeros(4000)
    return telephone.to_pcm16(np.concatenate([silence, speech, silence])).astype("<i2").tobytes()


def clip(name: str) -> bytes:
    with wave.open(str(CLIPS / f"{name}.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        return wav.readframes(wav.getnframes())


@pytest.fixture(scope="module")
def call_audio() -> bytes:
    return clip("names-pico")


def transcribe(engine: WhisperEngine, pcm: bytes, vocabulary: tuple[Term, ...] = ()) -> str:
    texts: list[str] = []
    recognizer = engine.stream(StreamOptions(vocabulary=vocabulary), lambda u: texts.append(u.text))
    for offset in range(0, len(pcm), 1024):  # 64 ms frames, as Connect sends them
        recognizer.feed(pcm[offset : offset + 1024])
    recognizer.flush()
    return " ".join(texts)


def test_a_start_s_vocabulary_turns_misheard_names_into_the_phrases(engine: WhisperEngine, call_audio: bytes) -> None:
    plain = transcribe(engine, call_audio)
    assert plain and "zyntrix" not in plain.lower()  # the model alone mishears the name

    with_vocabulary = transcribe(engine, call_audio, VOCABULARY)

    assert "Zyntrix" in with_vocabulary and "Kaelani" in with_vocabulary, with_vocabulary
    assert "calling" in with_vocabulary and "Quorvex" not in with_vocabulary  # nothing unheard written in


def test_the_deployment_s_vocabulary_does_the_same(call_audio: bytes) -> None:
    engine = WhisperEngine(EngineSettings(decode_workers=1, vocabulary=VOCABULARY))
    try:
        text = transcribe(engine, call_audio)
    finally:
        engine.close()
    assert "Zyntrix" in text and "Kaelani" in text, text


def test_a_short_reply_is_decoded_without_the_prompt(engine: WhisperEngine) -> None:
    """Under VocabularySettings.min_seconds the prompt is left out (on backchannels it made the decoder write
    names), so the reply comes out exactly as without a vocabulary."""
    reply = clip("reply-pico")

    assert transcribe(engine, reply, VOCABULARY) == transcribe(engine, reply)


if __name__ == "__main__":  # remake the committed clips (needs pico2wave)
    CLIPS.mkdir(parents=True, exist_ok=True)
    for name, text in MADE.items():
        with wave.open(str(CLIPS / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(phone_audio(text))
        print(f"{CLIPS / name}.wav", file=sys.stderr)
