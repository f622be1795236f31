"""DeploymentConfig: the CDK context contract (defaults, `-c key=value` strings, validation)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, RemovalPolicy
from aws_cdk import aws_logs as logs

from infra.config import REPO_ROOT, ApiAuth, DeploymentConfig


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

    assert config.api_auth is ApiAuth.IAM
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

    assert config.api_auth is ApiAuth.API_SECRET
    assert config.deletion_protection is False
    assert config.sessions_visibility_timeout_seconds == 120
    assert config.lambda_architecture.name == "x86_64"
    assert config.pip_platform == "manylinux2014_x86_64"
    assert config.connect_instance_arn is None


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
        ("request_timeout_seconds", "8"),  # Connect gives the flow Lambda 8 s in total
        ("python_version", "3.13"),
    ],
)
def test_invalid_context_names_the_key(key, value):
    with pytest.raises(ValueError, match=key):
        DeploymentConfig.from_context(App(context={key: value}))


def test_repo_root_is_the_project():
    assert (REPO_ROOT / "pyproject.toml").is_file()
    assert Path(REPO_ROOT / "functions").is_dir()
