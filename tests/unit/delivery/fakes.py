"""In-memory stand-ins for the delivery ports: a scripted transport, a list DLQ and metrics (the clock: tests/clock.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connect_transcribe.delivery.ports import DeadLetter, HttpReply

from tests.clock import FakeClock


@dataclass
class Sent:
    url: str
    body: bytes
    headers: dict[str, str]
    timeout_s: float


@dataclass
class ScriptedTransport:
    """Answers (or raises) the scripted outcomes in turn, then 200; each call costs `cost_s` of fake time."""

    clock: FakeClock
    script: list[HttpReply | Exception] = field(default_factory=list)
    cost_s: float = 0.01
    sent: list[Sent] = field(default_factory=list)

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout_s: float) -> HttpReply:
        self.sent.append(Sent(url, body, dict(headers), timeout_s))
        self.clock.advance(self.cost_s)
        outcome = self.script.pop(0) if self.script else HttpReply(200)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@dataclass
class ListDeadLetters:
    letters: list[DeadLetter] = field(default_factory=list)
    fail: bool = False

    def send(self, letter: DeadLetter) -> None:
        if self.fail:
            raise RuntimeError("sqs unavailable")
        self.letters.append(letter)


@dataclass
class CountingMetrics:
    counts: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    named_latencies: dict[str, list[float]] = field(default_factory=dict)

    def count(self, name: str, value: float = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value

    def latency_ms(self, name: str, value: float) -> None:
        self.latencies.append(value)
        self.named_latencies.setdefault(name, []).append(value)
