"""Language detection for `language: "auto"` streams: which language an utterance is in, restricted to the ones the
deployment supports, and when a stream has heard enough speech to fix its language."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

# Whisper base through a phone line takes single utterances of robotic Spanish for Italian or Portuguese (and a short
# "Sí." or "Okay." for anything), so one utterance is not enough. Tuned on es-dev and the English dev calls
# (bench/speech/languages.py, 20 streams): fixing after 2 s of speech got 18 right, 4 s 17, 6 s with the leader
# holding 60 % of the votes 20 (fixed after 8 s of speech on average); es-test and langid report it.
FIX_AFTER_SECONDS = 6.0
MIN_SHARE = 0.6


def pick(probabilities: Iterable[tuple[str, float]], allowed: Collection[str]) -> tuple[str, float]:
    """The most probable of the `allowed` ISO codes and its probability among them.

    `probabilities`: Whisper's (token or code, probability) pairs, e.g. ("<|es|>", 0.8). Languages outside
    `allowed` are masked, so line noise never picks one the deployment does not serve (Welsh, Nynorsk, ...).
    """
    if not allowed:
        raise ValueError("no language to detect among")
    scores = dict.fromkeys(allowed, 0.0)
    for token, probability in probabilities:
        code = token.strip("<|>")
        if code in scores:
            scores[code] = max(scores[code], float(probability))
    total = sum(scores.values())
    best = max(sorted(scores), key=lambda code: scores[code])  # sorted: ties go the same way every time
    return best, (scores[best] / total if total > 0 else 0.0)


@dataclass
class LanguageVote:
    """Per stream: each delivered utterance votes for its detected language with its probability times its length;
    once `fix_after_seconds` of speech has voted and the leader holds `min_share` of the votes, the leader is fixed
    for the rest of the stream."""

    fix_after_seconds: float = FIX_AFTER_SECONDS
    min_share: float = MIN_SHARE
    seconds: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)

    def add(self, language: str, probability: float, seconds: float) -> str | None:
        """Count one utterance; the language to fix the stream to, or None while undecided."""
        self.seconds += seconds
        self.scores[language] = self.scores.get(language, 0.0) + max(probability, 1e-3) * seconds
        if self.seconds < self.fix_after_seconds:
            return None
        leader = max(sorted(self.scores), key=lambda code: self.scores[code])
        return leader if self.scores[leader] >= self.min_share * sum(self.scores.values()) else None
