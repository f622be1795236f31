"""Faults during a live call on the whole local stack: the webhook receiver down for 10 s, the media gateway worker
process killed and replaced, the KVS connection cut. Each time the receiver ends with what an uninterrupted run
delivers: every reference utterance, sequences 1..n per stream, exactly the after-call API's messages."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from connect_transcribe_dev.stack import LocalDeployment

from bench.speech.reference import Call
from tests.e2e.conftest import (
    SPEED,
    TIMING_MS,
    check_against_reference,
    check_same_as_api,
    finish,
    received,
    wait_for,
)

OUTAGE_S = 10.0


def dead_letters(stack: LocalDeployment) -> int:
    assert stack.resources is not None
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.resources.utterances_dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def spy_on_connections(stack: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each GetMedia connection opened from now on (the server tells its fault injector of every one)."""
    opened: list[float] = []
    faults = stack.kvs.faults
    connected = faults.connected

    def record(connection: Any) -> None:
        opened.append(time.time())
        connected(connection)

    monkeypatch.setattr(faults, "connected", record)
    return opened


def test_a_receiver_down_for_10_s_mid_call_gets_everything_once_it_is_back(stack: LocalDeployment, call: Call) -> None:
    # Given a call playing at 2x (15.6 s of wall time), so a 10 s outage from its start falls inside it
    played, producer = stack.begin_call(call.pcm("customer"), call.pcm("agent"), speed=2.0)
    # When the receiver answers 503 to everything for 10 s, then recovers while the call goes on
    stack.receiver.set_down(True)
    time.sleep(OUTAGE_S)
    stack.receiver.set_down(False)
    back_at = time.time()
    assert not producer.done.is_set()
    producer.done.wait()
    stack.end_call(played)
    transcripts = finish(stack, played)

    # Then deliveries were refused during the outage and retried after it
    assert stack.receiver.refused > 0
    assert any(r.arrived_at >= back_at for r in stack.receiver.received)
    # and nothing was lost: every utterance arrived, none was dead-lettered
    check_against_reference(transcripts, call)
    check_same_as_api(transcripts, stack, played.contact_id)
    assert dead_letters(stack) == 0


def test_a_killed_worker_is_replaced_without_losing_or_repeating_utterances(stack: LocalDeployment, call: Call) -> None:
    # Given a call whose first utterances the worker process has already delivered
    played, producer = stack.begin_call(call.pcm("customer"), call.pcm("agent"), speed=SPEED)
    wait_for(lambda: len(received(stack, played.contact_id)) >= 2, 30, "first transcripts")
    # When the process is killed outright mid-call (no handover, no lease release) and a new one is started
    doomed = stack.worker
    stack.kill_worker()
    assert doomed is not None and doomed.returncode == -9
    delivered_before_kill = len(received(stack, played.contact_id))
    stack.start_worker()
    producer.done.wait()
    # Then the new process takes the session over once the lease expires and transcribes the rest of the call.
    # (The stop waits for that: at SPEED x real time the audio's producer timestamps run ahead of the wall clock,
    # so a stop issued before the takeover would put the drain point, which is wall-clock time, mid-call; with
    # Connect both clocks agree and a late takeover drains exactly to the stop.)
    wait_for(lambda: heard_to_the_end(received(stack, played.contact_id), call), 90, "the rest of the call")
    stack.end_call(played)
    transcripts = finish(stack, played, timeout=90)
    assert len(transcripts) > delivered_before_kill
    # with nothing lost
    check_against_reference(transcripts, call)
    # and nothing twice: the receiver's unique utterances are exactly the stored ones (a replayed publish carries
    # the same utteranceId and is only acknowledged as a repeat)
    check_same_as_api(transcripts, stack, played.contact_id)
    assert dead_letters(stack) == 0


def test_kvs_connections_cut_mid_call_lose_nothing(
    stack: LocalDeployment, call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a call whose first transcript has arrived
    played, producer = stack.begin_call(call.pcm("customer"), call.pcm("agent"), speed=SPEED)
    wait_for(lambda: received(stack, played.contact_id), 30, "first transcript")
    reconnections = spy_on_connections(stack, monkeypatch)
    # When its GetMedia connection breaks mid-fragment, and so does the first reconnection
    assert stack.kvs.faults.cut_connections(played.stream_arn, after_bytes=1500, next_connections=1) >= 1
    producer.done.wait()
    stack.end_call(played)
    transcripts = finish(stack, played)

    # Then the worker reconnected past both cuts
    assert len(reconnections) >= 2
    # and resumed where it was cut: every utterance arrived once, in sequence
    check_against_reference(transcripts, call)
    check_same_as_api(transcripts, stack, played.contact_id)
    assert stack.receiver.duplicates == 0


def heard_to_the_end(transcripts: list[Any], call: Call) -> bool:
    """Each participant's last reference utterance has arrived (a stream publishes in order: so has the rest)."""
    for role in ("customer", "agent"):
        last = max(u.end_ms for u in call.utterances if u.role == role)
        if not any(t.role == role and t.end_ms >= last - TIMING_MS for t in transcripts):
            return False
    return True
