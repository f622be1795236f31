"""Decoding and endpointing defaults per engine, chosen by measurement on the dev calls (`make bench-speech-sweep`;
the README's Speech engine section has the tables). A `dir:` model gets the class defaults."""

from __future__ import annotations

from connect_transcribe.speech.endpointer import EndpointSettings
from connect_transcribe.speech.whisper import DecodeOptions

DECODE: dict[str, DecodeOptions] = {
    "tiny.en": DecodeOptions(),
    "base": DecodeOptions(),
}
ENDPOINT: dict[str, EndpointSettings] = {
    "tiny.en": EndpointSettings(),
    "base": EndpointSettings(),
}


def decode_options(engine: str) -> DecodeOptions:
    return DECODE.get(engine, DecodeOptions())


def endpoint_settings(engine: str) -> EndpointSettings:
    return ENDPOINT.get(engine, EndpointSettings())
