"""Lambda layers: `common` (our runtime package) and `deps` (third-party wheels, pip-installed at synth).

The deps layer is bundled locally, without Docker: pip downloads manylinux wheels for the Lambda
platform and Python version into the asset's `python/` folder.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import LAYERS_DIR, WHEELHOUSE_DIR, DeploymentConfig

PYTHON_PACKAGE_EXCLUDES = ["**/__pycache__", "__pycache__", "**/*.egg-info", "*.egg-info", "*.pyc", "**/*.pyc"]
REQUIREMENTS_FILE = "requirements.txt"


def pip_target_args(config: DeploymentConfig) -> list[str]:
    """Platform flags for `pip install -t`: binary wheels for the Lambda runtime, never sdists."""
    return [
        "--platform",
        config.pip_platform,
        "--only-binary=:all:",
        "--python-version",
        config.python_version,
        "--implementation",
        "cp",
        "--no-compile",
    ]


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """Runs pip on the synth machine; CDK calls this before it would fall back to Docker."""

    def __init__(self, requirements: Path, platform_args: list[str], wheelhouse: Path) -> None:
        self._requirements = requirements
        self._platform_args = platform_args
        self._wheelhouse = wheelhouse

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-r",
            str(self._requirements),
            "-t",
            str(Path(output_dir) / "python"),
            *self._platform_args,
            "-q",
        ]
        if self._wheelhouse.is_dir():
            command += ["--no-index", "--find-links", str(self._wheelhouse)]
        # A failure must stop synth here: returning False would fall back to a Docker image that
        # does not exist and hide pip's message.
        subprocess.run(command, check=True)  # noqa: S603 - fixed argv, no shell
        return True


class Layers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        runtimes = [config.lambda_runtime]
        architectures = [config.lambda_architecture]

        self.common = lambda_.LayerVersion(
            self,
            "Common",
            description=f"{config.service_name}: the connect_transcribe runtime package",
            code=lambda_.Code.from_asset(str(LAYERS_DIR / "common"), exclude=PYTHON_PACKAGE_EXCLUDES),
            compatible_runtimes=runtimes,
            compatible_architectures=architectures,
        )

        deps_dir = LAYERS_DIR / "deps"
        platform_args = pip_target_args(config)
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            description=f"{config.service_name}: third-party packages ({config.pip_platform}, "
            f"cp{config.python_version})",
            code=lambda_.Code.from_asset(
                str(deps_dir),
                # Only the pins are hashed, so the layer is rebuilt and re-uploaded only when they change
                # (or when the platform flags below, which CDK adds to a SOURCE hash, change).
                exclude=["*", f"!{REQUIREMENTS_FILE}"],
                asset_hash_type=AssetHashType.SOURCE,
                bundling=BundlingOptions(
                    # Never pulled: local bundling always succeeds or raises first.
                    image=DockerImage.from_registry("none"),
                    # Not run either, but CDK hashes the bundling options into the asset hash, so
                    # switching architecture or Python version yields a new asset.
                    command=["pip", "install", "-r", REQUIREMENTS_FILE, "-t", "python", *platform_args],
                    local=LocalPipBundling(
                        deps_dir / REQUIREMENTS_FILE, platform_args, WHEELHOUSE_DIR / config.pip_platform
                    ),
                ),
            ),
            compatible_runtimes=runtimes,
            compatible_architectures=architectures,
        )
