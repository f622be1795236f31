"""The local SQS → Lambda poller against moto queues: Lambda's event shape, partial batch failures redelivered,
a raising handler keeps the whole batch, FIFO order per message group, clean stop."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser.models import SqsModel
from connect_transcribe_dev.lambda_context import LocalLambdaContext
from connect_transcribe_dev.sqs_poller import SqsLambdaPoller, failed_ids
from moto import mock_aws


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs")


def fifo_queue(sqs: Any, name: str = "utterances.fifo") -> str:
    # A 1 s visibility timeout so that records left on the queue come back quickly.
    attributes = {"FifoQueue": "true", "VisibilityTimeout": "1"}
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def send(sqs: Any, url: str, body: str, group: str = "stream-a", dedup: str | None = None) -> str:
    return str(
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup or body)[
            "MessageId"
        ]
    )


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def queue_depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


class Recorder:
    """A Lambda handler that records what it was given and reports chosen bodies as failed (once each)."""

    def __init__(self, fail_once: set[str] | None = None, raise_once: bool = False) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self.fail_once = set(fail_once or ())
        self.raise_once = raise_once
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self.lock:
            self.events.append(event)
            self.contexts.append(context)
            if self.raise_once:
                self.raise_once = False
                raise RuntimeError("boom")
            failed = [r for r in event["Records"] if r["body"] in self.fail_once]
            self.fail_once -= {r["body"] for r in failed}
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in failed]}

    def bodies(self) -> list[str]:
        with self.lock:
            return [r["body"] for e in self.events for r in e["Records"]]


def test_the_handler_gets_lambdas_sqs_event_shape(sqs: Any) -> None:
    # Given a FIFO queue holding one message with string, number and binary attributes
    url = fifo_queue(sqs)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    body = json.dumps({"utterance_id": "u-1", "sequence": 1})
    message_id = sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageGroupId="stream-a",
        MessageDeduplicationId="u-1",
        MessageAttributes={
            "guid": {"DataType": "String", "StringValue": "contact-1"},
            "sequence": {"DataType": "Number", "StringValue": "1"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )["MessageId"]
    handler = Recorder()

    # When the poller runs one cycle
    handled = SqsLambdaPoller(sqs, url, handler, wait_s=0).poll_once()

    # Then the handler got one record exactly as Lambda shapes it, with a Lambda context
    assert handled == 1
    [event] = handler.events
    [record] = event["Records"]
    assert set(record) >= {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["messageId"] == message_id
    assert record["body"] == body
    assert record["md5OfBody"] == hashlib.md5(body.encode()).hexdigest()
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", arn, "us-east-1")
    attributes = record["attributes"]
    assert attributes["ApproximateReceiveCount"] == "1"
    assert attributes["MessageGroupId"] == "stream-a"
    assert attributes["MessageDeduplicationId"] == "u-1"
    assert attributes["SentTimestamp"].isdigit()
    assert all(isinstance(v, str) for v in attributes.values())
    assert record["messageAttributes"]["guid"] == {
        "stringValue": "contact-1",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["sequence"]["dataType"] == "Number"
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    assert isinstance(handler.contexts[0], LocalLambdaContext)
    assert handler.contexts[0].get_remaining_time_in_millis() > 0
    # And the event parses with powertools' own SQS models, as the deployed handler will parse it
    assert SqsModel.model_validate(event).Records[0].attributes.MessageGroupId == "stream-a"
    assert SQSRecord(record).attributes.approximate_receive_count == "1"
    # And the handled message is gone from the queue
    assert queue_depth(sqs, url) == 0


def test_only_the_reported_failures_are_redelivered(sqs: Any) -> None:
    # Given three messages in three groups, and a handler that reports "b" as failed the first time
    url = fifo_queue(sqs)
    for body, group in (("a", "g1"), ("b", "g2"), ("c", "g3")):
        send(sqs, url, body, group)
    handler = Recorder(fail_once={"b"})

    # When the poller runs until the handler has seen four records and the queue is empty (the depth alone can read
    # 0 for an instant while "b" turns visible again, under load)
    with SqsLambdaPoller(sqs, url, handler) as poller:
        wait_until(lambda: len(handler.bodies()) >= 4 and queue_depth(sqs, url) == 0)

    # Then "b" alone came back (after the visibility timeout) with a higher receive count
    assert sorted(handler.bodies()) == ["a", "b", "b", "c"]
    retried = [r for e in handler.events[1:] for r in e["Records"]]
    assert [(r["body"], r["attributes"]["ApproximateReceiveCount"]) for r in retried] == [("b", "2")]
    assert (poller.deleted, poller.failed) == (3, 1)


def test_a_raising_handler_keeps_the_whole_batch(sqs: Any) -> None:
    # Given two messages and a handler that raises on its first invocation
    url = fifo_queue(sqs)
    send(sqs, url, "a", "g1")
    send(sqs, url, "b", "g2")
    handler = Recorder(raise_once=True)
    poller = SqsLambdaPoller(sqs, url, handler, wait_s=0)

    # When the poller runs one cycle
    poller.poll_once()

    # Then nothing was deleted, and both come back after the visibility timeout
    assert queue_depth(sqs, url) == 2
    with poller:
        wait_until(lambda: queue_depth(sqs, url) == 0)
    assert sorted(handler.bodies()) == ["a", "a", "b", "b"]


def test_fifo_order_holds_per_group_through_partial_failures(sqs: Any) -> None:
    # Given 3 streams x 8 utterances, interleaved, consumed by the powertools FIFO processor (as the webhook
    # Lambda is) with a record handler that fails g1#3 and g2#6 once each
    url = fifo_queue(sqs)
    sent = [f"g{g}#{n}" for n in range(1, 9) for g in range(1, 4)]
    for body in sent:
        send(sqs, url, body, body.split("#")[0])
    delivered: list[str] = []
    flaky = {"g1#3", "g2#6"}

    def record_handler(record: SQSRecord) -> None:
        if record.body in flaky:
            flaky.discard(record.body)
            raise ConnectionError("receiver down")
        delivered.append(record.body)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        processor = SqsFifoPartialProcessor(skip_group_on_error=True)
        return process_partial_response(event, record_handler, processor, context)

    # When the poller drains the queue
    with SqsLambdaPoller(sqs, url, handler, batch_size=10):
        wait_until(lambda: queue_depth(sqs, url) == 0)

    # Then each stream's utterances were delivered once each, in the order they were sent
    for group in ("g1", "g2", "g3"):
        assert [b for b in delivered if b.startswith(group)] == [b for b in sent if b.startswith(group)]
    assert len(delivered) == len(sent)


def test_a_group_comes_back_in_order_when_its_timeout_expires_before_the_next_poll(sqs: Any) -> None:
    # Given two records of one stream, both reported as failed, and no poll until the visibility timeout is over
    # (the poller was busy with a slow invocation for other streams, say)
    url = fifo_queue(sqs)
    send(sqs, url, "g1#1", "g1")
    send(sqs, url, "g1#2", "g1")
    handler = Recorder(fail_once={"g1#1", "g1#2"})
    poller = SqsLambdaPoller(sqs, url, handler, wait_s=0)
    poller.poll_once()
    time.sleep(1.2)

    # When the poller receives again
    poller.poll_once()

    # Then the stream's records come back in order
    assert handler.bodies()[2:] == ["g1#1", "g1#2"]


def test_stop_ends_the_thread_within_one_long_poll(sqs: Any) -> None:
    # Given a running poller long-polling an empty queue
    url = fifo_queue(sqs)
    poller = SqsLambdaPoller(sqs, url, Recorder(), wait_s=1).start()
    time.sleep(0.1)

    # When it is stopped
    started = time.monotonic()
    poller.stop()

    # Then it returns once the long poll in progress ends, and can be started again
    assert time.monotonic() - started < 1.5
    assert not any(t.name.startswith("sqs-poller") for t in threading.enumerate())
    poller.start().stop()


@pytest.mark.parametrize(
    ("response", "kept"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"m1", "m2", "m3"}),
        ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, {"m1", "m2", "m3"}),
        ({"batchItemFailures": [{}]}, {"m1", "m2", "m3"}),
    ],
)
def test_an_invalid_failure_report_fails_the_whole_batch_as_in_lambda(response: Any, kept: set[str]) -> None:
    assert failed_ids(response, ["m1", "m2", "m3"]) == kept
