"""The agent_events Lambda handler on real-shaped agent event stream records: put on a moto Kinesis stream, read back
with GetRecords into the Lambda Kinesis event, and applied to the conversation in moto DynamoDB and SQS."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.errors import DependencyUnavailable

from functions.agent_events import handler as agent_events
from functions.api import handler as api
from tests.agent_events import AGENT_ARN, hold_event, unhold_event
from tests.clock import NOW
from tests.conftest import AwsResources
from tests.factories import START_PATH, api_event, lambda_context, start_body

pytestmark = pytest.mark.usefixtures("frozen_now")  # event times and the handler's clock both derive from NOW

GUID = "0b7e4c2a-6f1d-4e8b-9a3c-5d2f7e1b8c64"
CONNECTED_AT = NOW - timedelta(seconds=40)


class AgentEventStream:
    """A moto Kinesis stream standing in for the one Connect writes agent events to."""

    def __init__(self) -> None:
        self.kinesis = boto3.client("kinesis")
        self.kinesis.create_stream(StreamName="connect-agent-events", ShardCount=1)
        summary = self.kinesis.describe_stream_summary(StreamName="connect-agent-events")["StreamDescriptionSummary"]
        self.arn = summary["StreamARN"]
        shard = self.kinesis.list_shards(StreamName="connect-agent-events")["Shards"][0]["ShardId"]
        self._iterator = self.kinesis.get_shard_iterator(
            StreamName="connect-agent-events", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def put(self, *records: dict[str, Any] | bytes) -> None:
        for record in records:  # Connect partitions by agent: one agent's events stay in order on one shard
            data = record if isinstance(record, bytes) else json.dumps(record).encode()
            self.kinesis.put_record(StreamName="connect-agent-events", Data=data, PartitionKey=AGENT_ARN)

    def lambda_event(self) -> dict[str, Any]:
        """What the Lambda poller hands the function: the next records of the shard, as a Kinesis event."""
        got = self.kinesis.get_records(ShardIterator=self._iterator)
        self._iterator = got["NextShardIterator"]
        return {"Records": [self._lambda_record(r) for r in got["Records"]]}

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        arrival: datetime = record["ApproximateArrivalTimestamp"]
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": arrival.timestamp(),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"shardId-000000000000:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/agent-events",
            "awsRegion": "us-east-1",
            "eventSourceARN": self.arn,
        }


@pytest.fixture
def env(aws: AwsResources, monkeypatch: pytest.MonkeyPatch) -> AwsResources:
    monkeypatch.setenv("TABLE_NAME", aws.table.name)
    monkeypatch.setenv("SESSIONS_QUEUE_URL", aws.queue_url)
    for cached in (agent_events.settings, agent_events.hold, api.settings, api.service):
        cached.cache_clear()
    return aws


@pytest.fixture
def stream(env: AwsResources) -> AgentEventStream:
    return AgentEventStream()


def started(env: AwsResources) -> None:
    reply = api.handler(api_event(START_PATH, start_body(GUID)), lambda_context("api"))
    assert reply["statusCode"] == 200
    assert [json.loads(b)["generation"] for b in env.jobs()] == [1]  # received: the worker has it


def conversation(env: AwsResources) -> dict[str, Any]:
    return env.table.get_item(Key={"pk": f"CONV#{GUID}", "sk": "META"}, ConsistentRead=True)["Item"]


def invoke(stream: AgentEventStream) -> dict[str, Any]:
    return agent_events.handler(stream.lambda_event(), lambda_context("agent-events"))


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_hold_pauses_the_conversation_and_the_end_of_hold_resumes_it(env, stream, time_machine) -> None:
    """Given a streaming conversation, when the agent puts the customer on hold and takes them off it 20 s later,
    then the conversation stops at the hold's start, and resumes as generation 2 reading from now, with its session
    job on the sessions queue."""
    started(env)
    hold_at = NOW + timedelta(milliseconds=250)
    stream.put(hold_event(GUID, hold_at, connected_at=CONNECTED_AT))
    # the record reaches the Lambda a second after the hold began (a hold in the future would be capped at now)
    time_machine.move_to(hold_at + timedelta(seconds=1), tick=True)

    assert invoke(stream) == {"batchItemFailures": []}

    paused = conversation(env)
    assert paused["state"] == "STOPPING"
    assert int(paused["stop_requested_at_ms"]) == ms(hold_at)
    assert env.jobs() == []

    stream.put(unhold_event(GUID, hold_at + timedelta(seconds=20), connected_at=CONNECTED_AT))
    assert invoke(stream) == {"batchItemFailures": []}

    resumed = conversation(env)
    assert (resumed["state"], int(resumed["generation"]), resumed["start_selector"]["type"]) == ("STARTING", 2, "NOW")
    assert "stop_requested_at_ms" not in resumed and "held_at_ms" not in resumed
    [job] = [json.loads(b) for b in env.jobs()]
    assert (job["guid"], job["generation"], job["start_selector"]["type"]) == (GUID, 2, "NOW")
    assert {s["stream_id"] for s in job["streams"]} == {paused["customer_stream_id"], paused["agent_stream_id"]}


def test_duplicated_and_reordered_records_in_one_batch_leave_the_contact_state(env, stream) -> None:
    """The end of the hold arrives first, then the hold, then both again: the conversation keeps streaming."""
    started(env)
    hold = hold_event(GUID, NOW, connected_at=CONNECTED_AT)
    back = unhold_event(GUID, NOW + timedelta(seconds=5), connected_at=CONNECTED_AT)
    stream.put(back, hold, back, hold)

    assert invoke(stream) == {"batchItemFailures": []}

    item = conversation(env)
    assert (item["state"], int(item["generation"])) == ("STARTING", 1)
    assert env.jobs() == []


def test_a_failed_record_is_reported_and_its_retry_completes_the_resume(env, stream, monkeypatch) -> None:
    """SQS fails while the resume's job is sent: only that record comes back in batchItemFailures (the malformed
    one before it is skipped), and Kinesis's retry of it queues the job."""
    started(env)
    stream.put(hold_event(GUID, NOW, connected_at=CONNECTED_AT))
    invoke(stream)
    real_send = SqsJobQueue.send
    failures = [DependencyUnavailable("SQS request failed (InternalError); retry shortly")]

    def flaky_send(self, job):
        if failures:
            raise failures.pop()
        return real_send(self, job)

    monkeypatch.setattr(SqsJobQueue, "send", flaky_send)
    back = unhold_event(GUID, NOW + timedelta(seconds=8), connected_at=CONNECTED_AT)
    stream.put(b"\x00not json", back)
    batch = stream.lambda_event()

    reply = agent_events.handler(batch, lambda_context("agent-events"))

    failed_sequence = batch["Records"][1]["kinesis"]["sequenceNumber"]
    assert reply == {"batchItemFailures": [{"itemIdentifier": failed_sequence}]}
    assert env.jobs() == []

    retry = {"Records": batch["Records"][1:]}  # Kinesis retries from the first failed record
    assert agent_events.handler(retry, lambda_context("agent-events")) == {"batchItemFailures": []}
    assert [json.loads(b)["generation"] for b in env.jobs()] == [2]


def test_records_for_contacts_not_being_transcribed_are_ignored(env, stream) -> None:
    stream.put(hold_event("8d1f3e5a-0000-4b2c-9e7d-6a5b4c3d2e1f", NOW, connected_at=CONNECTED_AT))

    assert invoke(stream) == {"batchItemFailures": []}
    assert env.items() == []
