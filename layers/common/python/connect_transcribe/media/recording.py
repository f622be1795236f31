"""Read a saved Connect GetMedia recording (MKV) into each participant's 8 kHz PCM, for offline transcription."""

from __future__ import annotations

from pathlib import Path

from connect_transcribe.media.connect_stream import AudioFrame, ConnectStreamDecoder
from connect_transcribe.media.mkv import MkvStreamParser
from connect_transcribe.models.api import Role

EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def is_mkv(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == EBML_MAGIC


def read_connect_mkv(path: Path, chunk: int = 1 << 16) -> dict[Role, bytes]:
    """Participant → s16le PCM, frames in stream order (gaps are not filled). Raises MkvError, KvsStreamError,
    UnsupportedAudio on a recording that is not Connect audio."""
    parser, decoder = MkvStreamParser(), ConnectStreamDecoder()
    audio: dict[Role, bytearray] = {Role.CUSTOMER: bytearray(), Role.AGENT: bytearray()}
    with path.open("rb") as handle:
        while data := handle.read(chunk):
            for event in decoder.decode(parser.feed(data)):
                if isinstance(event, AudioFrame):
                    audio[event.role] += event.pcm
        for event in decoder.decode(parser.close()):
            if isinstance(event, AudioFrame):
                audio[event.role] += event.pcm
    return {role: bytes(pcm) for role, pcm in audio.items()}
