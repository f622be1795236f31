"""In-memory stand-ins for the delivery ports: a scripted transport, a fake clock, a list DLQ and metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connect_transcribe.delivery.ports import DeadLetter, HttpReply


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime(2026, 11, 24, 12, 0, tzinfo=UTC) + timedelta(seconds=self.t)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


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
        self.clock.t += self.cost_s
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
