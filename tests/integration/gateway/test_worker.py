"""The media gateway worker end to end: KVS → recognizers → redaction → DynamoDB + SQS, with the control plane."""

from __future__ import annotations

import uuid

import pytest
from connect_transcribe.gateway.redaction import Redactor
from connect_transcribe.gateway.session import SessionOutcome
from connect_transcribe.models.api import Role
from connect_transcribe.models.enums import RedactionOutput
from connect_transcribe.models.session import SessionState
from connect_transcribe.models.utterance import UtteranceMessage
from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe.speech.ports import StreamOptions
from connect_transcribe.speech.recognizer import Utterance

from bench.speech.reference import Call, load_call, word_errors
from tests.integration.gateway.conftest import SAMPLE, Gateway, ListMetrics, wait_for

MAX_WER = 0.65  # same bar as the speech engine's own sample-call test (see tests/integration/speech)


@pytest.fixture(scope="module")
def call() -> Call:
    return load_call(SAMPLE)


def play(gateway: Gateway, call: Call, name: str | None = None) -> tuple[str, str, str]:
    """Given a Connect call on KVS and a start request as the flow sends it (StartFragmentNumber)."""
    guid = name or str(uuid.uuid4())
    arn, producer = gateway.call(guid, call.pcm("customer"), call.pcm("agent"))
    gateway.start(guid, arn, producer.first_fragment_number)
    return guid, arn, producer.first_fragment_number or ""


def check_against_reference(messages: list[UtteranceMessage], call: Call, *, until_ms: int | None = None) -> None:
    for role in Role:
        mine = [m for m in messages if m.role is role]
        assert [m.sequence for m in mine] == list(range(1, len(mine) + 1))
        refs = [u for u in call.utterances if u.role == role.value and (until_ms is None or u.end_ms <= until_ms)]
        for ref in refs:
            covering = [m for m in mine if m.start_ms < ref.end_ms and ref.start_ms < m.end_ms]
            assert covering, f"{role} utterance at {ref.start_ms} ms ({ref.text!r}) was not published"
            assert abs(covering[0].start_ms - ref.start_ms) <= 300, (covering[0].start_ms, ref.start_ms)
            assert abs(covering[-1].end_ms - ref.end_ms) <= 300, (covering[-1].end_ms, ref.end_ms)
        reference = " ".join(u.text for u in refs)
        # an utterance ends within the same 300 ms of its reference end as above, so one ending by until_ms may run past it
        heard = [m for m in mine if until_ms is None or m.end_ms <= until_ms + 300]
        errors = word_errors(reference, " ".join(m.text for m in heard))
        assert errors.rate <= MAX_WER, (role, errors)


def test_a_call_is_transcribed_per_participant_stored_and_queued(gateway: Gateway, call: Call) -> None:
    metrics = ListMetrics()
    worker = gateway.worker(metrics=metrics)
    guid, _, _ = play(gateway, call)
    # When the call plays to its end (media ends: no new audio)
    assert gateway.wait_finished(guid, worker) is SessionOutcome.ENDED
    # Then every reference utterance was published with its role and times, text redacted by default
    messages = gateway.messages(guid)
    check_against_reference(messages, call)
    assert all(m.unredacted_text is None and m.tokens is None for m in messages)
    assert any("#" in m.text for m in messages if m.role is Role.CUSTOMER)  # the phone number
    # and the same utterances are on the delivery queue, once each
    queued = gateway.queued()
    assert sorted(m.utterance_id for m in queued) == sorted(m.utterance_id for m in messages)
    # and the conversation is STOPPED with the stop summary counters written
    assert gateway.conversation(guid).state is SessionState.STOPPED
    summary = gateway.stop(guid).autotranscribe_response
    for role, participant in (("customer", summary.customer), ("agent", summary.agent)):
        assert participant.summary is not None
        assert participant.summary.total_audio_bytes == len(call.pcm(role))
        assert participant.summary.audio_duration_ms == len(call.pcm(role)) // 16
        assert participant.summary.transcripts == len([m for m in messages if m.role.value == role])
    # and every stored utterance carries a plausible breakdown of where its latency went
    for m in messages:
        t = m.timings
        assert t is not None, m
        assert 0 <= t.endpoint_wait_ms <= 400, t  # 288 ms (300 ms of silence in 32 ms windows) unless forced or last
        assert t.endpoint_wait_wall_ms is not None and 0 <= t.endpoint_wait_wall_ms < 2_000, t
        assert 0 <= t.queue_wait_ms < 2_000 and 0 <= t.publish_queue_ms < 2_000, t
        assert 0 < t.first_pass_ms < 5_000 and t.fallback_ms >= 0, t
        # decoded after the close, or early (at the pause): then the decode cost was spent before the close
        assert t.decode_ms < 50 if t.early_decode else t.first_pass_ms <= t.decode_ms, t
        assert t.early_decode or t.first_pass_ms + t.fallback_ms <= t.decode_ms + 1, t
        assert 0 <= t.redact_ms < 100 and t.enqueued_at_ms is None, t  # the stored copy is written before the send
    assert sorted(m.timings.endpoint_wait_ms for m in messages if m.timings)[len(messages) // 2] == 288
    # and the queued copy says when it was enqueued (the webhook Lambda's DeliveryMs starts there)
    assert all(
        q.timings is not None and q.timings.enqueued_at_ms is not None and q.timings.enqueued_at_ms >= q.published_at_ms
        for q in queued
    )
    # and latency metrics were recorded for every utterance, stage by stage
    assert len(metrics.of("PublishLagMs")) == len(messages)
    for name in ("EndpointWaitMs", "QueueWaitMs", "DecodeMs", "PublishQueueMs", "RedactMs", "PublishMs"):
        assert len(metrics.of(name)) == len(messages), name
    assert len(metrics.of("FallbackDecodeMs")) == sum(1 for m in messages if m.timings and m.timings.fallback_ms > 0)
    assert all(0 < v < 5_000 for v in metrics.of("PublishMs"))
    assert metrics.of("SessionsStarted") == [1]
    assert 1 in metrics.of("ActiveSessions") and metrics.of("SessionCapacity")
    assert metrics.of("MillisBehindNow") and all(0 <= v < 5_000 for v in metrics.of("MillisBehindNow"))


def test_stop_mid_call_drains_to_the_stop_point_and_writes_the_summary(gateway: Gateway, call: Call) -> None:
    worker = gateway.worker()
    guid, _, _ = play(gateway, call)
    # When the flow stops streaming 16 s into the call
    wait_for(lambda: gateway.clock.now_ms() - gateway.conversation(guid).created_at_ms >= 16_000, 30, "16 s of call")
    gateway.stop(guid)
    # Then the worker drains to the stop point, publishes what was said before it, and pauses the conversation
    assert gateway.wait_finished(guid, worker) is SessionOutcome.DRAINED
    conv = gateway.conversation(guid)
    assert conv.state is SessionState.PAUSED
    messages = gateway.messages(guid)
    check_against_reference(messages, call, until_ms=15_100)
    assert all(m.start_ms < 17_500 for m in messages), [m.start_ms for m in messages]
    # and a repeated stop reports the audio read up to the stop point (within one fragment) and the transcripts
    summary = gateway.stop(guid).autotranscribe_response
    for participant, role in ((summary.customer, Role.CUSTOMER), (summary.agent, Role.AGENT)):
        assert participant.summary is not None
        assert 15_000 <= participant.summary.audio_duration_ms <= 18_500
        assert participant.summary.total_audio_bytes == participant.summary.audio_duration_ms * 16
        assert participant.summary.transcripts == len([m for m in messages if m.role is role])


def engine_transcript(engine: WhisperEngine, call: Call, from_ms: int) -> list[tuple[str, int, int, str]]:
    """What the speech engine itself makes of each participant's audio from `from_ms` on, fed straight in as the
    gateway feeds it (64 ms blocks) and redacted as it publishes: (role, start, end, text) in conversation time."""
    redactor, found = Redactor(), []
    for role in Role:
        pcm = call.pcm(role.value)[from_ms * 16 :]
        heard: list[Utterance] = []
        stream = engine.stream(StreamOptions(offset_ms=from_ms), heard.append)
        for offset in range(0, len(pcm), 1024):
            stream.feed(pcm[offset : offset + 1024])
        stream.flush()
        found += [
            (role.value, u.start_ms, u.end_ms, redactor.output(u.text, RedactionOutput.REDACTED).text) for u in heard
        ]
    return sorted(found)


def test_pause_then_resume_continues_sequences_without_repeating_audio(gateway: Gateway, call: Call) -> None:
    worker = gateway.worker()
    guid = str(uuid.uuid4())
    arn, producer = gateway.call(guid, call.pcm("customer"), call.pcm("agent"))
    gateway.start(guid, arn, producer.first_fragment_number)
    wait_for(lambda: gateway.clock.now_ms() - gateway.conversation(guid).created_at_ms >= 9_000, 30, "9 s of call")
    gateway.stop(guid)
    assert gateway.wait_finished(guid, worker) is SessionOutcome.DRAINED
    paused = gateway.messages(guid)
    # When the flow starts streaming again 18 s into the call: a new generation, from the fragment Connect names
    # then (its StartFragmentNumber), so the resume point is the same on every run, however busy the machine
    resume_fragment = 18
    resume_ms = resume_fragment * producer.fragment_span_ms
    wait_for(lambda: len(producer.fragment_numbers) > resume_fragment, 30, "the fragment at 18 s")
    gateway.start(guid, arn, producer.fragment_numbers[resume_fragment])
    assert gateway.conversation(guid).generation == 2
    wait_for(lambda: len([g for g, _ in worker.finished if g == guid]) == 2, 60, "the resumed session to end")
    # Then utterances after the resume continue each participant's sequence and the conversation's timeline
    messages = gateway.messages(guid)
    resumed = [m for m in messages if m.generation == 2]
    assert paused and {m.role for m in resumed} == set(Role)
    assert {m.utterance_id for m in paused} <= {m.utterance_id for m in messages}
    for role in Role:
        mine = [m.sequence for m in messages if m.role is role]
        assert sorted(mine) == list(range(1, len(mine) + 1))
    assert min(m.start_ms for m in resumed) >= resume_ms  # nothing from the paused stretch (9-18 s of the call)
    for m in resumed:  # each lies on something the participant said then, in the conversation's time
        assert any(u.role == m.role.value and u.start_ms < m.end_ms and m.start_ms < u.end_ms for u in call.utterances)
    # and they are exactly what the engine makes of the audio from the resume point on: nothing lost or repeated
    published = sorted((m.role.value, m.start_ms, m.end_ms, m.text) for m in resumed)
    assert published == engine_transcript(gateway.engine, call, resume_ms)
    assert gateway.conversation(guid).state is SessionState.STOPPED


def test_a_corrupt_stream_fails_its_session_only(gateway: Gateway, call: Call) -> None:
    worker = gateway.worker()
    # Given two calls on one worker, one of which turns corrupt a few seconds in
    good, _, _ = play(gateway, call)
    bad_guid = str(uuid.uuid4())
    bad_arn = gateway.kvs.create_stream("connect-test-corrupt")
    stream = gateway.kvs.stream(bad_arn)
    from connect_transcribe_dev.kvs_producer import KvsProducer

    producer = KvsProducer(stream, contact_id=bad_guid, speed=4.0, start_ms=gateway.clock.now_ms())
    producer.start(call.pcm("customer"), call.pcm("agent"))
    assert producer.started.wait(5)
    gateway.start(bad_guid, bad_arn, producer.first_fragment_number)
    wait_for(lambda: len(producer.fragment_numbers) >= 11, 30, "11 fragments (the first utterance ends at 9 s)")
    gateway.kvs.faults.corrupt_next(bad_arn, nbytes=4)
    # Then the corrupt one fails with the conversation FAILED, keeping what it heard before the corruption
    assert gateway.wait_finished(bad_guid, worker) is SessionOutcome.FAILED
    assert gateway.conversation(bad_guid).state is SessionState.FAILED
    assert gateway.messages(bad_guid)
    # and the other call on the same worker is transcribed completely
    assert gateway.wait_finished(good, worker) is SessionOutcome.ENDED
    check_against_reference(gateway.messages(good), call)


def test_another_contact_on_the_stream_ends_the_session(gateway: Gateway, call: Call) -> None:
    worker = gateway.worker()
    guid = str(uuid.uuid4())
    customer, agent = call.pcm("customer"), call.pcm("agent")
    arn, producer = gateway.call(guid, customer[: 16_000 * 13], agent[: 16_000 * 13])
    gateway.start(guid, arn, producer.first_fragment_number)
    assert producer.done.wait(30)
    # When Connect reuses the stream for the next contact
    from connect_transcribe_dev.kvs_producer import KvsProducer

    KvsProducer(
        gateway.kvs.stream(arn), contact_id="next-contact", speed=4.0, start_ms=gateway.clock.now_ms()
    ).play_pcm(customer[16_000 * 13 :], agent[16_000 * 13 :])
    # Then the session ends at the contact change: only the first contact's audio was read
    assert gateway.wait_finished(guid, worker) is SessionOutcome.ENDED
    summary = gateway.stop(guid).autotranscribe_response.customer.summary
    assert summary is not None
    assert summary.total_audio_bytes == 16_000 * 13
    assert all(m.end_ms <= 13_100 for m in gateway.messages(guid))
