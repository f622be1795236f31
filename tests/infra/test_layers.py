"""Lambda layers: the local (Docker-free) pip bundler and what goes into the layer assets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from infra.config import DeploymentConfig
from infra.constructs import layers
from infra.constructs.layers import LocalPipBundling, pip_target_args


def _layer_asset_keys(synth) -> dict[str, str]:
    """Layer description prefix ('... runtime package' / '... third-party packages') -> S3 key."""
    found = synth.template.find_resources("AWS::Lambda::LayerVersion")
    return {
        ("deps" if "third-party" in r["Properties"]["Description"] else "common"): r["Properties"]["Content"]["S3Key"]
        for r in found.values()
    }


def test_pip_targets_the_configured_lambda_platform():
    arm = pip_target_args(DeploymentConfig())
    x86 = pip_target_args(DeploymentConfig(architecture="x86_64"))

    assert arm == [
        "--platform",
        "manylinux2014_aarch64",
        "--only-binary=:all:",
        "--python-version",
        "3.12",
        "--implementation",
        "cp",
        "--no-compile",
    ]
    assert x86[1] == "manylinux2014_x86_64"


def test_local_bundler_installs_into_python_folder_from_pypi(monkeypatch, tmp_path):
    calls: list[list[str]] = []
    monkeypatch.setattr(layers.subprocess, "run", lambda cmd, check: calls.append(cmd))
    bundler = LocalPipBundling(Path("reqs.txt"), ["--platform", "p"], wheelhouse=tmp_path / "missing")

    assert bundler.try_bundle(str(tmp_path / "out"), image=None) is True

    assert calls == [
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-r",
            "reqs.txt",
            "-t",
            str(tmp_path / "out" / "python"),
            "--platform",
            "p",
            "-q",
        ]
    ]


def test_local_bundler_stays_offline_when_the_wheelhouse_exists(monkeypatch, tmp_path):
    calls: list[list[str]] = []
    monkeypatch.setattr(layers.subprocess, "run", lambda cmd, check: calls.append(cmd))
    LocalPipBundling(Path("reqs.txt"), [], wheelhouse=tmp_path).try_bundle(str(tmp_path / "out"), image=None)

    assert calls[0][-3:] == ["--no-index", "--find-links", str(tmp_path)]


def test_local_bundler_failure_stops_synth(monkeypatch, tmp_path):
    def fail(cmd, check):
        raise subprocess.CalledProcessError(1, cmd)

    monkeypatch.setattr(layers.subprocess, "run", fail)
    bundler = LocalPipBundling(Path("reqs.txt"), [], wheelhouse=tmp_path / "missing")
    try:
        bundler.try_bundle(str(tmp_path), image=None)
    except subprocess.CalledProcessError:
        return
    raise AssertionError("a pip failure must not fall back to Docker bundling")


def test_deps_asset_changes_with_architecture_but_not_with_other_settings(synth, default_synth):
    default = _layer_asset_keys(default_synth)

    assert _layer_asset_keys(synth({"architecture": "x86_64"}))["deps"] != default["deps"]
    assert _layer_asset_keys(synth({"log_retention_days": "90"}))["deps"] == default["deps"]


def test_common_layer_ships_the_package_without_build_litter(default_synth):
    key = _layer_asset_keys(default_synth)["common"]
    staged = Path(default_synth.app.outdir) / f"asset.{key.removesuffix('.zip')}"
    files = {p.relative_to(staged).as_posix() for p in staged.rglob("*")}

    assert "python/connect_transcribe/settings.py" in files
    assert not [f for f in files if "__pycache__" in f or ".egg-info" in f or f.endswith(".pyc")]
