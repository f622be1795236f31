"""The feed bucket: the File Exporter's files, manifests and Athena symlinks (layout: export/layout.py),
encrypted with the stack's key, TLS-only, private, expiring after `feed_retention_days`; plus its access-log bucket.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.access_logs import INCOMPLETE_UPLOAD_DAYS, private_data_bucket

# Top-level prefixes (mirrors connect_transcribe.export.layout; a test compares them).
DATA_PREFIX = "utterances/"
MANIFESTS_PREFIX = "_manifests/"
SYMLINKS_PREFIX = "_symlinks/"
RUNS_PREFIX = "_runs/"
ATHENA_RESULTS_PREFIX = "_athena-results/"
# A run's per-hour results are deleted by its commit; what a failed run leaves behind goes after this.
RUNS_EXPIRATION_DAYS = 2
ATHENA_RESULTS_EXPIRATION_DAYS = 7


class FeedBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        retention = config.feed_retention_days
        self.bucket, self.access_logs = private_data_bucket(
            self,
            config=config,
            key=key,
            logged="feed bucket",
            logs_prefix="feed/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireFeed",
                    expiration=Duration.days(retention),
                    abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS),
                ),
                # A day before the files they name, so the API and Athena never point at an expired file.
                *(
                    s3.LifecycleRule(id=rule_id, prefix=prefix, expiration=Duration.days(retention - 1))
                    for rule_id, prefix in (("ExpireManifests", MANIFESTS_PREFIX), ("ExpireSymlinks", SYMLINKS_PREFIX))
                ),
                s3.LifecycleRule(
                    id="ExpireRunResults", prefix=RUNS_PREFIX, expiration=Duration.days(RUNS_EXPIRATION_DAYS)
                ),
                s3.LifecycleRule(
                    id="ExpireAthenaResults",
                    prefix=ATHENA_RESULTS_PREFIX,
                    expiration=Duration.days(ATHENA_RESULTS_EXPIRATION_DAYS),
                ),
            ],
        )

    def objects_arn(self, prefix: str) -> str:
        """ARN of every object under `prefix` (e.g. "utterances/")."""
        return self.bucket.arn_for_objects(f"{prefix}*")
