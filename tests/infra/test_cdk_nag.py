"""cdk-nag AwsSolutions: no unacknowledged error or warning in any configuration, and synth enforces it."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match
from cdk_nag import AwsSolutionsChecks

from infra.config import DeploymentConfig
from infra.constructs.file_exporter import FileExporter
from infra.constructs.media_gateway import MediaGateway
from infra.constructs.service_function import ServiceFunction
from infra.stacks import build_stacks
from infra.stacks.control_plane_stack import ControlPlaneStack
from tests.infra.conftest import EXTERNAL_PUBLIC_CONTEXT, PRIVATE_NAT_CONTEXT

SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


def _violations(stack: Stack) -> list[str]:
    report = AwsSolutionsChecks(verbose=True).validate_scope(stack)
    return [
        f"{v.rule_name} ({v.severity}) at {[r.construct_path for r in v.violating_resources]}: {v.description}"
        for v in report.violations
    ]


@pytest.mark.parametrize(
    "variant", ["default", "full", "external", "no-cloudwatch-role", "private-nat", "external-public"]
)
def test_no_unacknowledged_findings(variant, synth, full_context, external_context):
    """Every optional branch (api_secret, Connect instance, WAF, KVS key, endpoints, existing VPC,
    cross-account KVS, no CloudWatch role, NAT egress, an existing VPC's public subnets) is nag-clean."""
    context = {
        "default": {},
        "full": full_context,
        "external": external_context,
        "no-cloudwatch-role": {"api_cloudwatch_role": "false", "architecture": "x86_64", "gateway_min_tasks": "0"},
        "private-nat": PRIVATE_NAT_CONTEXT,
        "external-public": EXTERNAL_PUBLIC_CONTEXT,
    }[variant]

    assert _violations(synth(context).stack) == []


@pytest.mark.parametrize("variant", ["default", "full", "external", "private-nat", "external-public"])
def test_no_cdk_errors_or_warnings(variant, request):
    chosen = request.getfixturevalue(f"{variant.replace('-', '_')}_synth")
    annotations = Annotations.from_stack(chosen.stack)
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


def test_acknowledgments_are_precise():
    """Given the wildcards we acknowledged, when a role gains a new one, then nag still reports it."""
    app = App(context=SKIP_BUNDLING)
    stack = ControlPlaneStack(app, "Precise", config=DeploymentConfig())
    api_function = stack.node.find_child("ControlApi").node.find_child("ApiFunction")
    assert isinstance(api_function, ServiceFunction)
    api_function.role.add_to_principal_policy(iam.PolicyStatement(actions=["sqs:*"], resources=["*"]))

    violations = _violations(stack)

    assert [v.split(" ")[0] for v in violations] == ["AwsSolutions-IAM5[Action::sqs:*]"]


def test_gateway_acknowledgments_are_precise():
    """Given the task role's acknowledged KVS name pattern, when it gains any other wildcard, nag reports it."""
    app = App(context=SKIP_BUNDLING)
    stack = ControlPlaneStack(app, "PreciseGateway", config=DeploymentConfig())
    gateway = stack.node.find_child("MediaGateway")
    assert isinstance(gateway, MediaGateway)
    gateway.task_role.add_to_principal_policy(
        iam.PolicyStatement(actions=["kinesisvideo:GetMedia"], resources=["arn:aws:kinesisvideo:*:*:stream/*/*"])
    )

    violations = _violations(stack)

    assert [v.split(" ")[0] for v in violations] == ["AwsSolutions-IAM5[Resource::arn:aws:kinesisvideo:*:*:stream/*/*]"]


def test_app_registers_nag_so_a_finding_fails_synth():
    app = App(context=SKIP_BUNDLING)
    build_stacks(app, DeploymentConfig())
    sqs.Queue(Stack(app, "Careless"), "QueueWithoutDlq")

    with pytest.raises(RuntimeError, match=r"ValidationFailed(.|\n)*AwsSolutions-SQS3"):
        app.synth()


def test_app_synthesizes_with_nag_registered():
    app = App(context=SKIP_BUNDLING)
    build_stacks(app, DeploymentConfig())

    assembly = app.synth()

    assert [s.stack_name for s in assembly.stacks] == ["ConnectTranscribe-ControlPlane"]


def test_exporter_acknowledgments_are_precise():
    """Given export_hour's acknowledged prefixes (utterances/, _runs/), when it gains another one, nag reports it."""
    app = App(context=SKIP_BUNDLING)
    stack = ControlPlaneStack(app, "PreciseExporter", config=DeploymentConfig())
    exporter = stack.node.find_child("FileExporter")
    assert isinstance(exporter, FileExporter)
    exporter.hour.role.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[exporter.feed.objects_arn("_manifests/")])
    )

    violations = _violations(stack)

    bucket_id = stack.resolve(stack.node.find_child("Feed").node.find_child("Bucket").node.default_child.logical_id)
    assert [v.split(" ")[0] for v in violations] == [f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/_manifests/*]"]
