"""A webhook receiver on loopback for local mode and end-to-end tests: records every transcript POST with its
arrival time, verifies the signature, de-duplicates on utteranceId (transcript-interim messages, which share their
final's utteranceId, on their Idempotency-Key), and can be taken down and brought back."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from connect_transcribe.delivery.signing import verify


@dataclass(frozen=True)
class Received:
    body: dict[str, Any]
    headers: dict[str, str]
    arrived_at: float  # epoch seconds
    signature_ok: bool | None  # None: no signing secret configured here


@dataclass
class WebhookReceiver:
    signing_secret: str | None = None
    on_transcript: Callable[[Received], None] | None = None
    port: int = 0
    received: list[Received] = field(default_factory=list)  # unique utterances, in arrival order
    interims: list[Received] = field(default_factory=list)  # unique transcript-interim messages, in arrival order
    duplicates: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._down = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/transcripts"

    def start(self) -> WebhookReceiver:
        receiver = self

        class _Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._accept(raw, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Request)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def set_down(self, down: bool) -> None:
        """Down: answer every POST with 503 (a receiver outage); up again: accept."""
        self._down = down

    def bodies(self, conversation: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                r.body
                for r in self.received
                if conversation is None or r.body["externalConversationId"] == conversation
            ]

    def _accept(self, raw: bytes, headers: dict[str, str]) -> int:
        if self._down:
            with self._lock:
                self.refused += 1
            return 503
        try:
            body = json.loads(raw)
        except ValueError:
            return 400
        signature_ok = None
        if self.signing_secret is not None:
            signature_ok = verify(self.signing_secret, raw, headers.get("X-Signature-SHA256", ""))
            if not signature_ok:
                return 401
        item = Received(body, headers, time.time(), signature_ok)
        interim = body.get("type") == "transcript-interim"
        key = f"{body.get('utteranceId')}/interim/{body.get('revision')}" if interim else body.get("utteranceId")
        with self._lock:
            if key in self._seen:
                self.duplicates += 1
                return 200  # a repeat: acknowledge, keep the first
            self._seen.add(key)
            (self.interims if interim else self.received).append(item)
        if self.on_transcript is not None:
            self.on_transcript(item)
        return 200
