"""The customer-managed KMS key that encrypts the table, the queues and the API credentials."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import DeploymentConfig


class Encryption(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{config.service_name}: session data, queues and API credentials",
            # The alias is per stack so two deployments can share an account and region.
            alias=f"alias/{Stack.of(self).stack_name}",
            enable_key_rotation=True,
            removal_policy=config.cdk_removal_policy,
        )
