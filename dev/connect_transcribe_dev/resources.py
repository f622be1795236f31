"""The AWS resources of one deployment, created on a local AWS endpoint (moto server) with the shapes the CDK
stack gives them: the table, the sessions queue, the utterances FIFO queue with its DLQ, the webhook secret,
the feed bucket, the recordings bucket."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from connect_transcribe.adapters.dynamodb_export import CREATED_AT_ATTRIBUTE, EXPORT_INDEX, EXPORT_SLOT_ATTRIBUTE


@dataclass(frozen=True)
class LocalResources:
    table_name: str
    sessions_queue_url: str
    utterances_queue_url: str
    utterances_dlq_url: str
    webhook_secret_arn: str
    signing_secret: str
    feed_bucket: str
    recordings_bucket: str


def table_spec(name: str) -> dict[str, Any]:
    """CreateTable arguments with infra/constructs/storage.py's keys and index (the tests use it too)."""
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": EXPORT_SLOT_ATTRIBUTE, "AttributeType": "S"},
            {"AttributeName": CREATED_AT_ATTRIBUTE, "AttributeType": "N"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": EXPORT_INDEX,
                "KeySchema": [
                    {"AttributeName": EXPORT_SLOT_ATTRIBUTE, "KeyType": "HASH"},
                    {"AttributeName": CREATED_AT_ATTRIBUTE, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["body"]},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def create_resources(session: Any, prefix: str = "connect-transcribe") -> LocalResources:
    ddb = session.client("dynamodb")
    ddb.create_table(**table_spec(prefix))
    ddb.update_time_to_live(TableName=prefix, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"})
    sqs = session.client("sqs")
    sessions_dlq = sqs.create_queue(QueueName=f"{prefix}-sessions-dlq")["QueueUrl"]
    sessions = sqs.create_queue(
        QueueName=f"{prefix}-sessions",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": _arn(sqs, sessions_dlq), "maxReceiveCount": 20})
        },
    )["QueueUrl"]
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    dlq = sqs.create_queue(QueueName=f"{prefix}-utterances-dlq.fifo", Attributes=fifo)["QueueUrl"]
    utterances = sqs.create_queue(
        QueueName=f"{prefix}-utterances.fifo",
        Attributes={
            **fifo,
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 10}),
        },
    )["QueueUrl"]
    signing = secrets.token_urlsafe(32)
    secret_arn = session.client("secretsmanager").create_secret(
        Name=f"{prefix}-webhook", SecretString=json.dumps({"signingSecret": signing})
    )["ARN"]
    feed_bucket = _create_bucket(session, f"{prefix}-feed")
    recordings_bucket = _create_bucket(session, f"{prefix}-recordings")
    return LocalResources(prefix, sessions, utterances, dlq, secret_arn, signing, feed_bucket, recordings_bucket)


def _create_bucket(session: Any, name: str) -> str:
    s3 = session.client("s3")
    if session.region_name in (None, "us-east-1"):
        s3.create_bucket(Bucket=name)
    else:  # S3 wants the region named outside us-east-1 (local mode reading real KVS runs in the developer's)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": session.region_name})
    return name


def _arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
