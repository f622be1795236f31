"""Agent event stream (Kinesis) Lambda: pause a conversation while its contact is on hold, resume it after, with
partial batch failures."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from connect_transcribe.control.hold import HoldService
from connect_transcribe.observability import logger, metrics, tracer
from connect_transcribe.settings import AgentEventsSettings
from connect_transcribe.wiring import agent_events as agent_events_wiring

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
# Failures come back as batchItemFailures, never as an invocation error: Kinesis retries from the first failed
# record either way (bisecting the batch), and Lambda error alarms stay meaningful.
processor.raise_on_entire_batch_failure = False


@cache
def settings() -> AgentEventsSettings:
    return AgentEventsSettings()


@cache
def hold() -> HoldService:
    return agent_events_wiring.hold_service(settings())


def apply_record(record: KinesisStreamRecord) -> None:
    try:
        event = json.loads(record.kinesis.data_as_text())
    except (ValueError, UnicodeDecodeError):
        event = None  # counted and skipped by the hold logic: it can never succeed
    outcomes = hold().handle(event)
    logger.debug("agent event applied", extra={"outcomes": [o.value for o in outcomes]})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event, apply_record, processor, context))
