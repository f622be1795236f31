"""transcript-interim delivery: one attempt with its own body and idempotency key, dropped (never retried, deferred
or dead-lettered) when it fails, is stale, or is superseded later in its batch."""

from __future__ import annotations

import json

import pytest
from connect_transcribe.delivery.deliver import DeliveryOutcome, DeliveryRecord, superseded
from connect_transcribe.delivery.ports import HttpReply, TransportFailure
from connect_transcribe.delivery.signing import verify
from connect_transcribe.models.webhook import WebhookSecret

from tests.delivery_factories import interim, utterance
from tests.unit.delivery.test_deliver import Setup
from tests.webhook_schema import schema_errors

SECRET = WebhookSecret(signing_secret="s" * 32)


def deliver(s: Setup, body: str, *, superseded: bool = False) -> DeliveryOutcome:
    return s.delivery.deliver(DeliveryRecord("m-1", body, group_id="g"), 60.0, superseded=superseded)


def fresh(s: Setup, **fields: object) -> str:
    return interim(enqueued_at_ms=s.clock.now_ms(), **fields).model_dump_json()  # type: ignore[arg-type]


def test_an_interim_is_posted_once_as_a_documented_signed_transcript_interim() -> None:
    s = Setup(secret=SECRET, signing=True)
    assert deliver(s, fresh(s, sequence=4, revision=2)) is DeliveryOutcome.DELIVERED
    [sent] = s.transport.sent
    body = json.loads(sent.body)
    assert schema_errors(body) == []
    assert body["type"] == "transcript-interim" and body["autotranscribeResponse"]["message"] == "transcript-interim"
    assert (body["sequence"], body["revision"]) == (4, 2)
    assert body["utteranceId"] == utterance(4).utterance_id  # the final's id: it supersedes this one
    assert sent.headers["Idempotency-Key"] == f"{body['utteranceId']}/interim/2"
    assert verify("s" * 32, sent.body, sent.headers["X-Signature-SHA256"])
    assert sent.timeout_s <= 2.0
    assert s.metrics.counts == {"InterimsDelivered": 1}


@pytest.mark.parametrize("outcome", [HttpReply(503), HttpReply(404), TransportFailure("connection refused")])
def test_a_failed_interim_is_dropped_after_one_attempt(outcome: HttpReply | Exception) -> None:
    s = Setup(script=[outcome])
    assert deliver(s, fresh(s)) is DeliveryOutcome.DROPPED
    assert len(s.transport.sent) == 1 and s.clock.slept == []
    assert s.dlq.letters == []
    assert s.metrics.counts == {"InterimsDropped": 1}


def test_a_stale_or_superseded_interim_is_dropped_unsent() -> None:
    s = Setup()
    old = interim(enqueued_at_ms=s.clock.now_ms() - 11_000).model_dump_json()
    assert deliver(s, old) is DeliveryOutcome.DROPPED
    assert deliver(s, fresh(s), superseded=True) is DeliveryOutcome.DROPPED
    assert s.transport.sent == [] and s.metrics.counts == {"InterimsDropped": 2}


def test_finals_keep_their_retries_beside_interims() -> None:
    s = Setup(script=[HttpReply(503), HttpReply(200)])
    assert deliver(s, utterance(1).model_dump_json()) is DeliveryOutcome.DELIVERED
    assert len(s.transport.sent) == 2 and s.metrics.counts["WebhookRetried"] == 1


def test_superseded_finds_interims_with_a_later_revision_or_their_final_in_the_batch() -> None:
    records = [
        DeliveryRecord("a", interim(1, 1).model_dump_json()),
        DeliveryRecord("b", interim(1, 2).model_dump_json()),
        DeliveryRecord("c", utterance(1).model_dump_json()),
        DeliveryRecord("d", interim(2, 1).model_dump_json()),
        DeliveryRecord("e", interim(2, 2).model_dump_json()),
        DeliveryRecord("f", interim(1, 1, stream_id="stream-agent-1").model_dump_json()),
        DeliveryRecord("g", "not json"),
    ]
    assert superseded(records) == {"a", "b", "d"}
