"""Laying a call out in time and rendering it over each party's line, with a stand-in for the TTS engines (a
tone as long as the words would take), so none is needed."""

from __future__ import annotations

import numpy as np
import pytest

from bench.speech import call as call_module
from bench.speech.call import MS, CallBuilder, CallSpec, active_level
from bench.speech.scripts import Script
from bench.speech.telephone import RATE, Channel
from bench.speech.tts import FliteVoice, PicoVoice, Voice

LINES = {
    "customer": Channel("alaw", 0.02, "repeat", -27.0, 30.0),
    "agent": Channel("ulaw", 0.0, "silence", -15.0, 35.0),
}
SCRIPT = Script(
    "check",
    """
A: Thank you for calling Contoso, this is Dana. How can I help you today?
C: Hi, I'd like to check on my order, please.
A: """
    + " ".join(["Let me explain how our return policy works for orders like yours."] * 6)
    + """
C>: Sorry, can I ask one thing?
KEYS: 4821
HOLD
A: Thanks for holding.
""",
)


class FakeSynthesizer:
    """A 1 kHz tone, 0.3 s per word, at 16 kHz: enough for the timeline and the line."""

    def __init__(self, seed_text: str) -> None:
        self.spoken: list[tuple[str, str]] = []

    def speak(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        self.spoken.append((text, voice.label))
        t = np.arange(round(0.3 * len(text.split()) * 16000)) / 16000
        return 0.5 * np.sin(2 * np.pi * 1000 * t), 16000


@pytest.fixture(autouse=True)
def fake_tts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(call_module, "Synthesizer", FakeSynthesizer)


def build(channel: dict[str, Channel] | None = LINES) -> tuple[np.ndarray, dict]:
    voices = (PicoVoice("en-US", 100, 100), FliteVoice("rms", 100))
    return CallBuilder(CallSpec("dev-01-check", "dev", SCRIPT, voices, rings=1, channel=channel)).build()


def test_the_reference_records_each_partys_line() -> None:
    _, reference = build()

    assert list(reference) == [
        "name",
        "set",
        "duration_ms",
        "sample_rate",
        "channels",
        "channel",
        "utterances",
        "non_speech",
    ]
    assert reference["channel"]["customer"] == {
        "codec": "alaw", "loss": 0.02, "concealment": "repeat", "level_dbfs": -27.0, "snr_db": 30.0,
    }  # fmt: skip
    assert "channel" not in build(channel=None)[1]  # the sample call's fixed line is not recorded


def test_a_barge_in_starts_while_the_other_party_is_still_talking() -> None:
    _, reference = build()

    turns = [
        u for u in reference["utterances"] if u["text"] in ("Sorry, can I ask one thing?",) or "policy" in u["text"]
    ]
    policy, barge_in = turns
    assert barge_in["role"] == "customer" and policy["role"] == "agent"
    assert policy["start_ms"] + 800 <= barge_in["start_ms"] <= policy["end_ms"] - 600


def test_a_long_turn_gets_backchannels_from_the_listener() -> None:
    _, reference = build()

    (policy,) = [u for u in reference["utterances"] if "policy" in u["text"]]
    during = [
        u for u in reference["utterances"]
        if u["role"] == "customer" and policy["start_ms"] < u["start_ms"] < policy["end_ms"] and len(u["text"].split()) <= 2
    ]  # fmt: skip
    assert policy["end_ms"] - policy["start_ms"] > 15000
    assert len(during) == 2


def test_speech_is_at_its_partys_level_and_where_the_reference_says() -> None:
    samples, reference = build()

    for utterance in reference["utterances"]:
        channel = 0 if utterance["role"] == "customer" else 1
        segment = samples[utterance["start_ms"] * MS : utterance["end_ms"] * MS, channel] / 32768.0
        level = reference["channel"][utterance["role"]]["level_dbfs"]
        assert abs(active_level(segment) - level) < 1.5, utterance["text"]  # delivered: already band-limited
        # Just before it starts, the party's channel carries only the line's hiss (30-35 dB down)
        before = samples[(utterance["start_ms"] - 40) * MS : (utterance["start_ms"] - 5) * MS, channel] / 32768.0
        assert 10 * np.log10(np.mean(before**2)) < level - 20.0, utterance["text"]


def test_keys_hold_music_and_ring_back_are_in_the_reference() -> None:
    _, reference = build()

    kinds = {n["kind"]: n for n in reference["non_speech"]}
    assert set(kinds) == {"ringback", "dtmf", "hold_music"}
    assert kinds["dtmf"]["digits"] == "4821"
    assert reference["duration_ms"] * MS == build()[0].shape[0]


def test_building_twice_gives_the_same_call() -> None:
    first, second = build(), build()

    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    assert first[0].dtype == np.int16 and first[0].shape[1] == 2
    assert RATE == 8000
