"""Shared fixtures: safe AWS environment, moto-backed table and queue shaped like the deployed ones."""

from __future__ import annotations

from connect_transcribe.speech.threads import pin_math_threads

# As the worker's entry point does, before numpy loads: a reference run in this process must compute its features
# exactly as a worker process does. With OpenBLAS on two threads here and one in the worker, the last bits of the
# log-mel features differed, and a borderline word flipped between the two runs of the takeover test.
pin_math_threads()

import os  # noqa: E402 (after the pinning above)
import time  # noqa: E402 (after the pinning above)
from collections.abc import Iterator  # noqa: E402 (after the pinning above)
from dataclasses import dataclass  # noqa: E402 (after the pinning above)
from typing import Any  # noqa: E402 (after the pinning above)

import boto3  # noqa: E402 (after the pinning above)
import pytest  # noqa: E402 (after the pinning above)
from connect_transcribe_dev.resources import table_spec  # noqa: E402 (after the pinning above)
from moto import mock_aws  # noqa: E402 (after the pinning above)

pytest_plugins = ["tests.clock"]  # the frozen_now fixture

# Never let a test reach a real account, whatever the developer's shell has configured.
os.environ.update(
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="ConnectTranscribeTest",
    POWERTOOLS_SERVICE_NAME="connect-transcribe-test",
    POWERTOOLS_LOG_LEVEL="WARNING",
)
for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(var, None)

if "libfaketime" in os.environ.get("LD_PRELOAD", "") and not getattr(time.sleep, "adapted_to_libfaketime", False):
    raise RuntimeError(
        "under faketime, run the tests as `make test-any-date` does (see tests/faketime/sitecustomize.py)"
    )


@dataclass
class AwsResources:
    table: Any
    sqs: Any
    queue_url: str

    def jobs(self) -> list[str]:
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [m["Body"] for m in messages.get("Messages", [])]

    def items(self) -> list[dict[str, Any]]:
        return self.table.scan()["Items"]


def create_table(name: str = "connect-transcribe") -> Any:
    """Same keys, index and TTL as infra/constructs (pk/sk, byExportSlot, expiresAt)."""
    ddb = boto3.resource("dynamodb")
    table = ddb.create_table(**table_spec(name))
    ddb.meta.client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
    )
    return table


def create_sessions_queue(sqs: Any, *, max_receive_count: int) -> str:
    """The sessions queue with its dead-letter queue, as infra/constructs wires them; returns the queue's URL."""
    dlq = sqs.create_queue(QueueName="sessions-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{max_receive_count}"}}'
    return sqs.create_queue(QueueName="sessions", Attributes={"RedrivePolicy": redrive})["QueueUrl"]


@pytest.fixture
def aws() -> Iterator[AwsResources]:
    with mock_aws():
        table = create_table()
        sqs = boto3.client("sqs")
        yield AwsResources(table=table, sqs=sqs, queue_url=create_sessions_queue(sqs, max_receive_count=5))


@pytest.fixture
def api_env(aws: AwsResources, monkeypatch: pytest.MonkeyPatch) -> AwsResources:
    """Environment of the deployed API function, pointing at the moto resources."""
    monkeypatch.setenv("TABLE_NAME", aws.table.name)
    monkeypatch.setenv("SESSIONS_QUEUE_URL", aws.queue_url)
    from functions.api import handler as api_handler

    api_handler.settings.cache_clear()
    api_handler.service.cache_clear()
    api_handler.messages.cache_clear()
    return aws
