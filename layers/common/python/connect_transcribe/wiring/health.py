"""Composition root of the media gateway's container health check (gateway/health.py) and of the worker's side of it:
the liveness file, from settings. Kept apart from wiring/worker.py, which loads the speech engine: the check runs
every 15 s and must answer within seconds."""

from __future__ import annotations

from pathlib import Path

from connect_transcribe.adapters.alive_file import AliveFile
from connect_transcribe.settings import GatewayHealthSettings


def alive_file(settings: GatewayHealthSettings) -> AliveFile:
    return AliveFile(Path(settings.health_file))
