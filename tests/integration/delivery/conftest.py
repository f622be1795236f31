"""Fixtures for webhook delivery: certificates, moto Secrets Manager + FIFO DLQ, and the handler configured
from environment variables exactly as the deployed function is."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from bench.delivery.tls import server_context
from functions.webhook_delivery import handler as webhook_handler
from tests.factories import lambda_context
from tests.integration.delivery.servers import Pki, make_pki


@pytest.fixture(scope="session")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def server_tls(pki: Pki, tmp_path: Path):
    """Server TLS context factory: plain, or requiring a client certificate from our CA (mTLS)."""

    def build(*, mtls: bool = False, rogue: bool = False):
        issued = pki.rogue_server if rogue else pki.server
        return server_context(
            issued, tmp_path / ("rogue" if rogue else "server"), client_ca_pem=pki.ca_pem if mtls else None
        )

    return build


@dataclass
class DeliveryAws:
    sqs: Any
    secrets: Any
    dlq_url: str

    def dead_letters(self) -> list[dict[str, Any]]:
        """Everything on the DLQ (received and left in flight: each test reads it once)."""
        found: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                return found
            found.extend(batch)

    def secret(self, value: dict[str, Any]) -> str:
        return self.secrets.create_secret(Name=f"webhook-{len(value)}-{id(value)}", SecretString=json.dumps(value))[
            "ARN"
        ]


@pytest.fixture
def delivery_aws() -> Iterator[DeliveryAws]:
    with mock_aws():
        sqs = boto3.client("sqs")
        dlq = sqs.create_queue(
            QueueName="utterances-delivery-dlq.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )["QueueUrl"]
        yield DeliveryAws(sqs=sqs, secrets=boto3.client("secretsmanager"), dlq_url=dlq)


Deliver = Callable[..., dict[str, Any]]


@pytest.fixture
def configure(delivery_aws: DeliveryAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Deliver]]:
    """Set the function's environment (fast retries for tests unless overridden) and return an invoker."""

    def setup(url: str, secret: dict[str, Any] | None = None, **env: Any) -> Deliver:
        values = {
            "WEBHOOK_URL": url,
            "DELIVERY_DLQ_URL": delivery_aws.dlq_url,
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",  # the receivers listen on 127.0.0.1
            "WEBHOOK_TIMEOUT_SECONDS": "2",
            "DELIVERY_RETRY_BUDGET_SECONDS": "2",
        }
        if secret is not None:
            values["WEBHOOK_SECRET_ARN"] = delivery_aws.secret(secret)
        values |= {k: str(v) for k, v in env.items()}
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        reset()

        def deliver(event: dict[str, Any], timeout_seconds: float = 30.0) -> dict[str, Any]:
            return webhook_handler.handler(event, lambda_context("webhook_delivery", timeout_seconds))

        return deliver

    def reset() -> None:
        webhook_handler.settings.cache_clear()
        webhook_handler.delivery.cache_clear()
        parameters.clear_caches()

    yield setup
    reset()


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]
