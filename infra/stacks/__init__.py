"""Stacks compose constructs; `build_stacks` is the one place that assembles the app and applies cdk-nag."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import DeploymentConfig
from infra.stacks.control_plane_stack import ControlPlaneStack


def build_stacks(app: App, config: DeploymentConfig) -> ControlPlaneStack:
    """Add this project's stacks to `app`, checked by cdk-nag's AwsSolutions pack at synth."""
    # cdk-nag v3 is a policy-validation plugin (registered on the App, not an Aspect): any
    # unacknowledged error or warning fails synth with the report.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return ControlPlaneStack(app, f"{config.stack_prefix}-ControlPlane", config=config)
