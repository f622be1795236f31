"""Webhook delivery: the function that POSTs each utterance from the `utterances` FIFO queue to the customer.

Its secret (bring your own or generated), its least-privilege grants, and the SQS event source (attached only
when `webhook_url` is set).
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from connect_transcribe.models.enums import WebhookAuthMode
from connect_transcribe.settings import WebhookSettings, environment
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.layers import Layers
from infra.constructs.service_function import ServiceFunction
from infra.nag import acknowledge

FOLDER = "webhook_delivery"
# FIFO event sources take at most 10 messages per batch.
BATCH_SIZE = 10
# What a Lambda SQS poller needs (the managed AWSLambdaSQSQueueExecutionRole minus logs): no ChangeMessageVisibility.
CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
# SQS decrypts received messages and encrypts sent ones with our key on the caller's behalf.
QUEUE_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
SECRET_ACTIONS = ["secretsmanager:GetSecretValue"]
GENERATED_KEY_LENGTH = 48

_ROTATION_REASON = (
    "Rotation is a deliberate, manual step: the token and signing secret are shared with the webhook receiver "
    "outside AWS, which an automatic rotation Lambda would break. Rotate by editing the secret while the "
    "receiver accepts both values (docs/infra.md)."
)


def _number(value: float) -> str:
    """5.0 -> "5": integral settings stay parseable whether the runtime reads them as int or float."""
    return str(int(value)) if float(value).is_integer() else str(value)


class WebhookDelivery(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        layers: Layers,
        key: kms.IKey,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.attached = config.webhook_url is not None
        self.secret = self._secret(config, key)

        state = (
            "consumes the utterances queue"
            if self.attached
            else "IDLE: webhook_url is not set, so it is not attached to the utterances queue and utterances wait there"
        )
        self.handler = ServiceFunction(
            self,
            "Function",
            config=config,
            layers=layers,
            folder=FOLDER,
            description=f"{config.service_name} webhook delivery: {state}",
            memory_mb=config.delivery_memory_mb,
            timeout=Duration.seconds(config.delivery_function_timeout_seconds),
            environment=self._environment(config, dead_letter_queue),
        )
        self.function = self.handler.function
        if config.delivery_reserved_concurrency is not None:
            # ServiceFunction has no reserved-concurrency option; the L1 property is the same setting.
            cfn_function = self.function.node.default_child
            assert isinstance(cfn_function, lambda_.CfnFunction)
            cfn_function.reserved_concurrent_executions = config.delivery_reserved_concurrency

        role = self.handler.role
        # Explicit action lists instead of grant_consume_messages/grant_send_messages/grant_read: those add
        # ChangeMessageVisibility, GetQueueUrl, DescribeSecret and kms wildcards the function never uses.
        dead_letter_queue.grant(role, "sqs:SendMessage")
        key.grant(role, *QUEUE_KEY_ACTIONS)  # also decrypts a secret encrypted with this key (via Secrets Manager)
        role.add_to_principal_policy(iam.PolicyStatement(actions=SECRET_ACTIONS, resources=[self.secret.secret_arn]))
        if config.webhook_secret_kms_key_arn is not None:
            region = Stack.of(self).region
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[config.webhook_secret_kms_key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
                )
            )

        self.event_source: lambda_.EventSourceMapping | None = None
        if self.attached:
            queue.grant(role, *CONSUME_ACTIONS)
            self.event_source = self.function.add_event_source_mapping(
                "Utterances",
                event_source_arn=queue.queue_arn,
                batch_size=BATCH_SIZE,
                # No batching window: each utterance is handed over as soon as it arrives (latency budget).
                # Partial batch responses: only the failed record and the rest of its message group come back.
                report_batch_item_failures=True,
                # With reserved concurrency, the poller stays within it instead of being throttled.
                max_concurrency=config.delivery_reserved_concurrency,
            )

    def _secret(self, config: DeploymentConfig, key: kms.IKey) -> secretsmanager.ISecret:
        if config.webhook_secret_arn is not None:
            return secretsmanager.Secret.from_secret_complete_arn(self, "Secret", config.webhook_secret_arn)

        # Secrets Manager generates one random value per secret. The token comes from a seed secret that
        # CloudFormation copies (dynamic reference) into the webhook secret, which generates the signing secret.
        # Only CloudFormation reads the seed: nothing is granted on it.
        seed = secretsmanager.Secret(
            self,
            "TokenSeed",
            description=f"{config.service_name} webhook: initial token, copied once into the webhook secret",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}",  # noqa: S106 - an empty JSON object, not a secret
                generate_string_key="token",
                exclude_punctuation=True,
                password_length=GENERATED_KEY_LENGTH,
            ),
            removal_policy=config.cdk_removal_policy,
        )
        token = seed.secret_value_from_json("token").unsafe_unwrap()
        secret = secretsmanager.Secret(
            self,
            "Secret",
            description=f"{config.service_name} webhook credentials (token, signingSecret; OAuth2 client, mTLS, CA)",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=Stack.of(self).to_json_string({"token": token}),
                generate_string_key="signingSecret",
                exclude_punctuation=True,
                password_length=GENERATED_KEY_LENGTH,
            ),
            removal_policy=config.cdk_removal_policy,
        )
        for generated in (seed, secret):
            acknowledge(generated, "AwsSolutions-SMG4", _ROTATION_REASON)
        return secret

    def _environment(self, config: DeploymentConfig, dead_letter_queue: sqs.IQueue) -> dict[str, str]:
        """WebhookSettings: configuration and the secret's ARN, never a secret. None leaves a variable out."""
        auth = config.webhook_auth
        return environment(
            WebhookSettings,
            auth=auth.value,
            secret_arn=self.secret.secret_arn,
            mtls=str(config.webhook_mtls).lower(),
            signing=str(config.webhook_signing).lower(),
            timeout_seconds=_number(config.webhook_timeout_seconds),
            allow_private_targets=str(config.webhook_allow_private_targets).lower(),
            max_receives=str(config.delivery_max_receives),
            retry_budget_seconds=_number(config.delivery_retry_budget_seconds),
            dlq_url=dead_letter_queue.queue_url,
            url=config.webhook_url,
            header_name=config.webhook_header_name if auth is WebhookAuthMode.HEADER else None,
            query_param=config.webhook_query_param if auth is WebhookAuthMode.QUERY else None,
            oauth_token_url=config.oauth_token_url,
            oauth_scope=config.oauth_scope,
            oauth_audience=config.oauth_audience,
        )
