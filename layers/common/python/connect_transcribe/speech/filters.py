"""Drop what Whisper makes of non-speech: empty text, and its well-known hallucinations when the audio
gives no support for them (high no-speech probability, low confidence or little VAD speech)."""

from __future__ import annotations

import re

from connect_transcribe.speech.endpointer import Segment
from connect_transcribe.speech.whisper import Decoded

HALLUCINATIONS = frozenset(
    {
        "thank you",
        "thanks",
        "thank you very much",
        "thanks for watching",
        "thank you for watching",
        "you",
        "bye",
        "so",
        "oh",
        "uh",
        "um",
        "hmm",
        "the",
        "i",
        "a",
        "please subscribe",
        "subtitles by the amara org community",
    }
)
_NON_WORD = re.compile(r"[^\w\s']+")


def normalized(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def keep(decoded: Decoded, segment: Segment) -> bool:
    words = normalized(decoded.text)
    if not words:
        return False
    speech_ratio = segment.speech_windows * 256 / max(1, segment.end - segment.start)
    unsupported = decoded.no_speech_prob > 0.4 or decoded.avg_logprob < -0.8 or speech_ratio < 0.3
    if words in HALLUCINATIONS and unsupported:
        return False
    # Whisper's own rule: very likely no speech and not confident in the text either.
    return not (decoded.no_speech_prob > 0.8 and decoded.avg_logprob < -1.0)
