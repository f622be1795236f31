"""Lambda layers: the local (Docker-free) pip bundler and what goes into the layer assets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.config import FUNCTIONS_DIR, LAYERS_DIR, REPO_ROOT, WHEELHOUSE_DIR, DeploymentConfig
from infra.constructs import layers
from infra.constructs.layers import (
    EXPORT_LAYER_PRUNE,
    PYTHON_PACKAGE_EXCLUDES,
    LocalPipBundling,
    deps_bundler,
    export_bundler,
    pip_target_args,
)

# Lambda refuses a function whose code and layers unzip to more than this.
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


LAYER_MARKERS = {"common": "runtime package", "deps": "third-party", "export": "File Exporter"}


def _layer_asset_keys(synth) -> dict[str, str]:
    """Layer ('common' / 'deps' / 'export', by description) -> S3 key."""
    found = synth.template.find_resources("AWS::Lambda::LayerVersion")
    keys = {
        name: r["Properties"]["Content"]["S3Key"]
        for r in found.values()
        for name, marker in LAYER_MARKERS.items()
        if marker in r["Properties"]["Description"]
    }
    assert len(keys) == len(found) == 3
    return keys


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


IMPORTS_MOTO = re.compile(r"^\s*(from|import)\s+moto\b", re.MULTILINE)


def test_common_layer_ships_no_dev_code_and_nothing_that_imports_moto(default_synth):
    """Local mode, its stand-ins and moto live in dev/ (connect_transcribe_dev), never in what Lambda runs."""
    key = _layer_asset_keys(default_synth)["common"]
    staged = Path(default_synth.app.outdir) / f"asset.{key.removesuffix('.zip')}"
    modules = list(staged.rglob("*.py"))

    assert len(modules) > 50  # the whole runtime package is there
    assert not [m for m in modules if {"local", "connect_transcribe_dev", "tests"} & set(m.relative_to(staged).parts)]
    assert not [m.relative_to(staged).as_posix() for m in modules if IMPORTS_MOTO.search(m.read_text())]


def test_the_worker_image_build_context_leaves_out_the_dev_package():
    """The image installs pyproject.toml from a context that holds only the runtime package (.dockerignore is an
    allowlist), so setuptools finds no connect_transcribe_dev and no functions there."""
    allowed = [line[1:] for line in (REPO_ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")]

    assert "layers/common/python" in allowed
    assert not [a for a in allowed if a.startswith(("dev", "functions", "tests"))]


def test_export_layer_asks_pip_for_manylinux_2_28_wheels_too():
    args = pip_target_args(DeploymentConfig(), DeploymentConfig().export_pip_platforms)

    assert args[:4] == ["--platform", "manylinux2014_aarch64", "--platform", "manylinux_2_28_aarch64"]
    assert export_bundler(DeploymentConfig())._requirements == LAYERS_DIR / "export" / "requirements.txt"


def test_export_layer_pins_pyarrow():
    pins = [
        line.strip()
        for line in (LAYERS_DIR / "export" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    assert pins == ["pyarrow==26.0.1"]


def test_local_bundler_prunes_after_installing(monkeypatch, tmp_path):
    """Given pip installed pyarrow with headers and tests, then the bundle keeps only what runs."""

    def fake_pip(cmd, check):
        site = Path(cmd[cmd.index("-t") + 1])
        for name in ("include/arrow/api.h", "tests/test_io.py", "lib.pyx", "vendored/x.pxd", "parquet/core.py"):
            (site / "pyarrow" / name).parent.mkdir(parents=True, exist_ok=True)
            (site / "pyarrow" / name).write_text("x")

    monkeypatch.setattr(layers.subprocess, "run", fake_pip)
    bundler = LocalPipBundling(Path("reqs.txt"), [], tmp_path / "missing", prune=EXPORT_LAYER_PRUNE)

    bundler.try_bundle(str(tmp_path / "out"), image=None)

    left = {p.relative_to(tmp_path / "out" / "python").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert left == {"pyarrow/parquet/core.py"}


def test_export_asset_changes_with_architecture(synth, default_synth):
    default = _layer_asset_keys(default_synth)

    assert _layer_asset_keys(synth({"architecture": "x86_64"}))["export"] != default["export"]
    assert default["export"] != default["deps"]


def _tree_bytes(root: Path) -> int:
    excluded = {"__pycache__"}
    return sum(
        p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and not excluded & set(p.parts) and p.suffix != ".pyc" and ".egg-info" not in p.as_posix()
    )


_WHEELHOUSE = WHEELHOUSE_DIR / DeploymentConfig().pip_platform


@pytest.mark.skipif(
    not any(_WHEELHOUSE.glob("pyarrow-*.whl")), reason="needs the Lambda wheelhouse with pyarrow (make install)"
)
def test_export_hour_and_its_layers_stay_under_the_unzipped_limit(tmp_path):
    """export_hour = its code + deps + export (pyarrow) + common, all unzipped into one 250 MB budget."""
    config = DeploymentConfig()
    sizes = {}
    for name, bundler in (("deps", deps_bundler(config)), ("export", export_bundler(config))):
        assert bundler.try_bundle(str(tmp_path / name), image=None)
        sizes[name] = _tree_bytes(tmp_path / name)
    sizes["common"] = _tree_bytes(LAYERS_DIR / "common")
    sizes["function"] = _tree_bytes(FUNCTIONS_DIR / "export_hour")

    assert not (tmp_path / "export" / "python" / "pyarrow" / "include").exists()
    assert (tmp_path / "export" / "python" / "pyarrow" / "parquet").is_dir()
    assert "**/__pycache__" in PYTHON_PACKAGE_EXCLUDES  # what _tree_bytes leaves out of common is not shipped
    print({name: f"{size / 1024 / 1024:.1f} MB" for name, size in sizes.items()})
    assert sum(sizes.values()) < LAMBDA_UNZIPPED_LIMIT, sizes
