"""A private data bucket (the feed and recordings buckets): KMS-encrypted with the stack's key, TLS-only, no public
access or ACLs, unversioned, with the access-log bucket it sends its server access logs to."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
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


def private_data_bucket(
    scope: Construct,
    *,
    config: DeploymentConfig,
    key: kms.IKey,
    logged: str,
    logs_prefix: str,
    lifecycle_rules: Sequence[s3.LifecycleRule],
) -> tuple[s3.Bucket, s3.Bucket]:
    """`scope`'s "Bucket" and its "AccessLogs" bucket (see access_log_bucket). One data key per bucket (bucket keys)
    instead of one KMS call per object: exports write thousands of parts, a recorded call a segment every 30 s. No
    versioning: objects are written whole and never edited in place (a re-export writes new names, a resumed call
    rewrites its segments and WAV), and old versions would keep data past its retention."""
    access_logs = access_log_bucket(scope, config=config, logged=logged)
    bucket = s3.Bucket(
        scope,
        "Bucket",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=logs_prefix,
        versioned=False,
        lifecycle_rules=list(lifecycle_rules),
        removal_policy=config.cdk_removal_policy,
    )
    return bucket, access_logs
