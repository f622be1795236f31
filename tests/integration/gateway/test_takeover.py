"""Ownership: a worker that is shut down (SIGTERM) or killed mid-call is replaced, and the utterances that reach
the store and the delivery queue are exactly those of an uninterrupted run — nothing lost, nothing twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid

import pytest
from connect_transcribe.gateway.session import SessionOutcome
from connect_transcribe.models.utterance import UtteranceMessage

from bench.speech.reference import Call, load_call
from tests.integration.gateway.conftest import SAMPLE, Gateway, ListMetrics, wait_for


@pytest.fixture(scope="module")
def call() -> Call:
    return load_call(SAMPLE)


class Repeated:
    """A call's audio played `times` over: the sample call twice is 62 s, so a recording's first 30 s segment is
    written well before the call ends."""

    def __init__(self, call: Call, times: int) -> None:
        self.call, self.times = call, times

    def pcm(self, role: str) -> bytes:
        return self.call.pcm(role) * self.times


def start_call(gateway: Gateway, call: Call | Repeated, *, recorded: bool = False) -> str:
    guid = str(uuid.uuid4())
    arn, producer = gateway.call(guid, call.pcm("customer"), call.pcm("agent"))
    params = {"autotranscribeParams": {"language": "en-US", "audioRecordingAllowed": True}} if recorded else {}
    gateway.start(guid, arn, producer.first_fragment_number, **params)
    return guid


def assert_recording_is_the_call(gateway: Gateway, guid: str, call: Call | Repeated) -> None:
    """Every sample of both participants once, in place: the recording is the call's audio as played."""
    customer, agent = gateway.recording(guid)
    for role, recorded in (("customer", customer), ("agent", agent)):
        played = call.pcm(role)
        assert len(recorded) >= len(played) - 2 * 8 * 64, (role, len(recorded), len(played))
        assert recorded[: len(played)] == played[: len(recorded)], f"{role}: the recording differs from the call"


def shape(messages: list[UtteranceMessage]) -> list[tuple[str, int, str]]:
    return sorted((m.role.value, m.sequence, m.text) for m in messages)


def assert_same_run(taken_over: list[UtteranceMessage], reference: list[UtteranceMessage]) -> None:
    def show(ms: list[UtteranceMessage]) -> str:
        return "\n".join(
            f"{m.role.value:8} {m.sequence:2} {m.start_ms:6}-{m.end_ms:6} g{m.generation} {m.text}" for m in ms
        )

    assert shape(taken_over) == shape(reference), f"taken over:\n{show(taken_over)}\nreference:\n{show(reference)}"

    by_key = {(m.role, m.sequence): m for m in reference}
    for m in taken_over:
        ref = by_key[(m.role, m.sequence)]
        assert abs(m.start_ms - ref.start_ms) <= 100 and abs(m.end_ms - ref.end_ms) <= 100, (m, ref)


def assert_delivered_once(gateway: Gateway, stored: list[UtteranceMessage]) -> None:
    queued = gateway.queued()
    ids = [m.utterance_id for m in queued]
    assert sorted(ids) == sorted(m.utterance_id for m in stored)  # FIFO de-duplication drops replays


def test_sigterm_hands_sessions_to_another_worker_without_loss_or_repeats(gateway: Gateway, call: Call) -> None:
    # Given a reference run of the call on one worker
    first = gateway.worker("worker-a")
    reference_guid = start_call(gateway, call)
    assert gateway.wait_finished(reference_guid, first) is SessionOutcome.ENDED
    reference = gateway.messages(reference_guid)
    gateway.queued()
    # and the same call on that worker again, which is shut down (scale-in, deploy) 12 s into the call
    guid = start_call(gateway, call)
    wait_for(lambda: len(gateway.messages(guid)) >= 2, 30, "the first utterances")
    wait_for(lambda: gateway.clock.now_ms() - gateway.conversation(guid).created_at_ms >= 12_000, 30, "12 s")
    first.shutdown()
    assert first.wait_stopped(30)
    assert (guid, SessionOutcome.HANDED_OVER) in first.finished
    lease = gateway.store.lease(guid)
    assert lease is not None and lease.owner is None and lease.checkpoint is not None
    # When another worker picks the session up (the job is visible again at once)
    metrics = ListMetrics()
    second = gateway.worker("worker-b", metrics=metrics)
    assert gateway.wait_finished(guid, second) is SessionOutcome.ENDED
    assert metrics.of("SessionsTakenOver") == [1]  # the dashboard's takeover count
    # Then the utterances equal the uninterrupted run's, and each reached the delivery queue once
    stored = gateway.messages(guid)
    assert_same_run(stored, reference)
    assert_delivered_once(gateway, stored)


def past_the_first_segment(gateway: Gateway, guid: str) -> bool:
    """The owner's checkpoint: the recording's first segment written, every participant's transcript settled at
    least 3 s into the second."""
    lease = gateway.store.lease(guid)
    checkpoint = lease.checkpoint if lease is not None else None
    if checkpoint is None or checkpoint.origin_ts_ms is None or checkpoint.recording_segment != 1:
        return False
    resumes = [s.resume_ts_ms for s in checkpoint.streams.values()]
    return len(resumes) == 2 and all(r is not None and r - checkpoint.origin_ts_ms >= 33_000 for r in resumes)


def test_a_killed_worker_is_replaced_after_its_lease_expires(gateway: Gateway, call: Call) -> None:
    # Given a worker process (one session at a time) that takes a recorded call
    call = Repeated(call, 2)
    process = subprocess.Popen(
        [sys.executable, "-m", "connect_transcribe.gateway"],
        env={**gateway.worker_env("doomed"), "MAX_SESSIONS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        guid = start_call(gateway, call, recorded=True)
        wait_for(lambda: (lease := gateway.store.lease(guid)) and lease.owner == "doomed", 60, "the process's lease")
        # and, meanwhile, a reference run of the same call on an in-process worker
        survivor = gateway.worker("survivor")
        reference_guid = start_call(gateway, call)
        wait_for(lambda: len(gateway.messages(guid)) >= 2, 60, "the doomed worker's first utterances")
        # and it has written the recording's first 30 s (the successor must not write them twice), and transcribed
        # so far past them that the successor's transcripts restart later than the recording it must redo
        wait_for(lambda: past_the_first_segment(gateway, guid), 60, "a checkpoint well into the second segment")
        # When the process is killed outright (no handover, no lease release)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    lease = gateway.store.lease(guid)
    assert lease is not None and lease.owner == "doomed"
    # Then the other worker takes the session over once the job reappears and the lease has expired
    assert gateway.wait_finished(guid, survivor, timeout=90) is SessionOutcome.ENDED
    assert gateway.wait_finished(reference_guid, survivor) is SessionOutcome.ENDED
    stored = gateway.messages(guid)
    assert_same_run(stored, gateway.messages(reference_guid))
    queued = [m for m in gateway.queued() if m.guid == guid]
    assert sorted(m.utterance_id for m in queued) == sorted(m.utterance_id for m in stored)
    # and the recording holds the whole call once: nothing lost, shifted or doubled across the kill
    assert_recording_is_the_call(gateway, guid, call)


def test_sigterm_to_the_worker_process_releases_its_sessions_and_exits(gateway: Gateway, call: Call) -> None:
    # Given a worker process running a call
    process = subprocess.Popen(
        [sys.executable, "-m", "connect_transcribe.gateway"],
        env={**gateway.worker_env("leaving"), "MAX_SESSIONS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        guid = start_call(gateway, call)
        wait_for(lambda: len(gateway.messages(guid)) >= 1, 60, "the process's first utterance")
        # When ECS stops the task (SIGTERM)
        process.send_signal(signal.SIGTERM)
        # Then it hands the session over and exits cleanly, well within the task's stop timeout
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    lease = gateway.store.lease(guid)
    assert lease is not None and lease.owner is None and lease.checkpoint is not None
    # and another worker finishes the call at once, without gaps or repeats
    survivor = gateway.worker("survivor")
    assert gateway.wait_finished(guid, survivor) is SessionOutcome.ENDED
    for role in ("customer", "agent"):
        sequences = [m.sequence for m in gateway.messages(guid) if m.role.value == role]
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
