"""The delivery hop's own latency with warm invocations (no batching window): handler invoked -> the
receiver has the POST. Also shows that warm invocations reuse one TLS connection."""

from __future__ import annotations

import statistics
import time

from tests.delivery_factories import sqs_event, sqs_record, utterance
from tests.integration.delivery.conftest import failed_ids
from tests.integration.delivery.servers import Receiver

INVOCATIONS = 60


def test_warm_invocations_post_within_100_ms_p95_over_one_connection(configure, server_tls, pki) -> None:
    with Receiver(server_tls()) as receiver:
        deliver = configure(
            receiver.url, {"caBundlePem": pki.ca_pem, "signingSecret": "x" * 32}, WEBHOOK_SIGNING="true"
        )
        deliver(sqs_event(sqs_record(utterance(1))))  # cold start: secret fetch, TLS handshake

        latencies_ms = []
        for sequence in range(2, INVOCATIONS + 2):
            event = sqs_event(sqs_record(utterance(sequence)))
            began = time.perf_counter()
            assert failed_ids(deliver(event)) == []
            latencies_ms.append((receiver.requests[-1].received_at - began) * 1000)

    p95 = statistics.quantiles(latencies_ms, n=20)[-1]
    print(
        f"\nwebhook hop (warm): p50 {statistics.median(latencies_ms):.1f} ms, p95 {p95:.1f} ms, max {max(latencies_ms):.1f} ms"
    )
    assert p95 <= 100
    assert len({r.connection for r in receiver.requests}) == 1  # one connection for every invocation
