"""The single DynamoDB table (single-table design: sessions, utterances, ... keyed by pk/sk) and its export index."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import DeploymentConfig

TTL_ATTRIBUTE = "expiresAt"
# The File Exporter reads one hour of messages per query: exportSlot = "<YYYY-MM-DDTHH>#<shard 0..7>" (written
# with each message item), sorted by createdAt (epoch ms). Only `body` is projected: it holds the row.
EXPORT_INDEX = "byExportSlot"
EXPORT_SLOT_ATTRIBUTE = "exportSlot"
CREATED_AT_ATTRIBUTE = "createdAt"
EXPORT_INDEX_ATTRIBUTES = ["body"]


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TTL_ATTRIBUTE,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            removal_policy=config.cdk_removal_policy,
            deletion_protection=config.deletion_protection,
        )
        self.table.add_global_secondary_index(
            index_name=EXPORT_INDEX,
            partition_key=dynamodb.Attribute(name=EXPORT_SLOT_ATTRIBUTE, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=CREATED_AT_ATTRIBUTE, type=dynamodb.AttributeType.NUMBER),
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=EXPORT_INDEX_ATTRIBUTES,
        )

    @property
    def export_index_arn(self) -> str:
        """What export_hour may query: the index only, not the table."""
        return f"{self.table.table_arn}/index/{EXPORT_INDEX}"
