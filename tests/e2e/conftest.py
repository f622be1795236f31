"""The whole local stack (local/stack.py) on the committed sample call, and the checks every end-to-end test makes:
what reached the webhook against the call's reference and against the after-call API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities import parameters
from connect_transcribe_dev.stack import LocalDeployment, PlayedCall

from bench.speech.reference import Call, load_call, word_errors
from tests.webhook_schema import schema_errors

SAMPLE = Path(__file__).parents[1] / "fixtures" / "calls" / "sample-01-balance-check.wav"
SPEED = 4.0  # the 31 s call plays in ~8 s
# Chosen from `make bench-speech`: streaming WER of tiny.en on espeak telephone voices is ~45-50 % (the sample
# call's voices); the bar catches a pipeline that loses or mangles text, not the model's limits. Same bar as
# tests/integration/speech/test_sample_call.py.
MAX_WER = 0.65
TIMING_MS = 300


@dataclass(frozen=True)
class Transcript:
    """One utterance as the webhook receiver got it (or as the after-call API lists it)."""

    utterance_id: str
    stream_id: str
    role: str
    sequence: int
    start_ms: int
    end_ms: int
    text: str

    @classmethod
    def from_webhook(cls, body: dict[str, Any]) -> Transcript:
        response = body["autotranscribeResponse"]
        return cls(
            body["utteranceId"],
            body["streamId"],
            body["sender"]["role"],
            body["sequence"],
            response["start"],
            response["end"],
            " ".join(u["text"] for u in response["utterance"]),
        )

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> Transcript:
        return cls(
            item["messageId"],
            item["streamId"],
            item["sender"]["role"],
            item["sequence"],
            item["start"],
            item["end"],
            item["text"],
        )


@pytest.fixture(scope="session")
def call() -> Call:
    return load_call(SAMPLE)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalDeployment]:
    """A fresh stack per test (it owns the process environment while it runs); the worker's log stays in tmp_path
    for a failing test."""
    # powertools keeps its Secrets Manager client in a module-level provider, bound to the endpoint of the stack that
    # first used it, and LocalDeployment does not reset it: without this a second stack in one process (or a later moto
    # test) cannot fetch the webhook secret, and every delivery is deferred.
    parameters.clear_caches()
    try:
        with LocalDeployment(end_of_stream_s=3.0, worker_log=tmp_path / "worker.log") as running:
            yield running
            # every body local mode's receiver got, end to end, is the documented transcript message
            bodies = running.receiver.bodies()
            errors = [(b.get("utteranceId"), e) for b in bodies for e in schema_errors(b)]
            assert not errors, f"webhook bodies that do not match docs/openapi.json: {errors}"
    finally:
        parameters.clear_caches()


def received(stack: LocalDeployment, contact_id: str) -> list[Transcript]:
    """Unique utterances in arrival order."""
    return [Transcript.from_webhook(body) for body in stack.receiver.bodies(contact_id)]


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout:g} s")
        time.sleep(0.05)


def finish(stack: LocalDeployment, call: PlayedCall, *, timeout: float = 60.0) -> list[Transcript]:
    """After the flow's stop: the gateway drains the call and every published utterance reaches the receiver."""
    stack.wait_finished(call.contact_id, timeout=timeout)
    published = {t.utterance_id for t in api_transcript(stack, call.contact_id)}
    wait_for(
        lambda: published <= {t.utterance_id for t in received(stack, call.contact_id)}, timeout, "webhook delivery"
    )
    return received(stack, call.contact_id)


def api_transcript(stack: LocalDeployment, contact_id: str) -> list[Transcript]:
    return [Transcript.from_api(item) for item in stack.transcript(contact_id)]


def show(transcripts: list[Transcript]) -> str:
    return "\n".join(f"{t.role:8} {t.sequence:2} {t.start_ms:6}-{t.end_ms:6} {t.text}" for t in transcripts)


def check_against_reference(transcripts: list[Transcript], call: Call) -> None:
    """Every reference utterance arrived with its role and times, per-stream sequences run 1..n without gaps, and
    each participant's text is within the WER bar: what an uninterrupted run delivers."""
    for role in ("customer", "agent"):
        mine = sorted((t for t in transcripts if t.role == role), key=lambda t: t.sequence)
        assert len({t.stream_id for t in mine}) == 1, show(mine)
        assert [t.sequence for t in mine] == list(range(1, len(mine) + 1)), show(mine)
        for ref in (u for u in call.utterances if u.role == role):
            covering = [t for t in mine if t.start_ms < ref.end_ms and ref.start_ms < t.end_ms]
            assert covering, f"{role} utterance at {ref.start_ms} ms ({ref.text!r}) never arrived\n{show(mine)}"
            assert abs(covering[0].start_ms - ref.start_ms) <= TIMING_MS, (ref, show(covering))
            assert abs(covering[-1].end_ms - ref.end_ms) <= TIMING_MS, (ref, show(covering))
        errors = word_errors(call.transcript(role), " ".join(t.text for t in mine))
        assert errors.rate <= MAX_WER, (role, errors, show(mine))


def check_same_as_api(transcripts: list[Transcript], stack: LocalDeployment, contact_id: str) -> None:
    """The receiver's unique utterances are exactly the after-call API's messages: nothing lost, nothing extra."""
    stored = api_transcript(stack, contact_id)
    assert sorted(transcripts, key=_key) == sorted(stored, key=_key), (
        f"webhook:\n{show(transcripts)}\napi:\n{show(stored)}"
    )


def _key(t: Transcript) -> tuple[str, int]:
    return t.role, t.sequence
