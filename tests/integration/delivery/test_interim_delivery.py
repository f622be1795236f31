"""transcript-interim messages through the webhook delivery Lambda handler, to a real HTTPS receiver on loopback:
interims superseded within their batch are never sent, a failing interim is dropped without holding back its
stream's final, and nothing interim reaches the DLQ."""

from __future__ import annotations

from tests.delivery_factories import interim, sqs_event, sqs_record, utterance
from tests.integration.delivery.conftest import failed_ids
from tests.integration.delivery.servers import Receiver, Reply


def test_interims_superseded_in_the_batch_are_skipped_and_the_rest_arrive_in_order(
    configure, server_tls, pki, delivery_aws
) -> None:
    records = [sqs_record(m) for m in (interim(1, 1), interim(1, 2), utterance(1), interim(2, 1))]
    with Receiver(server_tls()) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})
        response = deliver(sqs_event(*records))

    assert failed_ids(response) == []
    assert [(r.json()["type"], r.json()["sequence"]) for r in receiver.accepted] == [
        ("transcript", 1),
        ("transcript-interim", 2),
    ]
    assert receiver.accepted[1].headers["idempotency-key"] == f"{utterance(2).utterance_id}/interim/1"
    assert delivery_aws.dead_letters() == []


def test_a_failing_interim_is_dropped_once_and_its_final_still_goes_out(
    configure, server_tls, pki, delivery_aws
) -> None:
    with Receiver(server_tls(), replies=[Reply(503)]) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})
        first = deliver(sqs_event(sqs_record(interim(1, 1))))
        second = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(first) == failed_ids(second) == []  # nothing handed back to SQS: the interim is perishable
    assert [r.json()["type"] for r in receiver.requests] == ["transcript-interim", "transcript"]
    assert [r.json()["type"] for r in receiver.accepted] == ["transcript"]
    assert delivery_aws.dead_letters() == []
