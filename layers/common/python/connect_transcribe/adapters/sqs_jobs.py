"""Session jobs on the SQS sessions queue (consumed by the media gateway)."""

from __future__ import annotations

from typing import Any

from connect_transcribe.adapters.aws_errors import translated
from connect_transcribe.models.session import SessionJob


class SqsJobQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, job: SessionJob) -> None:
        with translated("SQS"):
            self._sqs.send_message(
                QueueUrl=self._queue_url,
                MessageBody=job.model_dump_json(),
                MessageAttributes={
                    "guid": {"DataType": "String", "StringValue": job.guid},
                    "generation": {"DataType": "Number", "StringValue": str(job.generation)},
                },
            )
