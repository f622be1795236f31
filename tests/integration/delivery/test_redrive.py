"""DLQ redrive (`connect-transcribe redrive-dlq`) against moto FIFO queues: moves with the stream and attributes,
keeps order, honours --max, --dry-run moves and reveals nothing, re-running after a crash sends no duplicate, and
a redriven utterance reaches the webhook through the real delivery Lambda."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from connect_transcribe.adapters.sqs_redrive import SqsRedriveQueue
from connect_transcribe.adapters.sqs_utterances import SqsUtteranceQueue
from connect_transcribe.cli import main
from connect_transcribe.delivery.redrive import RedriveSummary, redrive_dlq
from connect_transcribe_dev.sqs_poller import SqsLambdaPoller
from moto import mock_aws

from tests.delivery_factories import utterance
from tests.integration.delivery.servers import Receiver, Reply


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="eu-west-1")


def redrive(sqs: Any, dlq: str, queue: str, *, visibility_s: int = 60, **options: Any) -> RedriveSummary:
    """redrive_dlq on the SQS queues, without the long-poll wait."""
    source = SqsRedriveQueue(sqs, dlq, wait_s=0, visibility_s=visibility_s)
    return redrive_dlq(source, SqsRedriveQueue(sqs, queue), out=lambda line: None, **options)


def fifo(sqs: Any, name: str) -> str:
    return str(sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"])


def dead_letter(sqs: Any, dlq: str, body: str, group: str, dedup: str, error: str = "HTTP 400 from receiver") -> None:
    """As the delivery Lambda writes it (adapters/sqs_dead_letters.py)."""
    sqs.send_message(
        QueueUrl=dlq,
        MessageBody=body,
        MessageGroupId=group,
        MessageDeduplicationId=dedup,
        MessageAttributes={
            "lastError": {"DataType": "String", "StringValue": error},
            "attempts": {"DataType": "Number", "StringValue": "1"},
            "receiveCount": {"DataType": "Number", "StringValue": "1"},
            "failedAt": {"DataType": "String", "StringValue": "2026-11-20T10:00:00+00:00"},
            "httpStatus": {"DataType": "Number", "StringValue": "400"},
            "utteranceId": {"DataType": "String", "StringValue": f"utt-{dedup}"},
        },
    )


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    ).get("Messages", []):
        found += batch
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        )
    return found


def transcript(i: int) -> str:
    return json.dumps({"utterance_id": f"u{i}", "text": f"secret words {i}"})


def test_redrive_moves_every_message_with_its_stream_and_without_the_error_attributes(sqs: Any) -> None:
    # Given two streams' undeliverable utterances on the DLQ
    dlq, queue = fifo(sqs, "delivery-dlq.fifo"), fifo(sqs, "utterances.fifo")
    dead_letter(sqs, dlq, "a1", "stream-a", "m-1")
    dead_letter(sqs, dlq, "b1", "stream-b", "m-2")
    dead_letter(sqs, dlq, "a2", "stream-a", "m-3")

    # When they are redriven
    summary = redrive(sqs, dlq, queue)

    # Then the queue holds them with their bodies, streams and utteranceId, without lastError & co.
    moved = drain(sqs, queue)
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in moved] == [
        ("a1", "stream-a"),
        ("b1", "stream-b"),
        ("a2", "stream-a"),
    ]
    assert all(set(m["MessageAttributes"]) == {"utteranceId"} for m in moved)
    assert moved[0]["MessageAttributes"]["utteranceId"]["StringValue"] == "utt-m-1"
    assert moved[0]["Attributes"]["MessageDeduplicationId"].startswith("m-1-redrive-")
    # And the DLQ is empty
    assert (summary.moved, summary.failed, summary.remaining) == (3, [], 0)
    assert drain(sqs, dlq) == []


def test_a_long_stream_keeps_its_order_across_receive_batches(sqs: Any) -> None:
    dlq, queue = fifo(sqs, "delivery-dlq.fifo"), fifo(sqs, "utterances.fifo")
    bodies = [f"a{i:02d}" for i in range(25)]
    for i, body in enumerate(bodies):
        dead_letter(sqs, dlq, body, "stream-a", f"m-{i}")

    summary = redrive(sqs, dlq, queue)

    assert summary.moved == 25
    assert [m["Body"] for m in drain(sqs, queue)] == bodies


def test_max_moves_the_oldest_n_and_leaves_the_rest(sqs: Any) -> None:
    dlq, queue = fifo(sqs, "delivery-dlq.fifo"), fifo(sqs, "utterances.fifo")
    for i in range(5):
        dead_letter(sqs, dlq, f"a{i}", "stream-a", f"m-{i}")

    summary = redrive(sqs, dlq, queue, max_messages=2)

    assert (summary.moved, summary.remaining) == (2, 3)
    assert [m["Body"] for m in drain(sqs, queue)] == ["a0", "a1"]
    assert [m["Body"] for m in drain(sqs, dlq)] == ["a2", "a3", "a4"]


def test_dry_run_lists_ids_and_errors_moves_nothing_and_never_prints_bodies(
    sqs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two dead letters with transcript text in their bodies
    dlq, queue = fifo(sqs, "delivery-dlq.fifo"), fifo(sqs, "utterances.fifo")
    dead_letter(sqs, dlq, transcript(1), "stream-a", "m-1", error="HTTP 400 from receiver")
    dead_letter(sqs, dlq, transcript(2), "stream-b", "m-2", error="timeout after 5.0 s")

    # When the command runs with --dry-run
    code = main(["redrive-dlq", "--from", dlq, "--to", queue, "--dry-run"])

    # Then it printed one line per message and a summary, without any transcript text
    out = capsys.readouterr().out
    *listed, summary = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert "secret words" not in out
    assert [(m["groupId"], m["lastError"], m["httpStatus"]) for m in listed] == [
        ("stream-a", "HTTP 400 from receiver", "400"),
        ("stream-b", "timeout after 5.0 s", "400"),
    ]
    assert all(m["messageId"] for m in listed)
    assert (summary["dryRun"], summary["listed"], summary["moved"], summary["remainingInDlq"]) == (True, 2, 0, 2)
    # And nothing moved: the messages are on the DLQ and visible again right away
    assert drain(sqs, queue) == []
    assert len(drain(sqs, dlq)) == 2


class CrashOnDelete:
    """An SQS client that dies between sending to the queue and deleting from the DLQ."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def delete_message_batch(self, **kwargs: Any) -> Any:
        raise ConnectionError("killed")


def test_rerunning_after_a_crash_between_send_and_delete_sends_no_duplicate(sqs: Any) -> None:
    # Given a redrive that sent the messages but died before deleting them from the DLQ (visible again at once)
    dlq, queue = fifo(sqs, "delivery-dlq.fifo"), fifo(sqs, "utterances.fifo")
    dead_letter(sqs, dlq, "a1", "stream-a", "m-1")
    dead_letter(sqs, dlq, "a2", "stream-a", "m-2")
    with pytest.raises(ConnectionError):
        redrive(CrashOnDelete(sqs), dlq, queue, visibility_s=0)

    # When it is run again
    summary = redrive(sqs, dlq, queue)

    # Then each message reached the queue once (same DLQ message, same de-duplication id)
    assert summary.moved == 2
    assert [m["Body"] for m in drain(sqs, queue)] == ["a1", "a2"]
    assert drain(sqs, dlq) == []


def test_a_message_that_cannot_be_moved_stays_on_the_dlq_and_the_command_fails(
    sqs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a standard (non-FIFO) DLQ, whose messages carry no stream, and a FIFO target queue
    dlq = str(sqs.create_queue(QueueName="plain-dlq")["QueueUrl"])
    queue = fifo(sqs, "utterances.fifo")
    sqs.send_message(QueueUrl=dlq, MessageBody="x")

    # When the command runs
    code = main(["redrive-dlq", "--from", dlq, "--to", queue])

    # Then it reports the failure, exits non-zero and leaves the message on the DLQ
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert code == 1
    assert summary["failed"] == 1
    assert "MessageGroupId" in summary["failures"][0]["error"]
    assert summary["remainingInDlq"] == 1


def test_the_command_rejects_a_non_positive_max() -> None:
    assert main(["redrive-dlq", "--from", "q1", "--to", "q2", "--max", "0"]) == 2


def test_a_redriven_utterance_reaches_the_webhook_through_the_delivery_lambda(
    configure, server_tls, pki, delivery_aws
) -> None:
    # Given the webhook Lambda consuming the utterances queue through the local poller, and a receiver that
    # refuses the first utterance once (400: dead-lettered without retries) and accepts everything after
    sqs = delivery_aws.sqs
    queue = fifo(sqs, "utterances.fifo")
    with Receiver(server_tls(), replies=[Reply(400)]) as receiver:
        deliver = configure(f"{receiver.url}/transcripts", {"caBundlePem": pki.ca_pem})
        with SqsLambdaPoller(sqs, queue, lambda event, context: deliver(event)):
            publisher = SqsUtteranceQueue(sqs, queue)
            publisher.send(utterance(1))
            publisher.send(utterance(2))
            wait_until(lambda: len(receiver.accepted) == 1)
            assert [m["MessageAttributes"]["httpStatus"]["StringValue"] for m in peek(sqs, delivery_aws.dlq_url)] == [
                "400"
            ]

            # When an operator redrives the DLQ
            summary = redrive(sqs, delivery_aws.dlq_url, queue)

            # Then the utterance is delivered, and the DLQ is empty
            wait_until(lambda: len(receiver.accepted) == 2)
    assert summary.moved == 1
    assert [u["sequence"] for u in receiver.unique_utterances()] == [2, 1]
    assert drain(sqs, delivery_aws.dlq_url) == []


def peek(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Read the queue and make what was read visible again at once."""
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
    for m in found:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return found


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
