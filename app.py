#!/usr/bin/env python3
"""CDK app entry point: read the typed deployment config and build the stacks."""

from aws_cdk import App

from infra.config import DeploymentConfig
from infra.stacks import build_stacks

app = App()
build_stacks(app, DeploymentConfig.from_context(app))
app.synth()
