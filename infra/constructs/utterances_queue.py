"""The `utterances` FIFO queue: each finished utterance for delivery, in order per stream, with a FIFO DLQ.

The media gateway sends with MessageGroupId = streamId and MessageDeduplicationId = utteranceId, so
a re-published utterance (after a task hand-over) is dropped within SQS's 5-minute window. The webhook
delivery function consumes it and moves messages it gives up on to the DLQ itself (with their last error).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DeploymentConfig


class UtterancesQueue(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            fifo=True,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(config.utterances_dlq_retention_days),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            fifo=True,
            # High-throughput FIFO: ordering and de-duplication per stream are all we need, and one message
            # group per stream lets throughput grow with the number of live calls.
            deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP,
            fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            # At least the delivery function's timeout (6x by default, AWS's advice for event sources): a batch
            # still in a slow or throttled invocation must not become visible again, or a second invocation
            # would deliver the same stream's utterances in parallel, out of order.
            visibility_timeout=Duration.seconds(config.utterances_visibility_timeout_seconds),
            # A safety net above delivery_max_receives: catches messages the function never got to handle.
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=config.utterances_max_receive_count
            ),
        )
