"""The webhook delivery Lambda handler end to end: SQS FIFO events in, a real HTTPS receiver on loopback,
moto for the DLQ and Secrets Manager. Retries, dead-lettering, ordering per stream and duplicates."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from connect_transcribe.delivery.signing import verify
from connect_transcribe.models.api import Role
from connect_transcribe.models.utterance import UtteranceTimings

from tests.delivery_factories import sqs_event, sqs_record, utterance, with_tokens
from tests.integration.delivery.conftest import failed_ids
from tests.integration.delivery.servers import Receiver, Reply

SIGNING_SECRET = "s3cr3t-signing-key-0123456789"
# Room for several 0.3 s timeouts even when the first attempt (secret read, TLS setup) is slow on a loaded CI box.
TIMEOUT_BUDGET_S = 2.0


def test_delivers_the_documented_body_and_headers(configure, server_tls, pki, delivery_aws) -> None:
    # Given a receiver and a deployment that signs bodies
    message = with_tokens(utterance(1, unredacted_text="my card number is 4111"))
    with Receiver(server_tls()) as receiver:
        deliver = configure(
            f"{receiver.url}/transcripts",
            {"caBundlePem": pki.ca_pem, "signingSecret": SIGNING_SECRET},
            WEBHOOK_SIGNING="true",
        )

        # When one utterance is delivered
        response = deliver(sqs_event(sqs_record(message)))

    # Then the receiver got the AutoTranscribe-shaped body with sequence, utteranceId, tokens and both texts
    assert failed_ids(response) == []
    [request] = receiver.accepted
    assert request.path == "/transcripts"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == message.utterance_id
    assert verify(SIGNING_SECRET, request.body, request.headers["x-signature-sha256"])
    assert not verify("another-secret-0123456789", request.body, request.headers["x-signature-sha256"])
    assert request.json() == {
        "type": "transcript",
        "externalConversationId": message.guid,
        "streamId": message.stream_id,
        "sequence": 1,
        "utteranceId": message.utterance_id,
        "sender": {"externalId": "cust-ef53245", "role": "customer"},
        "autotranscribeResponse": {
            "message": "transcript",
            "start": 1000,
            "end": 1800,
            "utterance": [
                {
                    "text": "my card number is [REDACTED]",
                    "unredactedText": "my card number is 4111",
                    "tokens": [{"text": "my", "start": 1000, "end": 1200, "confidence": 0.93}],
                }
            ],
        },
    }
    assert delivery_aws.dead_letters() == []


def test_delivery_and_end_to_end_times_are_emitted_and_timings_stay_out_of_the_body(
    configure, server_tls, pki, capsys
) -> None:
    # Given a message as the gateway queues it: stage timings, stamped just before the SQS send
    now_ms = int(time.time() * 1000)
    timings = UtteranceTimings(
        endpoint_wait_ms=288, queue_wait_ms=3, decode_ms=41, first_pass_ms=38, redact_ms=0.2, enqueued_at_ms=now_ms - 40
    )
    message = utterance(1, audio_timestamp_ms=now_ms - 500, timings=timings)
    with Receiver(server_tls()) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})
        capsys.readouterr()

        # When it is delivered
        before = time.time() * 1000
        assert failed_ids(deliver(sqs_event(sqs_record(message)))) == []
        after = time.time() * 1000

    # Then the EMF document has DeliveryMs (enqueue -> 2xx) and EndToEndMs (end of speech -> 2xx)
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    [doc] = [d for d in docs if "DeliveryMs" in d]
    names = {m["Name"]: m["Unit"] for d in docs for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names["DeliveryMs"] == names["EndToEndMs"] == "Milliseconds"
    [delivery_ms], [end_to_end_ms] = doc["DeliveryMs"], doc["EndToEndMs"]
    assert timings.enqueued_at_ms is not None
    assert before - timings.enqueued_at_ms - 1 <= delivery_ms <= after - timings.enqueued_at_ms + 1
    assert before - message.audio_timestamp_ms - 1 <= end_to_end_ms <= after - message.audio_timestamp_ms + 1
    # and the receiver got the documented body, without the timings
    [request] = receiver.accepted
    assert "timings" not in request.json() and "enqueued" not in request.body.decode().lower()
    assert set(request.json()) == {
        "type",
        "externalConversationId",
        "streamId",
        "sequence",
        "utteranceId",
        "sender",
        "autotranscribeResponse",
    }


def test_a_500_is_retried_and_then_delivered(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls(), replies=[Reply(500), Reply(503)]) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    assert len(receiver.requests) == 3
    assert len(receiver.accepted) == 1
    assert delivery_aws.dead_letters() == []


def test_a_429_retry_after_is_honoured(configure, server_tls, pki) -> None:
    with Receiver(server_tls(), replies=[Reply(429, {"Retry-After": "1"})]) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, DELIVERY_RETRY_BUDGET_SECONDS="3")
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    first, second = receiver.requests
    assert second.received_at - first.received_at >= 0.95


def test_a_retry_after_beyond_the_budget_hands_the_record_back_without_waiting(
    configure, server_tls, pki, delivery_aws
) -> None:
    # a 10 s budget: waiting for either the Retry-After (120 s) or the budget shows as seconds, far above the
    # handshake and request this takes on a loaded machine (the server's shutdown is outside the timing)
    with Receiver(server_tls(), replies=[Reply(429, {"Retry-After": "120"})]) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, DELIVERY_RETRY_BUDGET_SECONDS="10")
        record = sqs_record(utterance(1))
        began = time.monotonic()
        response = deliver(sqs_event(record))
        elapsed = time.monotonic() - began

    assert failed_ids(response) == [record["messageId"]]
    assert elapsed < 5.0
    assert len(receiver.requests) == 1
    assert delivery_aws.dead_letters() == []


def test_timeouts_are_retried_then_handed_back_to_sqs(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls(), replies=[Reply(delay_s=1.0)] * 10) as receiver:
        deliver = configure(
            receiver.url,
            {"caBundlePem": pki.ca_pem},
            WEBHOOK_TIMEOUT_SECONDS="0.3",
            DELIVERY_RETRY_BUDGET_SECONDS=str(TIMEOUT_BUDGET_S),
        )
        record = sqs_record(utterance(1))
        began = time.monotonic()
        response = deliver(sqs_event(record))
        elapsed = time.monotonic() - began

    assert failed_ids(response) == [record["messageId"]]
    assert len(receiver.requests) >= 2
    assert elapsed < TIMEOUT_BUDGET_S + 0.3 + 1.0
    assert delivery_aws.dead_letters() == []


def test_timeouts_on_the_last_receive_go_to_the_dlq_with_the_last_error(
    configure, server_tls, pki, delivery_aws
) -> None:
    with Receiver(server_tls(), replies=[Reply(delay_s=1.0)] * 10) as receiver:
        deliver = configure(
            receiver.url,
            {"caBundlePem": pki.ca_pem},
            WEBHOOK_TIMEOUT_SECONDS="0.3",
            DELIVERY_RETRY_BUDGET_SECONDS=str(TIMEOUT_BUDGET_S),
            DELIVERY_MAX_RECEIVES="3",
        )
        message = utterance(7)
        response = deliver(sqs_event(sqs_record(message, receive_count=3)))

    assert failed_ids(response) == []
    [letter] = delivery_aws.dead_letters()
    attributes = letter["MessageAttributes"]
    assert attributes["lastError"]["StringValue"] == "no answer within 0.3 s"
    assert int(attributes["attempts"]["StringValue"]) >= 2
    assert "httpStatus" not in attributes
    assert json.loads(letter["Body"]) == json.loads(message.model_dump_json())


def test_a_400_goes_to_the_dlq_without_retries(configure, server_tls, pki, delivery_aws, capsys, caplog) -> None:
    # Given a receiver that rejects the body
    message = utterance(3, text="please read back my account number")
    with Receiver(
        server_tls(), replies=[Reply(400, body=b'{"echo":"please read back my account number"}')]
    ) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})

        # When it is delivered (first receive)
        before = datetime.now(UTC)
        response = deliver(sqs_event(sqs_record(message)))
        after = datetime.now(UTC)

    # Then one attempt only, and the DLQ holds the original body with the error, not the transcript
    assert failed_ids(response) == []
    assert len(receiver.requests) == 1
    [letter] = delivery_aws.dead_letters()
    assert letter["Body"] == message.model_dump_json()
    assert letter["Attributes"]["MessageGroupId"] == message.stream_id
    attributes = letter["MessageAttributes"]
    assert attributes["lastError"]["StringValue"] == "HTTP 400 from the webhook"
    assert attributes["httpStatus"]["StringValue"] == "400"
    assert attributes["attempts"]["StringValue"] == "1"
    assert attributes["utteranceId"]["StringValue"] == message.utterance_id
    assert before <= datetime.fromisoformat(attributes["failedAt"]["StringValue"]) <= after  # an aware UTC instant
    # And one structured error line and a WebhookFailed metric, with no transcript text anywhere in the output
    metrics_output = capsys.readouterr().out
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert (error.utterance_id, error.http_status, error.error) == (
        message.utterance_id,
        400,
        "HTTP 400 from the webhook",
    )
    assert '"WebhookFailed":[1.0]' in metrics_output
    everything = metrics_output + "".join(repr(vars(r)) for r in caplog.records)
    assert "account number" not in everything


def test_a_record_still_failing_on_its_last_receive_is_dead_lettered(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls(), replies=[Reply(503)] * 20) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, DELIVERY_RETRY_BUDGET_SECONDS="0.3")
        early = deliver(sqs_event(r1 := sqs_record(utterance(1), receive_count=4)))
        last = deliver(sqs_event(sqs_record(utterance(1), receive_count=5, message_id=r1["messageId"])))

    assert failed_ids(early) == [r1["messageId"]]
    assert failed_ids(last) == []
    [letter] = delivery_aws.dead_letters()
    assert letter["MessageAttributes"]["lastError"]["StringValue"] == "HTTP 503 from the webhook"
    assert letter["MessageAttributes"]["receiveCount"]["StringValue"] == "5"


def test_an_invalid_body_is_dead_lettered_with_the_validation_error_only(
    configure, server_tls, pki, delivery_aws
) -> None:
    with Receiver(server_tls()) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})
        bad = json.dumps({"text": "the caller's secret words", "sequence": 0})
        response = deliver(sqs_event(sqs_record(bad, group_id="stream-x")))

    assert failed_ids(response) == []
    assert receiver.requests == []
    [letter] = delivery_aws.dead_letters()
    error = letter["MessageAttributes"]["lastError"]["StringValue"]
    assert error.startswith("invalid message body: ")
    assert "utterance_id: Field required" in error
    assert "secret words" not in error
    assert letter["Body"] == bad
    assert letter["Attributes"]["MessageGroupId"] == "stream-x"


def test_a_dlq_that_cannot_be_reached_leaves_the_record_on_the_queue(configure, server_tls, pki, monkeypatch) -> None:
    with Receiver(server_tls(), replies=[Reply(400)]) as receiver:
        deliver = configure(
            receiver.url,
            {"caBundlePem": pki.ca_pem},
            DELIVERY_DLQ_URL="https://sqs.us-east-1.amazonaws.com/123456789012/missing.fifo",
        )
        record = sqs_record(utterance(1))
        response = deliver(sqs_event(record))

    assert failed_ids(response) == [record["messageId"]]


def test_one_failing_stream_does_not_hold_back_or_redeliver_the_others(configure, server_tls, pki) -> None:
    # Given a batch with two streams, where the receiver keeps failing the customer's second utterance
    customer = [utterance(n, stream_id="stream-customer") for n in (1, 2, 3)]
    agent = [utterance(n, stream_id="stream-agent", role=Role.AGENT) for n in (1, 2)]
    records = [sqs_record(m) for m in (customer[0], agent[0], customer[1], agent[1], customer[2])]
    with Receiver(server_tls()) as receiver:
        receiver.override = lambda r: Reply(503) if r.json()["utteranceId"] == customer[1].utterance_id else None
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, DELIVERY_RETRY_BUDGET_SECONDS="0.3")

        # When the batch is delivered
        first = deliver(sqs_event(*records))

        # Then customer #2 and (not attempted, to keep the order) customer #3 go back to SQS; the agent's are done
        assert failed_ids(first) == [records[2]["messageId"], records[4]["messageId"]]
        assert [r.json()["sequence"] for r in receiver.requests if r.json()["streamId"] == "stream-customer"][-1] == 2

        # When SQS redelivers the rest of the customer stream and the receiver has recovered
        receiver.override = None
        second = deliver(sqs_event(sqs_record(customer[1], receive_count=2), sqs_record(customer[2], receive_count=2)))

    # Then every utterance arrived once, in order per stream
    assert failed_ids(second) == []
    by_stream: dict[str, list[int]] = {}
    for body in receiver.unique_utterances():
        by_stream.setdefault(body["streamId"], []).append(body["sequence"])
    assert by_stream == {"stream-customer": [1, 2, 3], "stream-agent": [1, 2]}


def test_duplicates_are_byte_identical_so_utterance_id_removes_them(configure, server_tls, pki) -> None:
    # Given a receiver that accepts the first copy but answers too late, and signing on
    message = utterance(4)
    with Receiver(server_tls(), replies=[Reply(delay_s=0.6)]) as receiver:
        deliver = configure(
            receiver.url,
            {"caBundlePem": pki.ca_pem, "signingSecret": SIGNING_SECRET},
            WEBHOOK_SIGNING="true",
            WEBHOOK_TIMEOUT_SECONDS="0.3",
        )

        # When the timed-out attempt is retried, and SQS later redelivers the same message once more
        record = sqs_record(message)
        deliver(sqs_event(record))
        deliver(sqs_event(sqs_record(message, receive_count=2, message_id=record["messageId"])))

    # Then the receiver holds three copies it cannot tell apart, and one utterance after de-duplication
    assert len(receiver.accepted) == 3
    assert len({r.body for r in receiver.accepted}) == 1
    assert len({(r.headers["idempotency-key"], r.headers["x-signature-sha256"]) for r in receiver.accepted}) == 1
    assert [u["utteranceId"] for u in receiver.unique_utterances()] == [message.utterance_id]
