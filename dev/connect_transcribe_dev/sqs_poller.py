"""Run a Lambda SQS handler against a queue in a thread, the way a Lambda event source mapping would (local mode,
tests, benchmarks): long-poll, invoke with Lambda's event shape, delete what the handler did not report as failed."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

from connect_transcribe.observability import logger

from connect_transcribe_dev.lambda_context import LocalLambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS ReceiveMessage entry as Lambda passes it: camelCase keys, system attributes as strings."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {name: str(value) for name, value in message.get("Attributes", {}).items()},
        "messageAttributes": {
            name: _lambda_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return out


def failed_ids(response: Any, batch_ids: list[str]) -> set[str]:
    """Message ids to keep on the queue. As Lambda does: an itemIdentifier that is missing, empty or not in the
    batch fails the whole batch; a response without batchItemFailures means every record succeeded."""
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    failures = response["batchItemFailures"]
    ids = {f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures}
    if not ids <= set(batch_ids):
        return set(batch_ids)
    return {i for i in ids if isinstance(i, str)}


class SqsLambdaPoller:
    """One poller thread, one invocation at a time: like an event source mapping with maximum concurrency 1, no
    batching window and ReportBatchItemFailures on. FIFO order holds because SQS keeps a message group locked
    while any of its messages is in flight, and the next receive only happens after the deletes. Records left
    on the queue come back after the queue's visibility timeout, as with Lambda."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        *,
        batch_size: int = 10,
        wait_s: int = 1,
        context_factory: Callable[[], Any] | None = None,
        error_backoff_s: float = 0.5,
    ) -> None:
        if not 1 <= batch_size <= 10:
            raise ValueError("batch_size must be 1..10 (one ReceiveMessage call)")
        self._sqs = sqs
        self._url = queue_url
        self._handler = handler
        self._batch_size = batch_size
        self._wait_s = wait_s
        # By default a fresh context per invocation with the deployed delivery function's 60 s timeout, so the
        # handler's retry budget is not cut short by LocalLambdaContext's default of 8 s.
        self._context_factory = context_factory or (
            lambda: LocalLambdaContext(function_name="webhook-delivery", timeout_seconds=60)
        )
        self._error_backoff_s = error_backoff_s
        self._fifo = queue_url.endswith(".fifo")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queue_arn: str | None = None
        self.invocations = 0
        self.deleted = 0
        self.failed = 0  # records left on the queue for redelivery (handler errors and reported failures)

    def start(self) -> SqsLambdaPoller:
        if self._thread is not None:
            raise RuntimeError("poller already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"sqs-poller:{self._url.rsplit('/', 1)[-1]}")
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self, timeout_s: float | None = None) -> None:
        """Finish the receive and invocation in progress (a long poll ends within wait_s), then return."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s if timeout_s is not None else self._wait_s + 10)
            self._thread = None

    def __enter__(self) -> SqsLambdaPoller:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def poll_once(self) -> int:
        """One receive → invoke → delete cycle; returns the number of records passed to the handler."""
        messages = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        queue_arn = self._arn()
        region = self._sqs.meta.region_name
        event = {"Records": [lambda_record(m, queue_arn, region) for m in messages]}
        ids = [m["MessageId"] for m in messages]
        self.invocations += 1
        try:
            response = self._handler(event, self._context_factory())
        except Exception as exc:
            # As Lambda: the whole batch becomes visible again after the visibility timeout. The type only: an
            # exception's text can quote the record body (e.g. a validation error), which holds transcript text.
            logger.error("sqs handler raised; batch left on the queue", extra={"error": type(exc).__name__})
            self.failed += len(messages)
            self._release_followers(messages)
            return len(messages)
        keep = failed_ids(response, ids)
        self.failed += len(keep)
        self._delete([m for m in messages if m["MessageId"] not in keep])
        self._release_followers([m for m in messages if m["MessageId"] in keep])
        return len(messages)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # a local queue restarting must not end the poller
                logger.warning("sqs poll failed", extra={"error": type(exc).__name__, "queue": self._url})
                self._stop.wait(self._error_backoff_s)

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            result = self._sqs.delete_message_batch(QueueUrl=self._url, Entries=entries)
            self.deleted += len(result.get("Successful", []))
            if result.get("Failed"):
                logger.warning("sqs delete failed", extra={"count": len(result["Failed"]), "queue": self._url})

    def _release_followers(self, kept: list[dict[str, Any]]) -> None:
        """Leave one visibility timer per FIFO group. On SQS the first kept record keeps its group locked, so
        making the records behind it visible changes nothing there; moto 5.2 instead redelivers a group out of
        order when several of its records time out a few milliseconds apart."""
        if not self._fifo:
            return
        seen: set[str] = set()
        followers = []
        for m in kept:
            group = m.get("Attributes", {}).get("MessageGroupId", "")
            if group in seen:
                followers.append(m)
            seen.add(group)
        for start in range(0, len(followers), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(followers[start : start + 10])
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=self._url, Entries=entries)

    def _arn(self) -> str:
        if self._queue_arn is None:
            attrs = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])
            self._queue_arn = str(attrs["Attributes"]["QueueArn"])
        return self._queue_arn
