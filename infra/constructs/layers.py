"""Lambda layers: `common` (our runtime package), `deps` (third-party wheels, pip-installed at synth) and
`export` (pyarrow, for the File Exporter's export_hour only).

The pip layers are bundled locally, without Docker: pip downloads manylinux wheels for the Lambda
platform and Python version into the asset's `python/` folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import LAYERS_DIR, WHEELHOUSE_DIR, DeploymentConfig

PYTHON_PACKAGE_EXCLUDES = ["**/__pycache__", "__pycache__", "**/*.egg-info", "*.egg-info", "*.pyc", "**/*.pyc"]
REQUIREMENTS_FILE = "requirements.txt"
# Parts of pyarrow nothing imports at run time (C++ headers, Cython sources, its test suite): ~9 MB less
# towards Lambda's 250 MB unzipped limit. Globs relative to the layer's python/ folder.
EXPORT_LAYER_PRUNE = (
    "pyarrow/include",
    "pyarrow/src",
    "pyarrow/tests",
    "pyarrow/**/*.pyx",
    "pyarrow/**/*.pxd",
    "pyarrow/**/*.pxi",
)


def pip_target_args(config: DeploymentConfig, platforms: Sequence[str] | None = None) -> list[str]:
    """Platform flags for `pip install -t`: binary wheels for the Lambda runtime, never sdists."""
    platform_flags = [flag for platform in (platforms or [config.pip_platform]) for flag in ("--platform", platform)]
    return [
        *platform_flags,
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

    def __init__(
        self, requirements: Path, platform_args: list[str], wheelhouse: Path, prune: Sequence[str] = ()
    ) -> None:
        self._requirements = requirements
        self._platform_args = platform_args
        self._wheelhouse = wheelhouse
        self._prune = tuple(prune)

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
        self.prune(Path(output_dir) / "python")
        return True

    def prune(self, site: Path) -> None:
        """Delete what the `prune` globs match below `site` (files and whole folders)."""
        for pattern in self._prune:
            for path in sorted(site.glob(pattern), reverse=True):
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()


def deps_bundler(config: DeploymentConfig) -> LocalPipBundling:
    return LocalPipBundling(
        LAYERS_DIR / "deps" / REQUIREMENTS_FILE, pip_target_args(config), WHEELHOUSE_DIR / config.pip_platform
    )


def export_bundler(config: DeploymentConfig) -> LocalPipBundling:
    # Its wheels sit in the same wheelhouse folder as the deps layer's (`make install`).
    return LocalPipBundling(
        LAYERS_DIR / "export" / REQUIREMENTS_FILE,
        pip_target_args(config, config.export_pip_platforms),
        WHEELHOUSE_DIR / config.pip_platform,
        prune=EXPORT_LAYER_PRUNE,
    )


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

        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            description=f"{config.service_name}: third-party packages ({config.pip_platform}, "
            f"cp{config.python_version})",
            code=_pip_asset("deps", pip_target_args(config), deps_bundler(config)),
            compatible_runtimes=runtimes,
            compatible_architectures=architectures,
        )
        # Only export_hour gets it: pyarrow alone is ~145 MB of the 250 MB a function and its layers may unzip to.
        self.export = lambda_.LayerVersion(
            self,
            "Export",
            description=f"{config.service_name}: File Exporter packages (pyarrow; "
            f"{'/'.join(config.export_pip_platforms)}, cp{config.python_version})",
            code=_pip_asset(
                "export",
                pip_target_args(config, config.export_pip_platforms),
                export_bundler(config),
                hashed={"LAYER_PRUNE": " ".join(EXPORT_LAYER_PRUNE)},
            ),
            compatible_runtimes=runtimes,
            compatible_architectures=architectures,
        )


def _pip_asset(
    folder: str, platform_args: list[str], bundler: LocalPipBundling, hashed: dict[str, str] | None = None
) -> lambda_.AssetCode:
    """layers/<folder>/requirements.txt, pip-installed by `bundler`; rebuilt only when the pins or options change."""
    return lambda_.Code.from_asset(
        str(LAYERS_DIR / folder),
        # Only the pins are hashed, so the layer is rebuilt and re-uploaded only when they change
        # (or when the bundling options below, which CDK adds to a SOURCE hash, change).
        exclude=["*", f"!{REQUIREMENTS_FILE}"],
        asset_hash_type=AssetHashType.SOURCE,
        bundling=BundlingOptions(
            # Never pulled: local bundling always succeeds or raises first.
            image=DockerImage.from_registry("none"),
            # Not run either, but CDK hashes the bundling options into the asset hash, so switching
            # architecture or Python version (or, via `hashed`, what is pruned) yields a new asset.
            command=["pip", "install", "-r", REQUIREMENTS_FILE, "-t", "python", *platform_args],
            environment=hashed,
            local=bundler,
        ),
    )
