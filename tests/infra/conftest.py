"""Synthesize the stack once per configuration variant (jsii start-up dominates test time)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Must be set before jsii starts: Node 20 prints a large end-of-life banner otherwise.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from infra.config import DeploymentConfig
from infra.stacks.control_plane_stack import ControlPlaneStack

# Skips the pip-based deps layer bundling (slow, needs PyPI or the wheelhouse); asset hashes still resolve.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}

CONNECT_INSTANCE_ARN = "arn:aws:connect:eu-west-2:123456789012:instance/0f2b7c1e-3a4d-4e5f-8a9b-1c2d3e4f5a6b"
WAF_WEB_ACL_ARN = (
    "arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/connect-transcribe/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
)
KVS_KMS_KEY_ARN = "arn:aws:kms:eu-west-2:123456789012:key/5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
KVS_ROLE_ARN = "arn:aws:iam::210987654321:role/connect-kvs-reader"
WEBHOOK_URL = "https://hooks.example.com/transcripts"
WEBHOOK_SECRET_ARN = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:acme/webhook-AbC123"
WEBHOOK_SECRET_KMS_KEY_ARN = "arn:aws:kms:eu-west-2:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SUBNET_IDS = ("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2")
# Everything optional switched on: api_secret auth, a Connect instance, a WAF web ACL, for the media
# gateway a stream prefix, a KVS key, interface endpoints and a fixed task count, and webhook delivery
# attached with OAuth2 + mTLS, a generated secret and reserved concurrency.
FULL_CONTEXT: dict[str, Any] = {
    "api_auth": "api_secret",
    "connect_instance_arn": CONNECT_INSTANCE_ARN,
    "waf_web_acl_arn": WAF_WEB_ACL_ARN,
    "kvs_stream_prefix": "acme",
    "kvs_kms_key_arn": KVS_KMS_KEY_ARN,
    "vpc_interface_endpoints": "true",
    "gateway_desired_tasks": "2",
    "webhook_url": WEBHOOK_URL,
    "webhook_auth": "oauth2",
    "oauth_token_url": "https://login.example.com/oauth2/token",
    "oauth_scope": "transcripts:write",
    "oauth_audience": "https://hooks.example.com",
    "webhook_mtls": "true",
    "delivery_reserved_concurrency": "20",
}
# The other branches: an existing VPC (as `-c` strings), cross-account KVS access, webhook delivery with a
# header token from a secret the deployment brings (encrypted with its own key), and a File Exporter that only
# writes Parquet and runs on request (schedule disabled).
EXTERNAL_CONTEXT: dict[str, Any] = {
    "vpc_id": "vpc-0123456789abcdef0",
    "private_subnet_ids": ",".join(SUBNET_IDS),
    "availability_zones": "eu-west-2a,eu-west-2b",
    "kvs_role_arn": KVS_ROLE_ARN,
    "kvs_external_id": "connect-transcribe-7f3a",
    "gateway_architecture": "x86_64",
    "webhook_url": WEBHOOK_URL,
    "webhook_auth": "header",
    "webhook_header_name": "X-Api-Key",
    "webhook_secret_arn": WEBHOOK_SECRET_ARN,
    "webhook_secret_kms_key_arn": WEBHOOK_SECRET_KMS_KEY_ARN,
    "export_formats": "parquet",
    "export_enabled": "false",
}

# The two network layouts the defaults above do not cover: the new VPC with private subnets and NAT egress (every
# other key at its default, so it is the pre-gateway_public_ip default template), and an existing VPC whose public
# subnets the tasks run in with public IPs.
PRIVATE_NAT_CONTEXT: dict[str, Any] = {"gateway_public_ip": "false"}
EXTERNAL_PUBLIC_CONTEXT: dict[str, Any] = {
    "vpc_id": "vpc-0123456789abcdef0",
    "public_subnet_ids": ",".join(SUBNET_IDS),
    "availability_zones": "eu-west-2a,eu-west-2b",
    "gateway_public_ip": "true",
}


@dataclass(frozen=True)
class Synth:
    app: App
    stack: ControlPlaneStack
    template: Template
    config: DeploymentConfig


def synthesize(context: dict[str, Any] | None = None) -> Synth:
    """Given CDK context (as `-c` would pass it), build the stack the way app.py does and synthesize it."""
    app = App(context={**SKIP_BUNDLING, **(context or {})})
    config = DeploymentConfig.from_context(app)
    stack = ControlPlaneStack(app, "Test-ControlPlane", config=config)
    return Synth(app=app, stack=stack, template=Template.from_stack(stack), config=config)


_cache: dict[str, Synth] = {}


@pytest.fixture(scope="session")
def synth() -> Callable[[dict[str, Any] | None], Synth]:
    """Memoized `synthesize`: each context variant is built once per test session."""

    def get(context: dict[str, Any] | None = None) -> Synth:
        key = repr(sorted((context or {}).items()))
        if key not in _cache:
            _cache[key] = synthesize(context)
        return _cache[key]

    return get


@pytest.fixture(scope="session")
def default_synth(synth: Callable[[dict[str, Any] | None], Synth]) -> Synth:
    return synth(None)


@pytest.fixture(scope="session")
def full_context() -> dict[str, Any]:
    return dict(FULL_CONTEXT)


@pytest.fixture(scope="session")
def external_context() -> dict[str, Any]:
    return dict(EXTERNAL_CONTEXT)


@pytest.fixture(scope="session")
def external_synth(synth: Callable[[dict[str, Any] | None], Synth]) -> Synth:
    return synth(EXTERNAL_CONTEXT)


@pytest.fixture(scope="session")
def full_synth(synth: Callable[[dict[str, Any] | None], Synth]) -> Synth:
    return synth(FULL_CONTEXT)


@pytest.fixture(scope="session")
def private_nat_synth(synth: Callable[[dict[str, Any] | None], Synth]) -> Synth:
    return synth(PRIVATE_NAT_CONTEXT)


@pytest.fixture(scope="session")
def external_public_synth(synth: Callable[[dict[str, Any] | None], Synth]) -> Synth:
    return synth(EXTERNAL_PUBLIC_CONTEXT)
