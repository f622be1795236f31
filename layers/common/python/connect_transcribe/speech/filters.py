"""Drop what Whisper makes of non-speech: empty text, and its well-known hallucinations when the audio
gives no support for them.

Three signals can say a segment gives no support: a high no-speech probability, low confidence, little VAD speech
in the segment. A listed phrase is dropped only when at least two of them agree. One signal alone is what short,
real replies look like ("Bye.", "Thanks.", "Um"). Measured over every segment of the dev, test and robustness
calls (tiny.en, `bench.speech.scoring`), which hold ring-back, DTMF and hold music: every segment that decoded to a
listed phrase lay on real speech, because the VAD had already kept non-speech out. Any one signal (the old rule) dropped
25 of those 62 real utterances, two of three drop 5; WER moves by less than 0.3 points on each set and no set gains
an utterance from non-speech. Whisper's own no-speech rule, below, dropped no segment of those sets.

Once the VAD stopped drifting (speech/vad.py), hold music on the customer channel opened a few segments, which tiny.en
decoded as "That's it!", "Yeah, yeah", "Oh." at no-speech 0.85-0.89 and log-probability -2.0 to -3.4, with 33-63 %
of their windows VAD speech. Very unsure text on a very likely silence is dropped whatever the VAD says: no real
segment of dev, test or robustness (1,910, either engine) has no-speech > 0.8 with log-probability < -1.5."""

from __future__ import annotations

import re

from connect_transcribe.speech.endpointer import Segment
from connect_transcribe.speech.vad import WINDOW
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
    speech_ratio = segment.speech_windows * WINDOW / max(1, segment.end - segment.start)
    sparse = speech_ratio < 0.3
    signals = (decoded.no_speech_prob > 0.4, decoded.avg_logprob < -0.8, sparse)
    if words in HALLUCINATIONS and sum(signals) >= 2:
        return False
    # Whisper's own rule (very likely no speech, and unsure of the text), unless the VAD heard speech: on the
    # sample call "And your phone number?" decodes at no-speech 0.82, log-probability -1.11, 73 % of its windows speech.
    # Very unsure text (under -1.5) on a very likely silence goes whatever the VAD says: music the VAD took for speech.
    if decoded.no_speech_prob <= 0.8:
        return True
    return not (decoded.avg_logprob < -1.5 or (decoded.avg_logprob < -1.0 and sparse))
