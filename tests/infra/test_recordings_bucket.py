"""What the synthesized template promises for call recordings: a private, KMS-encrypted, TLS-only bucket whose two
prefixes expire on their own schedules, written only by the worker and read only by the messages API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks
from connect_transcribe.models.recording import (
    RECORDING_PREFIX,
    SEGMENT_LIFETIME_DAYS,
    SEGMENT_PREFIX,
    recording_key,
    segment_key,
)

from infra.config import DeploymentConfig
from infra.constructs.control_api import ControlApi
from infra.constructs.recordings_bucket import RecordingsBucket
from infra.stacks.control_plane_stack import ControlPlaneStack

# One more variant (synthesized once per session): every recordings key moved off its default, and destroy.
CHANGED = {"recording_retention_days": "30", "recording_link_seconds": "3600", "removal_policy": "destroy"}
API_MARKER = "Start/Stop streaming API"  # the API function's fixed description

# ---------------------------------------------------------------- helpers


def resources(template: Template, type_: str) -> dict[str, Any]:
    return template.find_resources(type_)


def logical_id(template: Template, type_: str, prefix: str) -> str:
    (found,) = [i for i in resources(template, type_) if i.startswith(prefix)]
    return found


def bucket_id(template: Template) -> str:
    return logical_id(template, "AWS::S3::Bucket", "RecordingsBucket")


def logs_bucket_id(template: Template) -> str:
    return logical_id(template, "AWS::S3::Bucket", "RecordingsAccessLogs")


def key_arn(template: Template) -> dict[str, Any]:
    return get_att(logical_id(template, "AWS::KMS::Key", "Encryption"))


def get_att(resource_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource_id, "Arn"]}


def under(resource_id: str, suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [get_att(resource_id), suffix]]}


def statements_of_role(template: Template, role_id: str) -> list[dict[str, Any]]:
    return [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def naming(statements: list[dict[str, Any]], resource_id: str) -> list[dict[str, Any]]:
    """The statements whose resources name `resource_id`."""
    return [s for s in statements if f'"{resource_id}"' in json.dumps(s["Resource"])]


def task(template: Template) -> dict[str, Any]:
    (definition,) = resources(template, "AWS::ECS::TaskDefinition").values()
    return definition["Properties"]


def worker_role_id(template: Template) -> str:
    return task(template)["TaskRoleArn"]["Fn::GetAtt"][0]


def worker_environment(template: Template) -> dict[str, Any]:
    (container,) = task(template)["ContainerDefinitions"]
    return {e["Name"]: e["Value"] for e in container["Environment"]}


def api_function(template: Template) -> dict[str, Any]:
    (fn,) = [
        f["Properties"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if API_MARKER in f["Properties"]["Description"]
    ]
    return fn


def api_role_id(template: Template) -> str:
    return api_function(template)["Role"]["Fn::GetAtt"][0]


def lifecycle(template: Template) -> dict[str, dict[str, Any]]:
    props = resources(template, "AWS::S3::Bucket")[bucket_id(template)]["Properties"]
    return {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}


def list_statement(template: Template, prefix: str) -> dict[str, Any]:
    return {
        "Action": "s3:ListBucket",
        "Condition": {"StringLikeIfExists": {"s3:prefix": f"{prefix}*"}},
        "Effect": "Allow",
        "Resource": get_att(bucket_id(template)),
    }


# ---------------------------------------------------------------- the bucket


def test_bucket_is_private_encrypted_with_the_stack_key_and_a_bucket_key_and_logged(default_synth):
    template = default_synth.template
    bucket = resources(template, "AWS::S3::Bucket")[bucket_id(template)]
    props = bucket["Properties"]

    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {"KMSMasterKeyID": key_arn(template), "SSEAlgorithm": "aws:kms"},
        }
    ]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": logs_bucket_id(template)},
        "LogFilePrefix": "recordings/",
    }
    # A rewritten recording must not live on as a noncurrent version past its retention.
    assert "VersioningConfiguration" not in props
    assert bucket["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("which", ["bucket", "logs_bucket"])
def test_both_buckets_deny_plain_http_and_old_tls(which, default_synth):
    template = default_synth.template
    resource_id = {"bucket": bucket_id, "logs_bucket": logs_bucket_id}[which](template)
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": resource_id}
    ]
    everything = [get_att(resource_id), under(resource_id, "/*")]

    deny = {"Action": "s3:*", "Effect": "Deny", "Principal": {"AWS": "*"}, "Resource": everything}
    assert {**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}} in policy
    assert {**deny, "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}} in policy
    # Nothing but TLS enforcement and (on the log bucket) S3's log delivery: no principal is granted access here.
    assert all(s["Effect"] == "Deny" or s["Principal"] == {"Service": "logging.s3.amazonaws.com"} for s in policy)


def test_access_log_bucket_is_sse_s3_and_takes_only_the_recordings_bucket_logs(default_synth):
    template = default_synth.template
    logs_id = logs_bucket_id(template)
    props = resources(template, "AWS::S3::Bucket")[logs_id]["Properties"]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logs_id}
    ]

    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == default_synth.config.log_retention_days
    assert {
        "Action": "s3:PutObject",
        "Condition": {
            "ArnLike": {"aws:SourceArn": get_att(bucket_id(template))},
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        },
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Resource": under(logs_id, "/recordings/*"),
    } in policy


def test_lifecycle_expires_recordings_and_segments_separately_and_aborts_stale_uploads(default_synth):
    assert lifecycle(default_synth.template) == {
        "ExpireRecordings": {
            "ExpirationInDays": 90,
            "Id": "ExpireRecordings",
            "Prefix": "recordings/",
            "Status": "Enabled",
        },
        "ExpireSegments": {
            "ExpirationInDays": SEGMENT_LIFETIME_DAYS,
            "Id": "ExpireSegments",
            "Prefix": "segments/",
            "Status": "Enabled",
        },
        "AbortIncompleteUploads": {
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            "Id": "AbortIncompleteUploads",
            "Status": "Enabled",
        },
    }


def test_recording_retention_and_removal_policy_follow_config(synth):
    """Given recording_retention_days=30, then only the recordings rule moves; segments keep their lifetime."""
    template = synth(CHANGED).template

    rules = lifecycle(template)
    assert rules["ExpireRecordings"]["ExpirationInDays"] == 30
    assert rules["ExpireSegments"]["ExpirationInDays"] == SEGMENT_LIFETIME_DAYS
    buckets = resources(template, "AWS::S3::Bucket")
    assert buckets[bucket_id(template)]["DeletionPolicy"] == "Delete"
    assert buckets[logs_bucket_id(template)]["DeletionPolicy"] == "Delete"


def test_lifecycle_prefixes_are_the_runtime_key_layout():
    """The rules expire what the worker writes: its keys start with the prefixes the rules name."""
    assert segment_key("guid-1", 3).startswith(SEGMENT_PREFIX)
    assert recording_key("guid-1").startswith(RECORDING_PREFIX)
    assert (SEGMENT_PREFIX, RECORDING_PREFIX) == ("segments/", "recordings/")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recording_retention_days", 0),
        ("recording_retention_days", 3651),
        ("recording_link_seconds", 59),
        ("recording_link_seconds", 43_201),
    ],
)
def test_recording_keys_are_bounded(field, value):
    with pytest.raises(ValueError, match=field):
        DeploymentConfig.model_validate({field: value})


def test_recording_keys_are_read_from_context_strings():
    config = DeploymentConfig.from_context(
        App(context={"recording_retention_days": "365", "recording_link_seconds": "60"})
    )

    assert (config.recording_retention_days, config.recording_link_seconds) == (365, 60)


# ---------------------------------------------------------------- the worker


def test_worker_writes_and_reads_segments_and_only_writes_recordings(default_synth):
    template = default_synth.template
    statements = statements_of_role(template, worker_role_id(template))
    resource_id = bucket_id(template)

    assert naming(statements, resource_id) == [
        {"Action": ["s3:PutObject", "s3:GetObject"], "Effect": "Allow", "Resource": under(resource_id, "/segments/*")},
        {
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Effect": "Allow",
            "Resource": under(resource_id, "/recordings/*"),
        },
        list_statement(template, SEGMENT_PREFIX),
    ]
    # SSE-KMS: a data key for each write, decrypt for each read (the worker's one grant on the stack key).
    assert naming(statements, logical_id(template, "AWS::KMS::Key", "Encryption")) == [
        {"Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Effect": "Allow", "Resource": key_arn(template)}
    ]


def test_worker_is_told_the_bucket(default_synth, external_synth):
    for chosen in (default_synth, external_synth):
        template = chosen.template
        assert worker_environment(template)["RECORDINGS_BUCKET"] == {"Ref": bucket_id(template)}


# ---------------------------------------------------------------- the messages API


def test_api_reads_only_recordings_and_decrypts_only_through_s3(default_synth):
    template = default_synth.template
    statements = statements_of_role(template, api_role_id(template))
    resource_id = bucket_id(template)

    assert naming(statements, resource_id) == [
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": under(resource_id, "/recordings/*")},
        list_statement(template, RECORDING_PREFIX),
    ]
    assert {
        "Action": "kms:Decrypt",
        "Condition": {
            "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
        },
        "Effect": "Allow",
        "Resource": key_arn(template),
    } in statements


def test_api_is_told_the_bucket_and_the_link_lifetime(default_synth, synth):
    template = default_synth.template
    variables = api_function(template)["Environment"]["Variables"]
    assert (variables["RECORDINGS_BUCKET"], variables["RECORDING_LINK_SECONDS"]) == (
        {"Ref": bucket_id(template)},
        "900",
    )

    changed = synth(CHANGED).template
    assert api_function(changed)["Environment"]["Variables"]["RECORDING_LINK_SECONDS"] == "3600"


# ---------------------------------------------------------------- nobody else


def test_only_the_worker_and_the_api_touch_the_recordings_bucket(full_synth):
    template = full_synth.template
    resource_id = bucket_id(template)

    touching = {
        role["Ref"]
        for policy in resources(template, "AWS::IAM::Policy").values()
        if naming(policy["Properties"]["PolicyDocument"]["Statement"], resource_id)
        for role in policy["Properties"]["Roles"]
    }

    assert touching == {worker_role_id(template), api_role_id(template)}


def test_acknowledged_prefixes_are_precise():
    """Given the API's acknowledged recordings/ grant, when its role gains segments/, then nag reports exactly that."""
    app = App(context={"aws:cdk:bundling-stacks": []})
    stack = ControlPlaneStack(app, "PreciseRecordings", config=DeploymentConfig())
    recordings = stack.node.find_child("Recordings")
    api = stack.node.find_child("ControlApi")
    assert isinstance(recordings, RecordingsBucket)
    assert isinstance(api, ControlApi)
    api.handler.role.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[recordings.objects_arn(SEGMENT_PREFIX)])
    )

    report = AwsSolutionsChecks(verbose=True).validate_scope(stack)

    resource_id = stack.resolve(recordings.bucket.node.default_child.logical_id)  # type: ignore[union-attr]
    assert [v.rule_name for v in report.violations] == [f"AwsSolutions-IAM5[Resource::<{resource_id}.Arn>/segments/*]"]
