"""The access-log bucket a private data bucket sends its server access logs to (the feed and recordings buckets)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import DeploymentConfig
from infra.nag import acknowledge

INCOMPLETE_UPLOAD_DAYS = 1
ACCESS_LOGS_BY_POLICY_FLAG = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


def access_log_bucket(scope: Construct, *, config: DeploymentConfig, logged: str) -> s3.Bucket:
    """`scope`'s "AccessLogs" bucket, for the server access logs of `logged` (named in the cdk-nag reason).

    S3 delivers server access logs only to a bucket with SSE-S3 (not SSE-KMS). With the flag (scoped to `scope`) CDK
    grants the delivery by bucket policy (logging.s3.amazonaws.com, for the logged bucket of this account only)
    instead of the LogDeliveryWrite ACL, so ACLs can stay disabled."""
    scope.node.set_context(ACCESS_LOGS_BY_POLICY_FLAG, True)
    bucket = s3.Bucket(
        scope,
        "AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="ExpireAccessLogs",
                expiration=Duration.days(config.log_retention_days),
                abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS),
            )
        ],
        removal_policy=config.cdk_removal_policy,
    )
    acknowledge(
        bucket,
        "AwsSolutions-S1",
        f"This bucket receives the {logged}'s server access logs; logging it too would only log the log delivery.",
    )
    return bucket
