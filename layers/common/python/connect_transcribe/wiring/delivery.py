"""Composition root for the webhook delivery Lambda: settings -> logic with the requests transport, the
Secrets Manager secret, the SQS DLQ and powertools metrics. Built once per container, reused while warm.
Also the queues of `connect-transcribe redrive-dlq`, which moves that DLQ's messages back."""

from __future__ import annotations

import boto3
from botocore.config import Config

from connect_transcribe.adapters.powertools_metrics import PowertoolsMetrics
from connect_transcribe.adapters.sqs_dead_letters import SqsDeadLetters
from connect_transcribe.adapters.sqs_redrive import SqsRedriveQueue
from connect_transcribe.adapters.system import SystemClock
from connect_transcribe.adapters.webhook_http import RequestsTransport, TlsConfigurationError, TlsMaterial
from connect_transcribe.adapters.webhook_secret import SecretsManagerWebhookSecret
from connect_transcribe.delivery.auth import OAuthSettings, OAuthTokenCache, WebhookAuth
from connect_transcribe.delivery.deliver import DeliveryConfig, WebhookDelivery
from connect_transcribe.delivery.ssrf import TargetPolicy
from connect_transcribe.models.enums import WebhookAuthMode
from connect_transcribe.settings import WebhookSettings

AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


def webhook_delivery(settings: WebhookSettings) -> WebhookDelivery:
    clock = SystemClock()
    targets = TargetPolicy(allow_http=settings.allow_http, allow_private=settings.allow_private_targets)
    secret = SecretsManagerWebhookSecret(settings.secret_arn, settings.secret_cache_seconds)

    def tls() -> TlsMaterial:
        current = secret()
        if not settings.mtls:
            return TlsMaterial(ca_bundle_pem=current.ca_bundle_pem)
        if not current.certificate_pem or not current.private_key_pem:
            raise TlsConfigurationError("WEBHOOK_MTLS=true but the webhook secret lacks certificatePem/privateKeyPem")
        return TlsMaterial(
            ca_bundle_pem=current.ca_bundle_pem,
            certificate_pem=current.certificate_pem,
            private_key_pem=current.private_key_pem.get_secret_value(),
        )

    transport = RequestsTransport(targets, tls)
    oauth = None
    if settings.auth is WebhookAuthMode.OAUTH2:
        assert settings.oauth_token_url is not None  # checked by WebhookSettings
        oauth = OAuthTokenCache(
            OAuthSettings(settings.oauth_token_url, settings.oauth_scope, settings.oauth_audience), transport, clock
        )
    return WebhookDelivery(
        DeliveryConfig(
            url=settings.url,
            timeout_s=settings.timeout_seconds,
            retry_budget_s=settings.retry_budget_seconds,
            max_receives=settings.max_receives,
            signing=settings.signing,
        ),
        transport=transport,
        auth=WebhookAuth(
            settings.auth, header_name=settings.header_name, query_param=settings.query_param, oauth=oauth
        ),
        secret=secret,
        targets=targets,
        dead_letters=SqsDeadLetters(boto3.client("sqs", config=AWS_CONFIG), settings.dlq_url),
        metrics=PowertoolsMetrics(),
        clock=clock,
    )


def redrive_queues(source_url: str, target_url: str) -> tuple[SqsRedriveQueue, SqsRedriveQueue]:
    """The DLQ and the utterances queue of a redrive, on one SQS client in the DLQ's region (from its URL)."""
    sqs = boto3.client("sqs", region_name=queue_region(source_url))
    return SqsRedriveQueue(sqs, source_url), SqsRedriveQueue(sqs, target_url)


def queue_region(url: str) -> str | None:
    """https://sqs.<region>.amazonaws.com/<account>/<name>: the queue's region, whatever the shell's default."""
    host = url.split("://", 1)[-1].split("/", 1)[0].split(".")
    return host[1] if len(host) > 3 and host[0] == "sqs" else None
