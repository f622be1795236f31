"""The customer-managed KMS key that encrypts the table, the queues, the API credentials, the gateway's logs and the
batch feed."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import DeploymentConfig


class Encryption(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{config.service_name}: session data, queues, API credentials, logs and the batch feed",
            # The alias is per stack so two deployments can share an account and region.
            alias=f"alias/{stack.stack_name}",
            enable_key_rotation=True,
            removal_policy=config.cdk_removal_policy,
        )
        # CloudWatch Logs encrypts a log group with the key itself (the writers need no KMS permission);
        # the encryption context limits that to log groups of this account and region.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
