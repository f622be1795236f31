"""Delivery logic with in-memory ports and a fake clock: the retry/dead-letter/defer decisions."""

from __future__ import annotations

import json

import pytest
from connect_transcribe.delivery.auth import OAuthSettings, OAuthTokenCache, WebhookAuth
from connect_transcribe.delivery.deliver import (
    Deferred,
    DeliveryConfig,
    DeliveryOutcome,
    DeliveryRecord,
    WebhookDelivery,
)
from connect_transcribe.delivery.ports import HttpReply, RefusedTarget, TransportFailure
from connect_transcribe.delivery.retry import RetryPolicy
from connect_transcribe.delivery.ssrf import TargetPolicy
from connect_transcribe.models.enums import WebhookAuthMode
from connect_transcribe.models.utterance import UtteranceTimings
from connect_transcribe.models.webhook import WebhookSecret

from tests.clock import FakeClock
from tests.delivery_factories import utterance
from tests.unit.delivery.fakes import CountingMetrics, ListDeadLetters, ScriptedTransport

URL = "https://hooks.example.com/transcripts"


class Setup:
    def __init__(
        self, *, script=(), secret=None, auth=None, budget_s=20.0, timeout_s=5.0, max_receives=5, signing=False
    ):
        self.clock = FakeClock()
        self.transport = ScriptedTransport(self.clock, list(script))
        self.dlq = ListDeadLetters()
        self.metrics = CountingMetrics()
        self.delivery = WebhookDelivery(
            DeliveryConfig(
                URL, timeout_s=timeout_s, retry_budget_s=budget_s, max_receives=max_receives, signing=signing
            ),
            transport=self.transport,
            auth=auth or WebhookAuth(WebhookAuthMode.NONE),
            secret=lambda: secret or WebhookSecret(),
            targets=TargetPolicy(),
            dead_letters=self.dlq,
            metrics=self.metrics,
            clock=self.clock,
            policy=RetryPolicy(random=lambda: 1.0),
        )

    def deliver(self, receive_count: int = 1, body: str | None = None, remaining_s: float = 60.0):
        record = DeliveryRecord(
            message_id="m-1", body=body or utterance(1).model_dump_json(), receive_count=receive_count, group_id="g"
        )
        return self.delivery.deliver(record, remaining_s)


def test_transient_failures_are_retried_with_backoff_until_delivered() -> None:
    s = Setup(script=[HttpReply(503), TransportFailure("connection failed: connection reset"), HttpReply(200)])
    assert s.deliver() is DeliveryOutcome.DELIVERED
    assert len(s.transport.sent) == 3
    assert s.clock.slept == [0.2, 0.4]
    assert s.metrics.counts == {"WebhookRetried": 2, "WebhookDelivered": 1}


def test_permanent_status_goes_straight_to_the_dlq() -> None:
    s = Setup(script=[HttpReply(404)])
    assert s.deliver() is DeliveryOutcome.DEAD_LETTERED
    [letter] = s.dlq.letters
    assert (letter.last_error, letter.http_status, letter.attempts, letter.dedup_id) == (
        "HTTP 404 from the webhook",
        404,
        1,
        "m-1",
    )
    assert letter.group_id == "stream-customer-1"
    assert s.metrics.counts == {"WebhookFailed": 1}


def test_retry_after_is_honoured_within_the_budget() -> None:
    s = Setup(script=[HttpReply(429, {"retry-after": "3"})])
    assert s.deliver() is DeliveryOutcome.DELIVERED
    assert s.clock.slept == [3.0]


def test_a_retry_after_beyond_the_budget_defers_without_sleeping() -> None:
    s = Setup(script=[HttpReply(503, {"retry-after": "60"})], budget_s=20)
    with pytest.raises(Deferred, match="HTTP 503"):
        s.deliver()
    assert s.clock.slept == [] and s.dlq.letters == []
    assert s.metrics.counts == {"WebhookDeferred": 1}


def test_retries_stop_at_the_budget_and_the_record_goes_back_to_sqs() -> None:
    s = Setup(script=[HttpReply(500)] * 100, budget_s=3.0)
    with pytest.raises(Deferred):
        s.deliver(receive_count=2)
    assert sum(s.clock.slept) <= 3.0
    assert len(s.transport.sent) == 4  # waits 0.2 + 0.4 + 0.8 = 1.4; the next (1.6) would end past 3 s


def test_the_last_receive_dead_letters_a_transient_failure() -> None:
    s = Setup(script=[HttpReply(500)] * 100, budget_s=1.0, max_receives=5)
    assert s.deliver(receive_count=5) is DeliveryOutcome.DEAD_LETTERED
    assert s.dlq.letters[0].receive_count == 5 and s.dlq.letters[0].last_error == "HTTP 500 from the webhook"


def test_attempts_never_outlive_the_lambda() -> None:
    s = Setup(script=[HttpReply(500)] * 100, budget_s=20.0, timeout_s=5.0)
    started = s.clock.monotonic()
    with pytest.raises(Deferred):
        s.deliver(remaining_s=4.0)  # 1.5 s kept back: attempts must end within 2.5 s
    assert all(sent.timeout_s <= 2.5 for sent in s.transport.sent)
    assert s.clock.monotonic() - started <= 2.5


def test_no_time_left_defers_without_an_attempt() -> None:
    s = Setup()
    with pytest.raises(Deferred, match="no time left"):
        s.deliver(receive_count=9, remaining_s=1.0)
    assert s.transport.sent == [] and s.dlq.letters == []


def test_invalid_body_is_dead_lettered_without_echoing_it() -> None:
    s = Setup()
    body = json.dumps({"text": "tell nobody this", "sequence": "x"})
    assert s.deliver(body=body) is DeliveryOutcome.DEAD_LETTERED
    [letter] = s.dlq.letters
    assert letter.body == body and letter.group_id == "g" and letter.utterance_id is None
    assert letter.last_error.startswith("invalid message body: ")
    assert "tell nobody" not in letter.last_error


def test_refused_target_is_permanent() -> None:
    s = Setup(script=[RefusedTarget("10.0.0.1 is not a public address")])
    assert s.deliver() is DeliveryOutcome.DEAD_LETTERED
    assert s.dlq.letters[0].last_error == "refused target: 10.0.0.1 is not a public address"


def test_a_failing_dlq_leaves_the_record_on_the_queue() -> None:
    s = Setup(script=[HttpReply(400)])
    s.dlq.fail = True
    with pytest.raises(Deferred, match="dead-letter send failed"):
        s.deliver()


def test_signing_without_a_signing_secret_is_a_configuration_error() -> None:
    s = Setup(signing=True)
    assert s.deliver() is DeliveryOutcome.DEAD_LETTERED
    assert s.transport.sent == []
    assert "signingSecret" in s.dlq.letters[0].last_error


def test_headers_carry_the_idempotency_key_and_signature() -> None:
    s = Setup(signing=True, secret=WebhookSecret(signingSecret="0123456789abcdef0123"))
    s.deliver()
    headers = s.transport.sent[0].headers
    assert headers["Idempotency-Key"] == utterance(1).utterance_id
    assert len(headers["X-Signature-SHA256"]) == 64


def test_oauth2_renews_the_token_once_after_a_401() -> None:
    clock = FakeClock()
    token_transport = ScriptedTransport(
        clock,
        [
            HttpReply(200, body=b'{"access_token":"t1","expires_in":3600}'),
            HttpReply(200, body=b'{"access_token":"t2","expires_in":3600}'),
        ],
    )
    auth = WebhookAuth(
        WebhookAuthMode.OAUTH2,
        oauth=OAuthTokenCache(OAuthSettings("https://idp.example.com/token"), token_transport, clock),
    )
    s = Setup(script=[HttpReply(401), HttpReply(401)], auth=auth, secret=WebhookSecret(clientId="c", clientSecret="s"))
    s.clock = clock
    assert s.deliver() is DeliveryOutcome.DEAD_LETTERED
    assert [x.headers["Authorization"] for x in s.transport.sent] == ["Bearer t1", "Bearer t2"]
    assert s.dlq.letters[0].last_error == "HTTP 401 from the webhook"


def _fake_now_ms(clock: FakeClock) -> int:
    return round(clock.now().timestamp() * 1000)


def test_delivery_and_end_to_end_times_are_measured_from_the_timestamps_the_message_carries() -> None:
    # Given a message the gateway queued 1.5 s ago, for speech that ended 2 s ago
    s = Setup()
    now_ms = _fake_now_ms(s.clock)
    timings = UtteranceTimings(endpoint_wait_ms=288, decode_ms=40, enqueued_at_ms=now_ms - 1500)
    message = utterance(1, audio_timestamp_ms=now_ms - 2000, timings=timings)

    # When it is delivered (the POST takes 10 ms)
    assert s.deliver(body=message.model_dump_json()) is DeliveryOutcome.DELIVERED

    # Then DeliveryMs runs from the enqueue to the 2xx and EndToEndMs from the end of speech to the 2xx
    assert s.metrics.named_latencies["DeliveryMs"] == [1510.0]
    assert s.metrics.named_latencies["EndToEndMs"] == [2010.0]
    # and the webhook body has no timings
    assert "timings" not in s.transport.sent[0].body.decode()
    assert "enqueued" not in s.transport.sent[0].body.decode().lower()


def test_a_message_without_timings_still_delivers_and_reports_only_end_to_end() -> None:
    s = Setup()
    message = utterance(1, audio_timestamp_ms=_fake_now_ms(s.clock) - 900)
    assert message.timings is None
    assert s.deliver(body=message.model_dump_json()) is DeliveryOutcome.DELIVERED
    assert "DeliveryMs" not in s.metrics.named_latencies
    assert s.metrics.named_latencies["EndToEndMs"] == [910.0]


def test_an_undelivered_message_reports_no_delivery_time() -> None:
    s = Setup(script=[HttpReply(404)])
    timings = UtteranceTimings(enqueued_at_ms=_fake_now_ms(s.clock) - 100)
    assert s.deliver(body=utterance(1, timings=timings).model_dump_json()) is DeliveryOutcome.DEAD_LETTERED
    assert s.metrics.named_latencies == {}
