"""The speech port the media gateway transcribes through: an engine that opens one recognizer per participant
stream (speech/engine.py: WhisperEngine), and the options a stream starts with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from connect_transcribe.speech.interim import OnInterim
from connect_transcribe.speech.recognizer import OnUtterance, Settled
from connect_transcribe.speech.vocabulary import Term


@dataclass(frozen=True)
class StreamOptions:
    language: str = "en-US"
    detailed_token: bool = False
    offset_ms: int = 0  # where this stream's audio starts in the conversation (pause/resume)
    first_sequence: int = 0  # utterances this stream already delivered (resume, takeover)
    context: str | None = None  # decoding context carried over from a checkpoint (see StreamRecognizer)
    floor_samples: int = 0  # no utterance starts before this sample (takeover: the settled point)
    context_filter: Callable[[str], str] | None = None
    vad_state: bytes | None = None  # the VAD's state where this stream resumes (takeover)
    interim_results: bool = False  # hand interim transcripts to the stream's on_interim (speech/interim.py)
    vocabulary: tuple[Term, ...] = ()  # the start's custom vocabulary, before the deployment's (speech/vocabulary.py)


class Recognizer(Protocol):
    def feed(self, pcm: bytes) -> None: ...

    def wait_idle(self, timeout: float | None = None) -> bool: ...

    def vad_state(self) -> bytes: ...

    def settled(self) -> Settled:
        """Where a replacement recognizer would carry on from."""
        ...

    def flush(self) -> None:
        """End of stream: finish the open utterance and wait until every utterance has been delivered."""
        ...


class SpeechEngine(Protocol):
    @property
    def languages(self) -> tuple[str, ...]: ...

    def check_language(self, language: str) -> None: ...

    def stream(
        self, options: StreamOptions, on_utterance: OnUtterance, on_interim: OnInterim | None = None
    ) -> Recognizer: ...

    def close(self) -> None: ...
