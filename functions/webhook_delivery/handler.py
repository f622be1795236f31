"""Webhook delivery Lambda: SQS FIFO utterances queue -> customer webhook, with partial batch failures."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.delivery.deliver import DeliveryRecord, WebhookDelivery, superseded
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.settings import WebhookSettings
from connect_transcribe.wiring import delivery as delivery_wiring

# A failed record fails only the rest of its own stream (message group) in the batch; other streams go on.
processor = SqsFifoPartialProcessor(skip_group_on_error=True)
# A batch whose records all failed is still answered with batchItemFailures (not an invocation error): SQS
# redelivers the same records either way, and Lambda error alarms stay meaningful.
processor.raise_on_entire_batch_failure = False


@cache
def settings() -> WebhookSettings:
    return WebhookSettings()


@cache
def delivery() -> WebhookDelivery:
    return delivery_wiring.webhook_delivery(settings())


def delivery_record(record: SQSRecord) -> DeliveryRecord:
    sent = record.attributes.sent_timestamp
    return DeliveryRecord(
        message_id=record.message_id,
        body=record.body,
        receive_count=int(record.attributes.approximate_receive_count or 1),
        group_id=record.attributes.message_group_id,
        sent_at_ms=int(sent) if sent else None,
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # interims that a later record of the batch supersedes are dropped unsent (their final is not delayed by them)
    skip = superseded([delivery_record(SQSRecord(raw)) for raw in event.get("Records", [])])

    def deliver_record(record: SQSRecord, lambda_context: LambdaContext) -> None:
        delivery().deliver(
            delivery_record(record),
            remaining_s=lambda_context.get_remaining_time_in_millis() / 1000,
            superseded=record.message_id in skip,
        )

    return dict(process_partial_response(event, deliver_record, processor, context))
