"""The README's map and docs/architecture.md stay true to the tree: every folder is on the map, every module they
name exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "layers/common/python/connect_transcribe"
# A backticked path: `pkg/gateway/session.py`, `functions/api/handler.py`, `infra/constructs/`.
PATH = re.compile(r"`((?:pkg|functions|infra|layers|dev|tests|bench|docs)/[\w./-]*)`")


def _readme_map() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("```\napp.py ")
    return readme[start : readme.index("```\n", start + 4)]


def _tracked_top_level_folders() -> set[str]:
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return {f.split("/")[0] for f in files if "/" in f and not f.startswith(".")}


def test_every_top_level_folder_and_every_runtime_folder_has_a_line_on_the_readme_map() -> None:
    lines = _readme_map().splitlines()
    starts = {line.split()[0] for line in lines if line.strip()}
    missing = [
        f"{top}/" for top in sorted(_tracked_top_level_folders()) if not any(s.startswith(f"{top}/") for s in starts)
    ]
    runtime = sorted(p.name for p in PKG.iterdir() if (p / "__init__.py").exists())
    missing += [f"{name}/ (runtime)" for name in runtime if f"{name}/" not in starts]
    assert not missing, f"not on the README's architecture map: {missing}"


def test_every_module_docs_architecture_names_exists() -> None:
    text = (REPO / "docs/architecture.md").read_text()
    named = PATH.findall(text)
    assert len(named) > 40, "docs/architecture.md names the module behind each step"
    missing = [p for p in named if not (PKG / p.removeprefix("pkg/") if p.startswith("pkg/") else REPO / p).exists()]
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_every_runtime_module_has_a_place_on_the_data_path_or_the_map() -> None:
    """A new module in a feature folder or wiring/ gets a row in docs/architecture.md."""
    text = (REPO / "docs/architecture.md").read_text() + _readme_map()
    features = ("control", "media", "speech", "gateway", "delivery", "export", "wiring")
    unnamed = [
        f"{folder}/{module.name}"
        for folder in features
        for module in sorted((PKG / folder).glob("*.py"))
        if module.name != "__init__.py" and f"{folder}/{module.name}" not in text
    ]
    assert not unnamed, f"modules docs/architecture.md does not name: {unnamed}"
