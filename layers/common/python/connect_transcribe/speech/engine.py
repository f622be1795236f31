"""The Whisper SpeechEngine (speech/ports.py): one model and one VAD session per process,
a bounded decode pool shared by every stream, a recognizer per participant stream."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from connect_transcribe.speech import tuning, vocabulary
from connect_transcribe.speech import weights as models
from connect_transcribe.speech.endpointer import EndpointSettings
from connect_transcribe.speech.interim import DecodePool, InterimSettings, OnInterim
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import OnUtterance, StreamRecognizer
from connect_transcribe.speech.vad import SileroVad, VadStream
from connect_transcribe.speech.vocabulary import Term, VocabularySettings
from connect_transcribe.speech.whisper import DecodeOptions, WhisperDecoder


class UnsupportedLanguage(ValueError):
    pass


@dataclass(frozen=True)
class EngineSettings:
    engine: str = "tiny.en"  # tiny.en | base | dir:/path
    decode_workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    threads_per_worker: int = 1
    cache_dir: Path = Path(os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))) / "connect-transcribe"
    decode: DecodeOptions | None = None  # None: the engine's measured defaults (speech/tuning.py)
    endpoint: EndpointSettings | None = None
    # The Start `language` values this deployment accepts (SUPPORTED_LANGUAGES); None: every one the model has.
    # language="auto" detects among these only.
    languages: tuple[str, ...] | None = None
    interim: InterimSettings = field(default_factory=InterimSettings)
    # The deployment's custom vocabulary (CUSTOM_VOCABULARY), merged after each stream's own (speech/vocabulary.py)
    vocabulary: tuple[Term, ...] = ()
    vocabulary_settings: VocabularySettings | None = None  # None: the engine's measured defaults (speech/tuning.py)


class WhisperEngine:
    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = s = settings or EngineSettings()
        self.files = models.resolve(s.engine, s.cache_dir)
        self.decode_options = s.decode or tuning.decode_options(s.engine)
        self.endpoint_settings = s.endpoint or tuning.endpoint_settings(s.engine)
        self.vocabulary_settings = s.vocabulary_settings or tuning.vocabulary_settings(s.engine)
        self._decoder = WhisperDecoder(
            self.files,
            workers=s.decode_workers,
            threads_per_worker=s.threads_per_worker,
            detectable=tuple(dict.fromkeys(models.iso_code(t) for t in self.languages if t != models.AUTO)),
        )
        self._vad = SileroVad()
        self._pool = DecodePool(max_workers=s.decode_workers, thread_name_prefix="decode")

    @property
    def languages(self) -> tuple[str, ...]:
        own = self.files.languages
        return own if self.settings.languages is None else tuple(t for t in own if t in self.settings.languages)

    def check_language(self, language: str) -> None:
        if language not in self.languages:
            raise UnsupportedLanguage(
                f"language {language!r} is not supported by the {self.files.name} engine; "
                f"supported: {', '.join(self.languages)}"
            )

    def stream(
        self, options: StreamOptions, on_utterance: OnUtterance, on_interim: OnInterim | None = None
    ) -> StreamRecognizer:
        """`on_interim` receives interim transcripts when options.interim_results is set."""
        self.check_language(options.language)
        decode = self.decode_options
        if options.detailed_token and not decode.word_timestamps:
            decode = DecodeOptions(**{**decode.__dict__, "word_timestamps": True})
        terms = vocabulary.merge(options.vocabulary, self.settings.vocabulary)
        decode = vocabulary.with_vocabulary(decode, terms, self._count_tokens, self.vocabulary_settings)
        vad = self.vad_stream(self.endpoint_settings)
        if options.vad_state is not None:
            vad.restore(options.vad_state)
        return StreamRecognizer(
            vad=vad,
            decoder=self._decoder,
            pool=self._pool,
            decode_options=decode,
            endpoint=self.endpoint_settings,
            offset_ms=options.offset_ms,
            on_utterance=on_utterance,
            language=models.iso_code(options.language),
            first_sequence=options.first_sequence,
            context=options.context,
            floor=options.floor_samples,
            context_filter=options.context_filter,
            on_interim=on_interim if options.interim_results else None,
            interim=self.settings.interim,
        )

    def _count_tokens(self, text: str) -> int:
        return len(self._decoder.tokenizer("en").encode(text))

    def vad_stream(self, endpoint: EndpointSettings) -> VadStream:
        """A participant's VAD, reset after `endpoint`'s silence (the endpointer's release counts as silence)."""
        return self._vad.stream(reset_after_ms=endpoint.vad_reset_after_ms, quiet_below=endpoint.release)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
