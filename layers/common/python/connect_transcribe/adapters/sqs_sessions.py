"""The sessions queue as the media gateway consumes it: receive jobs, keep them invisible while a session
runs, hand them back (visible again) on handover, delete them when the session is done."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from connect_transcribe.models.session import ReceivedJob, SessionJob


class SqsJobSource:
    def __init__(self, sqs: Any, queue_url: str, *, visibility_s: int = 20) -> None:
        """`visibility_s`: how long a received job stays hidden before the first extension. A worker that dies
        before extending is replaced after this long, so keep it near the lease, not the queue's default."""
        self._sqs = sqs
        self._url = queue_url
        self._visibility_s = visibility_s

    def receive(self, max_jobs: int, wait_s: float) -> list[ReceivedJob]:
        response = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=max(1, min(10, max_jobs)),
            WaitTimeSeconds=max(1, min(20, math.ceil(wait_s))),  # long poll: never a busy loop
            VisibilityTimeout=self._visibility_s,
            MessageSystemAttributeNames=["ApproximateFirstReceiveTimestamp"],
        )
        out = []
        for m in response.get("Messages", []):
            first = int(m.get("Attributes", {}).get("ApproximateFirstReceiveTimestamp", 0))
            try:
                out.append(ReceivedJob(m["ReceiptHandle"], SessionJob.model_validate_json(m["Body"]), None, first))
            except ValidationError as exc:
                out.append(ReceivedJob(m["ReceiptHandle"], None, f"invalid job: {exc.error_count()} errors", first))
        return out

    def extend(self, receipt: str, seconds: int) -> None:
        self._sqs.change_message_visibility(QueueUrl=self._url, ReceiptHandle=receipt, VisibilityTimeout=seconds)

    def retry_later(self, receipt: str, seconds: int) -> None:
        self._sqs.change_message_visibility(QueueUrl=self._url, ReceiptHandle=receipt, VisibilityTimeout=seconds)

    def delete(self, receipt: str) -> None:
        self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=receipt)

    def resend(self, job: SessionJob) -> None:
        self._sqs.send_message(QueueUrl=self._url, MessageBody=job.model_dump_json())
