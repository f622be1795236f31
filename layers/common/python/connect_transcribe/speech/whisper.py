"""Whisper decoding of one utterance with CTranslate2 (via faster-whisper's model and tokenizer).

faster-whisper's `transcribe` pads every input to 30 s, so a 3 s utterance costs as much as a 30 s one.
Here the encoder sees only the utterance plus a silent tail (at least a 5 s window), which CTranslate2
accepts: on one core, encoding 30 s of features takes ~325 ms, 5 s takes ~16 ms. The output length is bounded by the
audio length, so a repetition loop cannot run for seconds.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from connect_transcribe.speech.audio import WHISPER_RATE, normalize_level, to_whisper_rate
from connect_transcribe.speech.language import pick
from connect_transcribe.speech.weights import AUTO, ModelFiles, iso_code

MAX_FRAMES = 3000  # 30 s of features: Whisper's positional embedding length
HOP = 160
MAX_PROMPT_TOKENS = 223
MAX_TEXT_TOKENS = 448  # Whisper's text positions: prompt and output together


@dataclass(frozen=True)
class DecodeOptions:
    beam_size: int = 1
    fallback_beam_size: int = 5  # retried once when the first pass looks like a loop or is very unsure
    pad_seconds: float = 0.5  # silent tail appended before encoding
    # Shorter windows make Whisper loop on short replies ("Yes." -> "Yeah Yeah Yeah"); measured on
    # espeak clips: 1-3 s windows loop, 4-5 s do not, at ~30 ms per decode on one core.
    min_window_seconds: float = 5.0
    # Conditioning on the previous utterance made Whisper repeat itself across utterances: on the dev set
    # streaming WER went from 41 % to 121 % on one call (insertions 27 -> 180). Off by default.
    use_previous_text: bool = False
    initial_prompt: str | None = None  # domain vocabulary, used when there is no previous text
    # Maps decoded text back to the custom vocabulary's phrases (speech/vocabulary.py Corrector), before word timing.
    corrector: Callable[[str], str] | None = None
    # initial_prompt only for utterances at least this long (a segment's length decides, so its early and final
    # decodes agree): on backchannels a vocabulary prompt made the decoder write names (bench/speech/vocabulary.py)
    prompt_min_seconds: float = 0.0
    max_tokens_per_second: float = 6.0
    # Measured on the dev set: 1.0 -> 1.1 -> 1.15 took oracle WER 55.6 % -> 44.3 % -> 43.5 %, mostly by
    # removing loops ("How can I help? How can I help? How").
    repetition_penalty: float = 1.15
    no_repeat_ngram_size: int = 0
    # The fallback's repetition penalty (None: the first pass's). A penalty stops loops but also penalises real
    # repeats ("one one one one" in a card number), so it can be kept for the retry of a looping first pass.
    fallback_repetition_penalty: float | None = None
    compression_ratio_threshold: float = 2.4
    logprob_threshold: float = -1.0
    word_timestamps: bool = False
    # Audio preparation (8 kHz call audio -> 16 kHz model input), benchmarked like the decoding options.
    normalize_level: bool = True
    resampler: str = "polyphase"  # "polyphase" (Kaiser FIR) or "linear" (interpolation, for comparison)


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class Decoded:
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: tuple[Word, ...] = field(default_factory=tuple)
    retried: bool = False  # the beam-search fallback ran and its result was kept
    first_pass_ms: float = 0.0  # features, encoder, the first decoding pass and word alignment
    fallback_ms: float = 0.0  # the beam-search fallback; 0 when it did not run
    # language="auto": the detected ISO code and its probability among the detectable languages (None otherwise)
    language: str | None = None
    language_probability: float | None = None


def prepare(audio: np.ndarray, options: DecodeOptions) -> np.ndarray:
    """8 kHz float32 call audio -> the 16 kHz model input, as `options` says."""
    if options.normalize_level:
        audio = normalize_level(audio)
    if options.resampler == "linear":
        positions = np.arange(audio.size * 2, dtype=np.float32) / 2
        return np.interp(positions, np.arange(audio.size), audio).astype(np.float32)
    return to_whisper_rate(audio)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


class WhisperDecoder:
    """One loaded model shared by every stream; `workers` decodes may run at once (CTranslate2 replicas)."""

    def __init__(
        self, files: ModelFiles, *, workers: int = 1, threads_per_worker: int = 1, detectable: tuple[str, ...] = ()
    ) -> None:
        """`detectable`: the ISO codes language="auto" chooses among (default: every language of `files`)."""
        self.files = files
        self.detectable = detectable or tuple(dict.fromkeys(iso_code(t) for t in files.languages if t != AUTO))
        self._model = WhisperModel(
            str(files.path),
            device="cpu",
            compute_type="int8",
            cpu_threads=threads_per_worker,
            num_workers=workers,
            local_files_only=True,
        )
        self._tokenizers: dict[str, Tokenizer] = {}
        self._suppress = list(get_suppressed_tokens(self.tokenizer("en"), (-1,)) or ())

    def tokenizer(self, language: str) -> Tokenizer:
        """Per ISO 639-1 language for multilingual models; English-only models have one tokenizer."""
        key = language if self.files.multilingual else ""
        if key not in self._tokenizers:
            self._tokenizers[key] = Tokenizer(
                self._model.hf_tokenizer,
                self.files.multilingual,
                task="transcribe",
                language=language if self.files.multilingual else None,
            )
        return self._tokenizers[key]

    def decode(
        self, audio: np.ndarray, options: DecodeOptions, previous_text: str | None = None, language: str = "en"
    ) -> Decoded:
        """`audio`: 16 kHz float32 mono, one utterance (at most 30 s)."""
        began = time.perf_counter()
        encoder_output, frames = self.encode(audio, options)
        detected: tuple[str, float] | None = None
        if language == AUTO:  # on the encoder output this decode needs anyway: no second encode
            detected = self.detect(encoder_output)
            language = detected[0]
        tokenizer = self.tokenizer(language)
        context = previous_text if options.use_previous_text else None
        seconds = audio.size / WHISPER_RATE
        initial = options.initial_prompt if seconds >= options.prompt_min_seconds else None
        prompt = _prompt(tokenizer, context or initial)
        # The text budget grows with the audio's length.
        max_length = generation_limit(int(10 + options.max_tokens_per_second * seconds), len(prompt))

        decoded = self._generate(
            tokenizer,
            encoder_output,
            prompt,
            beam_size=options.beam_size,
            max_length=max_length,
            options=options,
            repetition_penalty=options.repetition_penalty,
        )
        fallback_ms = 0.0
        looping = decoded.compression_ratio > options.compression_ratio_threshold
        if _fallback_differs(options) and (looping or decoded.avg_logprob < options.logprob_threshold):
            fallback_began = time.perf_counter()
            retry = self._generate(
                tokenizer,
                encoder_output,
                prompt,
                beam_size=max(options.fallback_beam_size, options.beam_size),
                max_length=max_length,
                options=options,
                repetition_penalty=_fallback_penalty(options),
            )
            fallback_ms = (time.perf_counter() - fallback_began) * 1000
            # A loop is judged by how much it repeats (a loop is often the likelier text), anything else by log-prob.
            better = (
                retry.compression_ratio < decoded.compression_ratio
                if looping
                else retry.avg_logprob > decoded.avg_logprob
            )
            if better:
                decoded = replace(retry, retried=True)
        if options.corrector is not None and decoded.text:
            decoded = replace(decoded, text=options.corrector(decoded.text))
        if options.word_timestamps and decoded.text:
            words = self._words(tokenizer, decoded, encoder_output, num_frames=min(frames, int(seconds * 100)))
            decoded = replace(decoded, words=words)
        total_ms = (time.perf_counter() - began) * 1000
        if detected is not None:
            decoded = replace(decoded, language=detected[0], language_probability=round(detected[1], 3))
        return replace(decoded, first_pass_ms=round(total_ms - fallback_ms, 2), fallback_ms=round(fallback_ms, 2))

    def detect(self, encoder_output: object) -> tuple[str, float]:
        """The most probable detectable language of an encoded utterance (English-only models: always "en")."""
        if not self.files.multilingual:
            return "en", 1.0
        return pick(self._model.model.detect_language(encoder_output)[0], self.detectable)

    def encode(self, audio: np.ndarray, options: DecodeOptions) -> tuple[object, int]:
        """The encoder output for `audio` (16 kHz) padded with silence to the minimum window, and its frame count."""
        tail_seconds = max(options.pad_seconds, options.min_window_seconds - audio.size / WHISPER_RATE)
        tail = np.zeros(int(tail_seconds * WHISPER_RATE), dtype=np.float32)
        features = self._model.feature_extractor(np.concatenate((audio, tail)), padding=0)
        frames = min(features.shape[-1] - features.shape[-1] % 2, MAX_FRAMES)
        return self._model.encode(features[:, :frames]), frames

    def _generate(
        self,
        tokenizer: Tokenizer,
        encoder_output: object,
        prompt: list[int],
        *,
        beam_size: int,
        max_length: int,
        options: DecodeOptions,
        repetition_penalty: float,
        forced: int = 0,
    ) -> Decoded:
        """`forced`: tokens at the end of `prompt` (a prefix the text must start with) left out of the text."""
        result = self._model.model.generate(
            encoder_output,
            [prompt],
            beam_size=beam_size,
            max_length=max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            repetition_penalty=repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
        )[0]
        if not result.sequences_ids:  # beam search can end with no finished hypothesis
            return Decoded(
                text="", avg_logprob=-10.0, no_speech_prob=float(result.no_speech_prob), compression_ratio=0.0
            )
        tokens = [t for t in result.sequences_ids[0][forced:] if t < tokenizer.eot]
        text = tokenizer.decode(tokens).strip()
        # With the default length penalty (1.0) CTranslate2's score is the log-prob averaged over tokens.
        avg_logprob = float(result.scores[0]) if tokens else -10.0
        return Decoded(
            text=text,
            avg_logprob=avg_logprob,
            no_speech_prob=float(result.no_speech_prob),
            compression_ratio=compression_ratio(text),
        )

    def align(self, audio: np.ndarray, text: str, options: DecodeOptions, language: str = "en") -> tuple[Word, ...]:
        """Where each word of a known `text` lies in `audio` (16 kHz, at most 30 s): forced alignment, for
        benchmarks that time words by their reference (not by what the engine heard)."""
        encoder_output, frames = self.encode(audio, options)
        seconds = audio.size / WHISPER_RATE
        decoded = Decoded(text=text, avg_logprob=0.0, no_speech_prob=0.0, compression_ratio=0.0)
        return self._words(
            self.tokenizer(language), decoded, encoder_output, num_frames=min(frames, int(seconds * 100))
        )

    def _words(
        self, tokenizer: Tokenizer, decoded: Decoded, encoder_output: object, num_frames: int
    ) -> tuple[Word, ...]:
        tokens = tokenizer.encode(" " + decoded.text)
        alignment = self._model.find_alignment(tokenizer, [tokens], encoder_output, num_frames)
        return tuple(
            Word(
                text=w["word"].strip(),
                start_s=float(w["start"]),
                end_s=float(w["end"]),
                probability=float(w["probability"]),
            )
            for w in (alignment[0] if alignment else [])
            if w["word"].strip()
        )


def generation_limit(new_tokens: int, prompt_tokens: int) -> int:
    """CTranslate2's `max_length` that lets Whisper generate `new_tokens` after a prompt of `prompt_tokens`.

    CTranslate2 counts the prompt in max_length, and its Whisper decodes at most half of max_length as well
    (`min(max_length / 2, max_length - start)` in whisper.cc, OpenNMT/CTranslate2#1856). Passing the prompt plus the
    budget, as this module did until 2026-12-04, gave about half the budget: long utterances lost their last words.
    """
    return min(MAX_TEXT_TOKENS, max(2 * new_tokens, prompt_tokens + new_tokens))


def _fallback_penalty(options: DecodeOptions) -> float:
    penalty = options.fallback_repetition_penalty
    return options.repetition_penalty if penalty is None else penalty


def _fallback_differs(options: DecodeOptions) -> bool:
    """A retry is worth running only if it decodes differently: a wider beam or another repetition penalty."""
    return options.fallback_beam_size > options.beam_size or _fallback_penalty(options) != options.repetition_penalty


def _prompt(tokenizer: Tokenizer, context: str | None) -> list[int]:
    prompt: list[int] = []
    if context:
        prompt = [tokenizer.sot_prev, *tokenizer.encode(" " + context.strip())[-MAX_PROMPT_TOKENS:]]
    return [*prompt, *tokenizer.sot_sequence, tokenizer.no_timestamps]
