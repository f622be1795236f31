"""Athena over the feed: a Glue database with one table per deployed format, read through the symlink files the
export commit writes (so only files a manifest names are ever queried), and a workgroup with enforced,
KMS-encrypted results.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.feed_bucket import ATHENA_RESULTS_PREFIX, SYMLINKS_PREFIX

FEED = "utterances"
FEED_VERSION = "1"
# Data columns in file order, with their Athena types (connect_transcribe.models.feed.COLUMNS without the
# partition keys; infra must not import runtime code, so tests/infra/test_file_exporter.py compares them).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("conversation_id", "string", "Amazon Connect ContactId given to start-streaming"),
    ("stream_id", "string", "the participant's stream"),
    ("sender_role", "string", "customer | agent"),
    ("sender_external_id", "string", "the participant's id from the flow"),
    ("utterance_id", "string", ""),
    ("sequence", "bigint", "utterance number within the stream"),
    ("start_ms", "bigint", "start within the call, milliseconds"),
    ("end_ms", "bigint", "end within the call, milliseconds"),
    ("text", "string", "as the conversation's redaction setting says"),
    ("language", "string", ""),
    ("created_ts", "string", "ISO-8601 UTC with milliseconds: when the utterance was published"),
    ("created_at_ms", "bigint", "the same instant, epoch milliseconds"),
)
# Partitions: the UTC date and hour the utterance was published (also in each row, ignored by the tables).
PARTITION_KEYS: tuple[tuple[str, str, str], ...] = (
    ("dt", "string", "UTC date YYYY-MM-DD"),
    ("hr", "string", "UTC hour 00-23"),
)
SYMLINK_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
SERDES = {
    "jsonl": "org.openx.data.jsonserde.JsonSerDe",
    "parquet": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
}
CLASSIFICATIONS = {"jsonl": "json", "parquet": "parquet"}


def table_name(fmt: str) -> str:
    return f"{FEED}_{fmt}"


def symlinks_prefix(fmt: str) -> str:
    """Where the commit writes `dt=<date>/hr=<HH>/symlink.txt` for `fmt` (export/layout.symlink_key)."""
    return f"{SYMLINKS_PREFIX}{FEED}/version={FEED_VERSION}/format={fmt}/"


def projection_parameters(config: DeploymentConfig, location: str) -> dict[str, str]:
    """Partition projection: every (dt, hr) of the retention period is computed, never stored in Glue."""
    return {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        # Older files have expired (feed_retention_days); NOW = today (UTC), so today's hours are included.
        "projection.dt.range": f"NOW-{config.feed_retention_days}DAYS,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "projection.hr.type": "integer",
        "projection.hr.range": "0,23",
        "projection.hr.digits": "2",
        "storage.location.template": location + "dt=${dt}/hr=${hr}/",
    }


class FeedCatalog(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        key: kms.IKey,
        bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        # Glue and Athena names are per account and region: derive them from the stack prefix (two deployments
        # with different prefixes can share an account). Glue wants lower case and underscores.
        self.database_name = f"{config.stack_prefix.lower().replace('-', '_')}_feed"
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Stack.of(self).account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description=f"{config.service_name}: the File Exporter's feeds (Athena reads them via symlinks)",
            ),
        )

        self.tables: dict[str, glue.CfnTable] = {}
        for fmt in config.export_format_list:
            location = f"s3://{bucket.bucket_name}/{symlinks_prefix(fmt)}"
            table = glue.CfnTable(
                self,
                f"{fmt.capitalize()}Table",
                catalog_id=Stack.of(self).account,
                database_name=self.database.ref,  # the name; also orders the table after the database
                table_input=glue.CfnTable.TableInputProperty(
                    name=table_name(fmt),
                    description=f"{FEED} feed, version {FEED_VERSION}, {fmt} files named by the day manifests",
                    table_type="EXTERNAL_TABLE",
                    parameters={
                        "EXTERNAL": "TRUE",
                        "classification": CLASSIFICATIONS[fmt],
                        **projection_parameters(config, location),
                    },
                    partition_keys=[_column(*column) for column in PARTITION_KEYS],
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        columns=[_column(*column) for column in COLUMNS],
                        location=location,
                        # Each partition folder holds one symlink.txt listing the hour's current data files.
                        input_format=SYMLINK_INPUT_FORMAT,
                        output_format=OUTPUT_FORMAT,
                        serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=SERDES[fmt]),
                    ),
                ),
            )
            self.tables[fmt] = table

        self.workgroup_name = f"{config.stack_prefix}-feed"
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=self.workgroup_name,
            description=f"{config.service_name}: queries over the feed tables in {self.database_name}",
            state="ENABLED",
            # Deleting the stack's workgroup also deletes its saved queries and history (not any data).
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                # Clients cannot send results elsewhere or unencrypted.
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{bucket.bucket_name}/{ATHENA_RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn
                    ),
                    expected_bucket_owner=Stack.of(self).account,
                ),
            ),
        )


def _column(name: str, type_: str, comment: str) -> glue.CfnTable.ColumnProperty:
    return glue.CfnTable.ColumnProperty(name=name, type=type_, comment=comment or None)
