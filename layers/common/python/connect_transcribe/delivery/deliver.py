"""Deliver one utterances-queue record to the webhook: retry transient failures within a time budget, then
either hand the record back to SQS (redelivered later, in order) or dead-letter it with its last error.
Nothing final is dropped: every final ends delivered, dead-lettered, or reported as a batch item failure. Interims
(transcript-interim) are perishable: one attempt, never retried, deferred or dead-lettered; one that fails, is too
old, or has a newer revision or its final later in the same batch is dropped and counted (InterimsDropped)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from connect_transcribe.clock import Clock
from connect_transcribe.delivery.auth import WebhookAuth
from connect_transcribe.delivery.body import body_bytes
from connect_transcribe.delivery.failures import AttemptFailed, ConfigurationError, Failure
from connect_transcribe.delivery.ports import (
    DeadLetter,
    DeadLetterQueue,
    DeliveryMetrics,
    HttpReply,
    HttpTransport,
    RefusedTarget,
    TransportFailure,
)
from connect_transcribe.delivery.retry import RetryPolicy, is_retryable, is_success, retry_after_seconds
from connect_transcribe.delivery.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signature
from connect_transcribe.delivery.ssrf import TargetPolicy
from connect_transcribe.models.utterance import InterimMessage, UtteranceMessage, queued_message
from connect_transcribe.models.webhook import WebhookSecret
from connect_transcribe.observability import logger

DELIVERED_METRIC = "WebhookDelivered"
RETRIED_METRIC = "WebhookRetried"
FAILED_METRIC = "WebhookFailed"  # dead-lettered
DEFERRED_METRIC = "WebhookDeferred"  # handed back to SQS for a later receive
LATENCY_METRIC = "WebhookLatencyMs"  # SQS SentTimestamp -> the webhook's 2xx
DELIVERY_METRIC = "DeliveryMs"  # the message's timings.enqueued_at_ms (stamped by the gateway) -> the webhook's 2xx
END_TO_END_METRIC = "EndToEndMs"  # end of speech (audio_timestamp_ms, producer time) -> the webhook's 2xx
INTERIMS_DELIVERED_METRIC = "InterimsDelivered"
INTERIMS_DROPPED_METRIC = "InterimsDropped"
INTERIM_LATENCY_METRIC = "InterimEndToEndMs"  # end of the audio an interim was decoded from -> the webhook's 2xx

# An attempt with less time than this left cannot complete a TLS handshake and a POST: stop instead.
MIN_ATTEMPT_S = 0.2
# Time kept back from the Lambda's remaining time for the dead-letter send and the batch response.
SAFETY_MARGIN_S = 1.5


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    DEAD_LETTERED = "dead_lettered"
    DROPPED = "dropped"  # an interim: perishable


class Deferred(Exception):
    """Not delivered yet and worth another receive: the batch processor reports the record as failed, SQS
    makes it visible again after the visibility timeout, and FIFO holds back the rest of its stream meanwhile."""


@dataclass(frozen=True)
class DeliveryRecord:
    """The parts of an SQS record delivery needs (mapped from the Lambda event by the handler)."""

    message_id: str
    body: str
    receive_count: int = 1
    group_id: str | None = None
    sent_at_ms: int | None = None  # SQS SentTimestamp: start of the queue -> webhook latency


@dataclass(frozen=True)
class DeliveryConfig:
    url: str
    timeout_s: float = 5.0
    retry_budget_s: float = 20.0
    max_receives: int = 5
    signing: bool = False
    interim_timeout_s: float = 2.0  # an interim's one attempt
    interim_max_age_s: float = 10.0  # an interim enqueued longer ago than this is dropped unsent (a backlog)


class WebhookDelivery:
    def __init__(
        self,
        config: DeliveryConfig,
        *,
        transport: HttpTransport,
        auth: WebhookAuth,
        secret: Callable[[], WebhookSecret],
        targets: TargetPolicy,
        dead_letters: DeadLetterQueue,
        metrics: DeliveryMetrics,
        clock: Clock,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._config = config
        self._transport = transport
        self._auth = auth
        self._secret = secret
        self._targets = targets
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._clock = clock
        self._policy = policy or RetryPolicy()

    def deliver(self, record: DeliveryRecord, remaining_s: float, *, superseded: bool = False) -> DeliveryOutcome:
        """`remaining_s`: the Lambda's remaining time. Raises Deferred to have SQS redeliver the record.
        `superseded`: a later record of the same batch supersedes this one if it is an interim (see superseded())."""
        started = self._clock.monotonic()
        hard_deadline = started + remaining_s - SAFETY_MARGIN_S  # every attempt ends by then
        retry_deadline = min(hard_deadline, started + self._config.retry_budget_s)  # no retry starts after
        try:
            message = queued_message(record.body)
        except ValidationError as exc:
            return self._dead_letter(record, None, Failure(f"invalid message body: {_summary(exc)}", True), 0)
        if isinstance(message, InterimMessage):
            return self._deliver_interim(message, hard_deadline, superseded=superseded)

        body = body_bytes(message)
        attempts = 0
        renewed = False
        failure: Failure | None = None
        while hard_deadline - self._clock.monotonic() >= MIN_ATTEMPT_S:
            attempts += 1
            failure = self._attempt(message, body, hard_deadline)
            if failure is None:
                self._delivered(record, message, attempts)
                return DeliveryOutcome.DELIVERED
            if failure.unauthorized and not renewed and self._auth.renew():
                renewed = True  # one retry with a fresh OAuth2 token, straight away
                continue
            if failure.permanent:
                break
            wait = self._policy.wait_s(attempts, failure.retry_after_s)
            if self._clock.monotonic() + wait > retry_deadline:
                break  # the receiver asked for (or backoff needs) more time than the budget has left
            self._metrics.count(RETRIED_METRIC)
            logger.info("webhook attempt failed, retrying", extra=_fields(message, failure, attempts, wait_s=wait))
            self._clock.sleep(wait)

        if failure is None:  # no time for even one attempt: not a failure of the record, try it again
            self._metrics.count(DEFERRED_METRIC)
            logger.warning("webhook delivery deferred", extra=_fields(message, None, 0, reason="no time left"))
            raise Deferred("no time left in this invocation")
        if failure.permanent or record.receive_count >= self._config.max_receives:
            return self._dead_letter(record, message, failure, attempts)
        self._metrics.count(DEFERRED_METRIC)
        logger.warning(
            "webhook delivery deferred", extra=_fields(message, failure, attempts, receive_count=record.receive_count)
        )
        raise Deferred(failure.reason)

    def _deliver_interim(self, message: InterimMessage, hard_deadline: float, *, superseded: bool) -> DeliveryOutcome:
        """One attempt, within interim_timeout_s; whatever goes wrong, the interim is dropped, never retried."""
        enqueued = message.timings.enqueued_at_ms if message.timings is not None else None
        age_s = (self._clock.now().timestamp() * 1000 - (enqueued or message.published_at_ms)) / 1000
        reason = "superseded" if superseded else ("stale" if age_s > self._config.interim_max_age_s else None)
        failure: Failure | None = None
        if reason is None:
            deadline = min(hard_deadline, self._clock.monotonic() + self._config.interim_timeout_s)
            failure = self._attempt(message, body_bytes(message), deadline)
            if failure is None:
                self._metrics.count(INTERIMS_DELIVERED_METRIC)
                now_ms = self._clock.now().timestamp() * 1000
                self._metrics.latency_ms(INTERIM_LATENCY_METRIC, max(0.0, now_ms - message.audio_timestamp_ms))
                return DeliveryOutcome.DELIVERED
            reason = "failed"
        self._metrics.count(INTERIMS_DROPPED_METRIC)
        logger.info("interim dropped", extra=_fields(message, failure, int(failure is not None), reason=reason))
        return DeliveryOutcome.DROPPED

    def _attempt(self, message: UtteranceMessage, body: bytes, deadline: float) -> Failure | None:
        """One POST; None when the webhook accepted it."""
        try:
            reply = self._post(message, body, deadline)
        except AttemptFailed as exc:
            return exc.failure
        except TransportFailure as exc:
            return Failure(exc.description, permanent=exc.permanent)
        except RefusedTarget as exc:
            return Failure(f"refused target: {exc}", permanent=True)
        except Exception as exc:  # secret fetch (Secrets Manager), anything unforeseen: worth another try
            return Failure(f"{type(exc).__name__} preparing the request", permanent=False)
        if is_success(reply.status):
            return None
        return Failure(
            f"HTTP {reply.status} from the webhook",
            permanent=not is_retryable(reply.status),
            http_status=reply.status,
            retry_after_s=retry_after_seconds(reply.headers.get("retry-after"), self._clock.now()),
            unauthorized=reply.status == 401,
        )

    def _post(self, message: UtteranceMessage, body: bytes, deadline: float) -> HttpReply:
        self._targets.check_url(self._config.url)
        key = message.idempotency_key if isinstance(message, InterimMessage) else message.utterance_id
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: key}
        secret = self._secret()
        if self._config.signing:
            if not secret.signing_secret:
                raise ConfigurationError("the webhook secret lacks signingSecret (WEBHOOK_SIGNING=true)")
            headers[SIGNATURE_HEADER] = signature(secret.signing_secret.get_secret_value(), body)
        url = self._auth.apply(self._config.url, headers, secret, self._timeout(deadline))
        return self._transport.post(url, body, headers, self._timeout(deadline))

    def _timeout(self, deadline: float) -> float:
        return max(0.05, min(self._config.timeout_s, deadline - self._clock.monotonic()))

    def _delivered(self, record: DeliveryRecord, message: UtteranceMessage, attempts: int) -> None:
        self._metrics.count(DELIVERED_METRIC)
        now_ms = self._clock.now().timestamp() * 1000
        latency_ms = None
        if record.sent_at_ms is not None:
            latency_ms = max(0.0, now_ms - record.sent_at_ms)
            self._metrics.latency_ms(LATENCY_METRIC, latency_ms)
        delivery_ms = None
        if message.timings is not None and message.timings.enqueued_at_ms is not None:
            # clocks of two hosts (both NTP-synchronised): a small negative difference is skew, not a time
            delivery_ms = round(max(0.0, now_ms - message.timings.enqueued_at_ms), 1)
            self._metrics.latency_ms(DELIVERY_METRIC, delivery_ms)
        end_to_end_ms = round(max(0.0, now_ms - message.audio_timestamp_ms), 1)
        self._metrics.latency_ms(END_TO_END_METRIC, end_to_end_ms)
        logger.debug(
            "webhook delivered",
            extra=_fields(
                message,
                None,
                attempts,
                latency_ms=latency_ms,
                delivery_ms=delivery_ms,
                end_to_end_ms=end_to_end_ms,
                timings=message.timings.model_dump() if message.timings is not None else None,
            ),
        )

    def _dead_letter(
        self, record: DeliveryRecord, message: UtteranceMessage | None, failure: Failure, attempts: int
    ) -> DeliveryOutcome:
        letter = DeadLetter(
            body=record.body,
            group_id=message.stream_id if message else (record.group_id or "invalid"),
            # The source message id, not the utterance id: a record redriven and failing again within the FIFO
            # de-duplication window (5 min) must not be swallowed by the DLQ, while a Lambda retry of the same
            # record after a successful send must not add a second copy.
            dedup_id=record.message_id,
            last_error=failure.reason,
            attempts=attempts,
            receive_count=record.receive_count,
            failed_at=self._clock.now(),
            http_status=failure.http_status,
            utterance_id=message.utterance_id if message else None,
        )
        fields = _fields(message, failure, attempts, receive_count=record.receive_count, message_id=record.message_id)
        try:
            self._dead_letters.send(letter)
        except Exception as exc:
            self._metrics.count(DEFERRED_METRIC)
            logger.error("dead-letter send failed; record left on the queue", extra=fields | {"cause": repr(exc)})
            raise Deferred(f"dead-letter send failed: {type(exc).__name__}") from None
        self._metrics.count(FAILED_METRIC)
        logger.error("webhook delivery failed; dead-lettered", extra=fields)
        return DeliveryOutcome.DEAD_LETTERED


def superseded(records: list[DeliveryRecord]) -> set[str]:
    """The message ids of interims in a batch that a later record of the same stream supersedes: its final, or a
    higher revision of it. Sending them would only delay the final behind them."""
    latest: dict[tuple[str, int], tuple[int, str]] = {}  # (stream, sequence) -> (revision, message id); final: inf
    interims: list[tuple[tuple[str, int], int, str]] = []
    for record in records:
        try:
            message = queued_message(record.body)
        except ValidationError:
            continue
        key = (message.stream_id, message.sequence)
        revision = message.revision if isinstance(message, InterimMessage) else 1 << 30
        if isinstance(message, InterimMessage):
            interims.append((key, revision, record.message_id))
        if revision >= latest.get(key, (0, ""))[0]:
            latest[key] = (revision, record.message_id)
    return {message_id for key, revision, message_id in interims if latest[key][0] > revision}


def _summary(exc: ValidationError) -> str:
    """Field locations and messages only: pydantic's str() would echo the input, transcript text included."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors(include_input=False)]
    return "; ".join(parts[:5])


def _fields(message: UtteranceMessage | None, failure: Failure | None, attempts: int, **extra: object) -> dict:
    fields: dict[str, object] = {"attempts": attempts, **extra}
    if message is not None:
        fields |= {
            "utterance_id": message.utterance_id,
            "conversation_id": message.guid,
            "stream_id": message.stream_id,
            "sequence": message.sequence,
        }
    if failure is not None:
        fields |= {"error": failure.reason, "http_status": failure.http_status, "permanent": failure.permanent}
    return fields
