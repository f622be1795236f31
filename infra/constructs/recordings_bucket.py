"""The recordings bucket: call recordings (layout: models/recording.py), encrypted with the stack's key, TLS-only,
private, each prefix on its own lifecycle; plus its access-log bucket and the two grants that use it."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from connect_transcribe.models.recording import RECORDING_PREFIX, SEGMENT_LIFETIME_DAYS, SEGMENT_PREFIX
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.access_logs import INCOMPLETE_UPLOAD_DAYS, private_data_bucket
from infra.nag import acknowledge, logical_id

ACCESS_LOGS_PREFIX = "recordings/"
# The worker writes each segment and reads them back to join them; it writes the joined WAV but never reads it.
RECORDER_SEGMENT_ACTIONS = ["s3:PutObject", "s3:GetObject"]
RECORDER_RECORDING_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload"]  # the joined WAV goes up in parts
# SSE-KMS: S3 asks KMS for a data key on every write (and multipart upload) and decrypts on every read, as the caller.
RECORDER_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
# The messages API checks a recording exists (HEAD) and presigns a GET, which S3 serves with the API role's rights.
LINK_READER_ACTIONS = ["s3:GetObject"]
# s3:ListBucket does two jobs here: the worker lists a call's segments to join them, and holding it makes S3 answer a
# GET/HEAD of a missing key with 404 instead of 403. A real ListObjects request carries s3:prefix and must match the
# grantee's prefix. Whether S3 sets s3:prefix when it checks ListBucket for a missing key is not documented; with
# ...IfExists an absent key still passes, so "not there" is a 404 either way. The cost: a listing without any prefix
# is allowed too, and shows object names (conversation guids, segment numbers), never their contents.
LIST_PREFIX_CONDITION = "StringLikeIfExists"


class RecordingsBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.bucket, self.access_logs = private_data_bucket(
            self,
            config=config,
            key=key,
            logged="recordings bucket",
            logs_prefix=ACCESS_LOGS_PREFIX,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireRecordings",
                    prefix=RECORDING_PREFIX,
                    expiration=Duration.days(config.recording_retention_days),
                ),
                # Working copies: only needed until the call's last run has joined them.
                s3.LifecycleRule(
                    id="ExpireSegments", prefix=SEGMENT_PREFIX, expiration=Duration.days(SEGMENT_LIFETIME_DAYS)
                ),
                # A long call's WAV is a multipart upload; one its worker died in would otherwise be kept (and billed).
                s3.LifecycleRule(
                    id="AbortIncompleteUploads",
                    abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS),
                ),
            ],
        )

    def objects_arn(self, prefix: str) -> str:
        """ARN of every object under `prefix` (e.g. SEGMENT_PREFIX)."""
        return self.bucket.arn_for_objects(f"{prefix}*")

    def grant_recorder(self, role: iam.Role) -> None:
        """The media gateway worker: writes and reads back segments, writes the joined recording."""
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=RECORDER_SEGMENT_ACTIONS, resources=[self.objects_arn(SEGMENT_PREFIX)])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=RECORDER_RECORDING_ACTIONS, resources=[self.objects_arn(RECORDING_PREFIX)])
        )
        role.add_to_principal_policy(self._list_statement(SEGMENT_PREFIX))
        # Key.grant, as the worker's other KMS use: identical to its queue grant, so the template holds it once.
        self.key.grant(role, *RECORDER_KEY_ACTIONS)
        self._acknowledge_prefixes(role, "the worker", SEGMENT_PREFIX, RECORDING_PREFIX)

    def grant_link_reader(self, role: iam.Role) -> None:
        """The messages API: HEAD a recording and presign a GET of it (the link carries this role's permission)."""
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=LINK_READER_ACTIONS, resources=[self.objects_arn(RECORDING_PREFIX)])
        )
        role.add_to_principal_policy(self._list_statement(RECORDING_PREFIX))
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[self.key.key_arn],
                # Only for S3 reads (the presigned download), not as a general decrypt.
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
            )
        )
        self._acknowledge_prefixes(role, "the messages API", RECORDING_PREFIX)

    def _list_statement(self, prefix: str) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[self.bucket.bucket_arn],
            conditions={LIST_PREFIX_CONDITION: {"s3:prefix": f"{prefix}*"}},
        )

    def _acknowledge_prefixes(self, role: iam.Role, grantee: str, *prefixes: str) -> None:
        bucket_id = logical_id(self.bucket)
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            f"Object grants of {grantee} are limited to the recordings bucket prefixes it uses "
            f"({', '.join(prefixes)}); the keys below them are conversation guids and segment numbers known only "
            "at run time.",
            findings=[f"Resource::<{bucket_id}.Arn>/{prefix}*" for prefix in prefixes],
        )
