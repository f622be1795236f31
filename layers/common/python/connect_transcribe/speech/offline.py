"""Transcribe a recording through the same streaming path as a live call, faster than real time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ
from connect_transcribe.media.recording import is_mkv, read_connect_mkv
from connect_transcribe.media.wav import read_wav, to_pcm16
from connect_transcribe.models.api import Role
from connect_transcribe.speech.audio import pcm16_to_float, to_phone_rate
from connect_transcribe.speech.ports import SpeechEngine, StreamOptions
from connect_transcribe.speech.recognizer import Utterance

CHUNK_MS = 100
ROLES = ("customer", "agent")


@dataclass
class FileTranscript:
    utterances: list[tuple[str, Utterance]] = field(default_factory=list)  # (role, utterance) in time order
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def transcribe_file(
    engine: SpeechEngine, path: Path, *, language: str = "en-US", tokens: bool = False, progress: TextIO | None = None
) -> FileTranscript:
    result, channels = _load(path)
    lock = threading.Lock()

    def collector(role: str) -> Callable[[Utterance], None]:
        def on_utterance(utterance: Utterance) -> None:
            with lock:
                result.utterances.append((role, utterance))

        return on_utterance

    streams = [
        engine.stream(StreamOptions(language=language, detailed_token=tokens), collector(role))
        for role, _ in zip(ROLES, channels, strict=False)
    ]
    pcm = [to_pcm16(c) for c in channels]
    step = CONNECT_SAMPLE_RATE_HZ * CHUNK_MS // 1000 * 2
    total = max(len(p) for p in pcm)
    show = progress is not None and progress.isatty() and result.seconds > 30
    for offset in range(0, total, step):
        for stream, data in zip(streams, pcm, strict=True):
            if offset < len(data):
                stream.feed(data[offset : offset + step])
        if show and offset % (step * 50) == 0:
            _bar(progress, offset / total)  # type: ignore[arg-type]
    for stream in streams:
        stream.flush()
    if show:
        _bar(progress, 1.0)  # type: ignore[arg-type]
        progress.write("\n")  # type: ignore[union-attr]
    result.utterances.sort(key=lambda item: (item[1].start_ms, item[0]))
    return result


def _load(path: Path) -> tuple[FileTranscript, list[np.ndarray]]:
    """A stereo WAV (customer, agent; any rate) or a saved Connect GetMedia recording (MKV)."""
    if is_mkv(path):
        pcm = read_connect_mkv(path)
        channels = [pcm16_to_float(pcm[Role.CUSTOMER]), pcm16_to_float(pcm[Role.AGENT])]
        if not len(channels[1]):
            channels = channels[:1]  # the older single-track layout: the customer only
        result = FileTranscript(seconds=max(len(c) for c in channels) / CONNECT_SAMPLE_RATE_HZ)
        result.notes.append("Connect MKV recording: tracks AUDIO_FROM_CUSTOMER / AUDIO_TO_CUSTOMER")
        return result, channels
    audio = read_wav(path)
    result = FileTranscript(seconds=audio.seconds)
    if audio.rate != CONNECT_SAMPLE_RATE_HZ:
        result.notes.append(
            f"resampled {audio.rate} Hz to {CONNECT_SAMPLE_RATE_HZ} Hz, as the phone network would carry it"
        )
    if len(audio.channels) > len(ROLES):
        result.notes.append(f"{len(audio.channels)} channels: using the first two (customer, agent)")
    return result, [to_phone_rate(c, audio.rate) for c in audio.channels[: len(ROLES)]]


def _bar(out: TextIO, fraction: float, width: int = 40) -> None:
    filled = int(fraction * width)
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%}")
    out.flush()
