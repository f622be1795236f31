"""DeploymentConfig: the CDK context contract (defaults, `-c key=value` strings, validation)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, RemovalPolicy
from aws_cdk import aws_logs as logs
from connect_transcribe.models.enums import ApiAuthMode, ContactIdSource, RedactionOutput, WebhookAuthMode

from infra.config import REPO_ROOT, DeploymentConfig


def _cdk_json_context() -> dict:
    return json.loads((REPO_ROOT / "cdk.json").read_text())["context"]


def test_cdk_json_documents_every_key_with_the_model_default():
    context = {k: v for k, v in _cdk_json_context().items() if not k.startswith("@")}

    assert set(context) == set(DeploymentConfig.model_fields)
    assert DeploymentConfig.model_validate(context) == DeploymentConfig()


def test_cdk_json_app_runs_app_py_with_the_project_venv():
    cdk = json.loads((REPO_ROOT / "cdk.json").read_text())

    assert cdk["app"] == ".venv/bin/python app.py"
    assert (REPO_ROOT / "app.py").is_file()


def test_defaults():
    config = DeploymentConfig()

    assert config.api_auth is ApiAuthMode.IAM
    assert config.lambda_runtime.name == "python3.12"
    assert config.lambda_architecture.name == "arm64"
    assert config.pip_platform == "manylinux2014_aarch64"
    assert config.log_retention == logs.RetentionDays.ONE_MONTH
    assert config.cdk_removal_policy == RemovalPolicy.RETAIN
    assert config.connect_instance_arn is None
    assert config.waf_web_acl_arn is None


def test_command_line_strings_are_coerced():
    """Given `-c` overrides (always strings), when read from context, then they are typed."""
    app = App(
        context={
            "api_auth": "api_secret",
            "deletion_protection": "false",
            "sessions_visibility_timeout_seconds": "120",
            "architecture": "x86_64",
            "connect_instance_arn": "",
        }
    )

    config = DeploymentConfig.from_context(app)

    assert config.api_auth is ApiAuthMode.API_SECRET
    assert config.deletion_protection is False
    assert config.sessions_visibility_timeout_seconds == 120
    assert config.lambda_architecture.name == "x86_64"
    assert config.pip_platform == "manylinux2014_x86_64"
    assert config.connect_instance_arn is None


def test_runtime_modes_are_the_runtime_enums():
    """Given `-c` strings for modes the runtime reads too, then they are the runtime's own enum members (no copies)."""
    config = DeploymentConfig.from_context(
        App(
            context={
                "webhook_auth": "query",
                "contact_id_source": "InitialContactId",
                "redaction_output": "redacted_and_unredacted",
            }
        )
    )

    assert config.webhook_auth is WebhookAuthMode.QUERY
    assert config.contact_id_source is ContactIdSource.INITIAL_CONTACT_ID
    assert config.redaction_output is RedactionOutput.REDACTED_AND_UNREDACTED


def test_unrelated_context_keys_are_ignored():
    app = App(context={"@aws-cdk/core:newStyleStackSynthesis": True, "aws:cdk:bundling-stacks": []})

    assert DeploymentConfig.from_context(app) == DeploymentConfig()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("connect_instance_arn", "arn:aws:connect:us-east-1:123456789012:instance"),
        ("waf_web_acl_arn", "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1"),
        ("log_retention_days", "45"),
        ("api_auth", "cognito"),
        ("webhook_auth", "basic"),
        ("contact_id_source", "contactId"),  # the runtime's names are case-sensitive
        ("redaction_output", "masked"),
        ("request_timeout_seconds", "8"),  # Connect gives the flow Lambda 8 s in total
        ("python_version", "3.13"),
        ("gateway_cpu", "3000"),  # not a Fargate size
        ("gateway_memory_mb", "2048"),  # too little for 2 vCPU
        ("gateway_engine", "large-v3"),
        ("gateway_min_tasks", "20"),  # above gateway_max_tasks
        ("gateway_desired_tasks", "50"),
        ("vpc_id", "vpc-nothex"),
        ("vpc_cidr", "10.0.0.0/8"),
        ("private_subnet_ids", "subnet-0aaaaaaaaaaaaaaa1"),  # without vpc_id
        ("public_subnet_ids", "subnet-0aaaaaaaaaaaaaaa1"),  # without vpc_id
        ("gateway_public_ip", "sometimes"),
        ("vpc_nat_gateways", "2"),  # the default layout (public IPs) has no NAT gateway
        ("kvs_stream_prefix", "my prefix"),
        ("kvs_kms_key_arn", "alias/connect"),
        ("kvs_role_arn", "arn:aws:iam::123:role/short-account"),
        ("kvs_external_id", "x"),
        ("export_schedule", "rate(1 day)"),
        ("export_schedule", "0 2 * * ? *"),  # without cron(...)
        ("export_schedule", "cron(0 2 * * *)"),  # five fields (Unix cron)
        ("export_schedule", "cron(0 2 * * * *)"),  # neither day field is '?'
        ("export_schedule", "cron(0 2 ? * ? *)"),  # both are
        ("export_schedule", "cron(0/15 2 * * ? *)"),  # more than once a day
        ("export_schedule", "cron(0 24 * * ? *)"),
        ("export_formats", "csv"),
        ("export_formats", "jsonl,jsonl"),
        ("export_formats", ""),
        ("export_max_concurrency", "41"),  # the inline Map runs at most 40 iterations at once
        ("export_hour_timeout_seconds", "901"),  # Lambda's limit
        ("export_max_interval_hours", "745"),  # the runtime's cap
        ("feed_retention_days", "1"),  # manifests expire a day earlier
        ("feed_url_ttl_seconds", "3601"),
    ],
)
def test_invalid_context_names_the_key(key, value):
    with pytest.raises(ValueError, match=key):
        DeploymentConfig.from_context(App(context={key: value}))


def test_existing_vpc_from_command_line_strings():
    """Given `-c private_subnet_ids=a,b -c availability_zones=x,y`, then both are tuples."""
    config = DeploymentConfig.from_context(
        App(
            context={
                "vpc_id": "vpc-0123456789abcdef0",
                "private_subnet_ids": "subnet-0aaaaaaaaaaaaaaa1, subnet-0bbbbbbbbbbbbbbb2",
                "availability_zones": "eu-west-2a,eu-west-2b",
            }
        )
    )

    assert config.private_subnet_ids == ("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2")
    assert config.availability_zones == ("eu-west-2a", "eu-west-2b")


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"vpc_id": "vpc-0123456789abcdef0"}, "vpc_id needs private_subnet_ids"),
        (
            {
                "vpc_id": "vpc-0123456789abcdef0",
                "private_subnet_ids": "subnet-0aaaaaaaaaaaaaaa1",
                "availability_zones": "eu-west-2a,eu-west-2b",
            },
            "same number of subnets",
        ),
        (
            {
                "vpc_id": "vpc-0123456789abcdef0",
                "private_subnet_ids": "subnet-0aaaaaaaaaaaaaaa1",
                "availability_zones": "eu-west-2a",
                "vpc_interface_endpoints": "true",
            },
            "vpc_interface_endpoints",
        ),
        ({"kvs_external_id": "ct-7f3a"}, "kvs_external_id is only used with kvs_role_arn"),
        (
            {
                "kvs_role_arn": "arn:aws:iam::210987654321:role/kvs",
                "kvs_kms_key_arn": "arn:aws:kms:eu-west-2:123456789012:key/5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            },
            "grant kms:Decrypt to that role",
        ),
        ({"retention_days": "1"}, "retention_days must be at least 2 while export_enabled"),
    ],
)
def test_inconsistent_gateway_settings_are_rejected(context, message):
    with pytest.raises(ValueError, match=message):
        DeploymentConfig.from_context(App(context=context))


EXISTING_VPC = {"vpc_id": "vpc-0123456789abcdef0", "availability_zones": "eu-west-2a"}
SUBNET = "subnet-0aaaaaaaaaaaaaaa1"


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({}, True),  # the VPC this stack creates: public subnets, no NAT gateway
        ({"gateway_public_ip": ""}, True),  # cdk.json's "auto"
        ({"gateway_public_ip": "auto"}, True),
        ({"gateway_public_ip": "false"}, False),
        ({**EXISTING_VPC, "private_subnet_ids": SUBNET}, False),  # an existing VPC's subnets are private by default
        ({**EXISTING_VPC, "private_subnet_ids": SUBNET, "gateway_public_ip": "auto"}, False),
        ({**EXISTING_VPC, "public_subnet_ids": SUBNET, "gateway_public_ip": "true"}, True),
    ],
)
def test_gateway_public_ip_resolves_per_vpc(context, expected):
    config = DeploymentConfig.from_context(App(context=context))

    assert config.gateway_uses_public_ip is expected


def test_nat_gateways_apply_to_the_private_layout():
    config = DeploymentConfig.from_context(App(context={"gateway_public_ip": "false", "vpc_nat_gateways": "2"}))

    assert config.vpc_nat_gateways == 2
    # cdk.json passes the default 1 in every layout: that is no setting to refuse.
    assert DeploymentConfig.from_context(App(context={"vpc_nat_gateways": 1})).gateway_uses_public_ip is True


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            {"vpc_nat_gateways": "2"},
            r"vpc_nat_gateways applies only when gateway_public_ip is false .* set gateway_public_ip=false",
        ),
        (
            {**EXISTING_VPC, "public_subnet_ids": SUBNET, "gateway_public_ip": "true", "vpc_nat_gateways": "2"},
            "vpc_nat_gateways applies only when gateway_public_ip is false",
        ),
        (
            {**EXISTING_VPC, "gateway_public_ip": "true", "private_subnet_ids": SUBNET},
            "vpc_id with gateway_public_ip=true needs public_subnet_ids and availability_zones",
        ),
        (
            {**EXISTING_VPC, "gateway_public_ip": "true", "public_subnet_ids": SUBNET, "private_subnet_ids": SUBNET},
            "private_subnet_ids is not used with gateway_public_ip=true: the tasks run in public_subnet_ids",
        ),
        (
            {**EXISTING_VPC, "public_subnet_ids": SUBNET},  # public subnets, but public IPs not asked for
            r"vpc_id needs private_subnet_ids and availability_zones \(or public_subnet_ids with gateway_public_ip",
        ),
        (
            {**EXISTING_VPC, "private_subnet_ids": SUBNET, "public_subnet_ids": SUBNET},
            "public_subnet_ids is only used with gateway_public_ip=true",
        ),
        (
            {
                **EXISTING_VPC,
                "availability_zones": "eu-west-2a,eu-west-2b",
                "gateway_public_ip": "true",
                "public_subnet_ids": SUBNET,
            },
            "public_subnet_ids must list the same number of subnets in each availability_zones entry",
        ),
        (
            {**EXISTING_VPC, "gateway_public_ip": "true", "public_subnet_ids": "subnet-nothex"},
            "public_subnet_ids",
        ),
        (
            {
                **EXISTING_VPC,
                "gateway_public_ip": "true",
                "public_subnet_ids": SUBNET,
                "vpc_interface_endpoints": "true",
            },
            "vpc_interface_endpoints applies to the VPC this stack creates",
        ),
    ],
)
def test_inconsistent_network_settings_are_rejected(context, message):
    with pytest.raises(ValueError, match=message):
        DeploymentConfig.from_context(App(context=context))


def test_one_day_retention_is_fine_without_the_daily_export():
    config = DeploymentConfig.from_context(App(context={"retention_days": "1", "export_enabled": "false"}))
    assert config.retention_days == 1


def test_gateway_decode_workers_are_the_task_vcpus():
    assert DeploymentConfig().gateway_vcpus == 2
    assert DeploymentConfig(gateway_cpu=512, gateway_memory_mb=1024).gateway_vcpus == 1
    assert DeploymentConfig(gateway_cpu=8192, gateway_memory_mb=16_384).gateway_vcpus == 8


def test_repo_root_is_the_project():
    assert (REPO_ROOT / "pyproject.toml").is_file()
    assert Path(REPO_ROOT / "functions").is_dir()


def test_file_exporter_settings_from_command_line_strings():
    config = DeploymentConfig.from_context(
        App(
            context={
                "export_schedule": " cron(15 4 ? * MON-FRI *) ",
                "export_enabled": "false",
                "export_formats": " parquet , jsonl ",
                "export_max_concurrency": "8",
            }
        )
    )

    assert config.export_schedule == "cron(15 4 ? * MON-FRI *)"
    assert config.export_enabled is False
    assert (config.export_formats, config.export_format_list) == ("parquet,jsonl", ("parquet", "jsonl"))
    assert config.export_max_concurrency == 8


def test_export_layer_platforms_add_manylinux_2_28():
    assert DeploymentConfig().export_pip_platforms == ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
    assert DeploymentConfig(architecture="x86_64").export_pip_platforms == (
        "manylinux2014_x86_64",
        "manylinux_2_28_x86_64",
    )


def test_feed_formats_mirror_the_runtime():
    from connect_transcribe.models.feed import FeedFormat

    from infra.config import FEED_FORMATS

    assert tuple(f.value for f in FeedFormat) == FEED_FORMATS
