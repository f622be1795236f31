from __future__ import annotations

import pytest
from connect_transcribe.speech.endpointer import Segment
from connect_transcribe.speech.filters import keep
from connect_transcribe.speech.whisper import Decoded

SPEECHY = Segment(start=0, end=25600, speech_start=0, speech_end=25600, speech_windows=80)  # 80 of 100 windows
SPARSE = Segment(start=0, end=25600, speech_start=0, speech_end=25600, speech_windows=10)


def decoded(text: str, no_speech: float = 0.05, logprob: float = -0.3) -> Decoded:
    return Decoded(text=text, avg_logprob=logprob, no_speech_prob=no_speech, compression_ratio=1.0)


@pytest.mark.parametrize("text", ["", " ", "...", "?!"])
def test_empty_text_is_dropped(text: str) -> None:
    assert not keep(decoded(text), SPEECHY)


def test_thank_you_said_clearly_is_kept() -> None:
    assert keep(decoded("Thank you."), SPEECHY)


@pytest.mark.parametrize(
    ("text", "no_speech", "logprob", "segment"),
    [("Thank you.", 0.6, -1.2, SPEECHY), ("you", 0.5, -0.3, SPARSE), ("Thanks for watching!", 0.05, -1.2, SPARSE)],
)
def test_known_hallucinations_without_support_in_the_audio_are_dropped(text, no_speech, logprob, segment) -> None:
    """Two of the three signals agree: likely no speech, unsure text, little VAD speech."""
    assert not keep(decoded(text, no_speech, logprob), segment)


@pytest.mark.parametrize(
    ("text", "no_speech", "logprob", "segment"),
    [("Bye!", 0.13, -0.84, SPEECHY), ("Thank you.", 0.6, -0.3, SPEECHY), ("Um", 0.05, -0.3, SPARSE)],
)
def test_a_short_real_reply_with_one_weak_signal_is_kept(text, no_speech, logprob, segment) -> None:
    """One signal alone is what real short replies look like: the sample call's closing "Bye!" decodes at -0.84."""
    assert keep(decoded(text, no_speech, logprob), segment)


def test_unsure_text_on_likely_non_speech_is_dropped() -> None:
    assert not keep(decoded("la la la la", no_speech=0.9, logprob=-1.4), SPARSE)
    assert keep(decoded("my account is locked", no_speech=0.9, logprob=-0.2), SPARSE)


def test_unsure_text_the_vad_heard_as_speech_is_kept() -> None:
    """The sample call's "And your phone number?": no-speech 0.82, logprob -1.11, 73 % of its windows speech."""
    assert keep(decoded("and your phone.", no_speech=0.82, logprob=-1.11), SPEECHY)


@pytest.mark.parametrize(
    ("text", "no_speech", "logprob"), [("That's it!", 0.86, -2.04), ("Yeah, yeah", 0.89, -2.24), ("Oh oh", 0.85, -3.41)]
)
def test_very_unsure_text_on_likely_silence_is_dropped_even_where_the_vad_heard_speech(
    text, no_speech, logprob
) -> None:
    """What tiny.en made of hold music on the test and robustness calls once the VAD stopped drifting."""
    assert not keep(decoded(text, no_speech, logprob), SPEECHY)
