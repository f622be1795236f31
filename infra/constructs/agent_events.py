"""Pause on hold: the function that reads Amazon Connect's agent event stream (a Kinesis data stream the deployment
brings, `agent_event_stream_arn`) and pauses and resumes conversations; its least-privilege grants, the Kinesis
event source and the queue that keeps the records it gave up on."""

from __future__ import annotations

import jsii
from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from connect_transcribe.settings import AgentEventsSettings, environment
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.layers import Layers
from infra.constructs.service_function import ServiceFunction
from infra.nag import acknowledge

FOLDER = "agent_events"
# A batch is a few dozen agents' state changes; each record is one or two DynamoDB calls.
BATCH_SIZE = 100
# A failing record holds up its shard (Kinesis keeps order): retry it a few times, bisecting the batch to isolate it,
# then hand it to the failed-records queue. A hold older than this is no longer worth applying.
RETRY_ATTEMPTS = 5
MAX_RECORD_AGE = Duration.minutes(15)
TIMEOUT = Duration.seconds(30)
MEMORY_MB = 256
# SessionService reads the conversation (consistent GetItem) and writes it conditionally (PutItem); a pause reads
# the session's lease owner (GetItem) and adds to that worker's stop signals (UpdateItem); nothing else.
TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
# SQS encrypts the resume's session job with our key on the caller's behalf; DynamoDB uses its own grant on the key.
KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
# What the Lambda poller reads a stream with (the managed AWSLambdaKinesisExecutionRole minus logs and ListStreams).
STREAM_ACTIONS = [
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
]


@jsii.implements(lambda_.IEventSourceDlq)
class _FailedRecordsQueue:
    """The on-failure destination, granted only sqs:SendMessage (SqsDlq's grant_send_messages adds
    GetQueueAttributes, GetQueueUrl and kms wildcards)."""

    def __init__(self, queue: sqs.IQueue, key: kms.IKey) -> None:
        self._queue = queue
        self._key = key

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        self._queue.grant(target_handler, "sqs:SendMessage")
        self._key.grant(target_handler, *KEY_ACTIONS)
        return lambda_.DlqDestinationConfig(destination=self._queue.queue_arn)


class AgentEvents(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        layers: Layers,
        key: kms.IKey,
        table: dynamodb.ITable,
        sessions_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        assert config.agent_event_stream_arn is not None, "deploy AgentEvents only with agent_event_stream_arn"
        self.handler = ServiceFunction(
            self,
            "Function",
            config=config,
            layers=layers,
            folder=FOLDER,
            description=f"{config.service_name} pause on hold: agent event stream -> pause/resume transcription",
            memory_mb=MEMORY_MB,
            timeout=TIMEOUT,
            environment=environment(
                AgentEventsSettings,
                table_name=table.table_name,
                sessions_queue_url=sessions_queue.queue_url,
                retention_days=str(config.retention_days),
                contact_id_source=config.contact_id_source.value,
            ),
        )
        self.function = self.handler.function
        role = self.handler.role

        # Explicit action lists (what SessionService's pause and resume call) instead of grant_read_write_data and
        # grant_send_messages, which add Scan, DeleteItem, the table's indexes and kms wildcards.
        role.add_to_principal_policy(iam.PolicyStatement(actions=TABLE_ACTIONS, resources=[table.table_arn]))
        sessions_queue.grant(role, "sqs:SendMessage")
        key.grant(role, *KEY_ACTIONS)

        stream_arn = config.agent_event_stream_arn
        role.add_to_principal_policy(iam.PolicyStatement(actions=STREAM_ACTIONS, resources=[stream_arn]))
        if config.agent_event_stream_kms_key_arn is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["kms:Decrypt"], resources=[config.agent_event_stream_kms_key_arn])
            )
        self.stream_arn = stream_arn

        self.failed_records = sqs.Queue(
            self,
            "FailedRecords",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.failed_records,
            "AwsSolutions-SQS3",
            "This queue is the Kinesis event source's on-failure destination (a dead-letter queue for records "
            "it gave up on: metadata of the failed batch); nothing consumes it automatically.",
        )
        # add_event_source_mapping, not KinesisEventSource: that one calls Stream.grant_read, which adds ListStreams,
        # SubscribeToShard and DescribeStreamConsumer (enhanced fan-out, unused) to the statement above.
        self.event_source = self.function.add_event_source_mapping(
            "AgentEventStream",
            event_source_arn=stream_arn,
            starting_position=lambda_.StartingPosition.LATEST,
            batch_size=BATCH_SIZE,
            # No batching window: a hold should stop the reader within ~2 s of the event.
            max_batching_window=Duration.seconds(0),
            bisect_batch_on_error=True,
            report_batch_item_failures=True,
            retry_attempts=RETRY_ATTEMPTS,
            max_record_age=MAX_RECORD_AGE,
            parallelization_factor=1,  # one agent's events stay in order (Connect partitions by agent)
            on_failure=_FailedRecordsQueue(self.failed_records, key),
        )
