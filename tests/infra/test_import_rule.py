"""The direction of imports is the architecture (docs/architecture.md), checked on the source with `ast`.

- infra/ (and app.py) import only the runtime's declarations: connect_transcribe.settings, .models.enums and
  .models.recording (the recordings bucket's key prefixes and segment lifetime, which its lifecycle rules use).
- The runtime package never imports infra, the dev package, or moto.
- Features and models never import adapters/ or wiring/, nor boto3/botocore: I/O lives in adapters.
- adapters/ never import wiring/.
Every import counts, including those under `if TYPE_CHECKING:` or inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infra.config import REPO_ROOT

RUNTIME = REPO_ROOT / "layers" / "common" / "python" / "connect_transcribe"
INFRA_MAY_IMPORT = (
    "connect_transcribe.settings",
    "connect_transcribe.models.enums",
    "connect_transcribe.models.recording",
    # The deployment's custom_vocabulary is validated by the Start API's own entry model (pydantic, no I/O).
    "connect_transcribe.models.vocabulary",
    # The Start languages each engine accepts (infra derives SUPPORTED_LANGUAGES from gateway_engine); the module
    # imports only the standard library.
    "connect_transcribe.speech.weights",
)
FEATURES = ("models", "control", "media", "speech", "gateway", "delivery", "export")
# (file relative to the runtime package, imported module): exceptions, each with its reason.
ALLOWED = {
    # The worker's process entry point (`python -m connect_transcribe.gateway`): for the Fargate task what
    # functions/<fn>/handler.py is for a Lambda, and handlers import wiring.
    ("gateway/__main__.py", "connect_transcribe.wiring.worker"),
    # The container health check's entry point (`python -m connect_transcribe.gateway.health`, inside main()): its
    # own small composition root, so the check answers within its timeout without loading the worker's wiring.
    ("gateway/health.py", "connect_transcribe.wiring.health"),
}


def _imports(path: Path, package: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the file; relative imports resolve against `package`
    (by default the file's own)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _package_of(path) if package is None else package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield node.lineno, module
            # `from connect_transcribe import wiring` imports the subpackage, not a name of the package.
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _package_of(path: Path) -> str:
    """Dotted package of a file under the runtime package (for relative imports); '' elsewhere."""
    if not path.is_relative_to(RUNTIME):
        return ""
    parts = path.relative_to(RUNTIME.parent).with_suffix("").parts
    return ".".join(parts if path.name == "__init__.py" else parts[:-1])


def _within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in prefixes)


def _infra_files() -> list[Path]:
    return [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "infra").rglob("*.py"))]


def _runtime_files(*folders: str) -> list[Path]:
    roots = [RUNTIME / f for f in folders] if folders else [RUNTIME]
    return sorted(p for root in roots for p in root.rglob("*.py"))


def _allowed(path: Path, module: str) -> bool:
    if not path.is_relative_to(RUNTIME):
        return False
    rel = path.relative_to(RUNTIME).as_posix()
    return any(rel == file and _within(module, allowed) for file, allowed in ALLOWED)


def _violations(files: list[Path], forbidden: Callable[[str], bool]) -> list[str]:
    """One line per offending import statement: file, line and its shortest forbidden module name."""
    found: dict[tuple[str, int], str] = {}
    for path in files:
        for line, module in _imports(path):
            if forbidden(module) and not _allowed(path, module):
                where = (path.relative_to(REPO_ROOT).as_posix(), line)
                found[where] = min(found.get(where, module), module, key=len)
    return [f"{file}:{line} imports {module}" for (file, line), module in sorted(found.items())]


def test_infra_imports_only_the_runtime_declarations():
    def forbidden(module: str) -> bool:
        return _within(module, "connect_transcribe") and not _within(module, *INFRA_MAY_IMPORT)

    assert _violations(_infra_files(), forbidden) == []


def test_runtime_never_imports_infra_dev_or_moto():
    def forbidden(module: str) -> bool:
        return _within(module, "infra", "connect_transcribe_dev", "moto")

    assert _violations(_runtime_files(), forbidden) == []


def test_features_and_models_never_import_adapters_wiring_or_boto():
    def forbidden(module: str) -> bool:
        return _within(module, "connect_transcribe.adapters", "connect_transcribe.wiring", "boto3", "botocore")

    assert _violations(_runtime_files(*FEATURES), forbidden) == []


def test_adapters_never_import_wiring():
    def forbidden(module: str) -> bool:
        return _within(module, "connect_transcribe.wiring")

    assert _violations(_runtime_files("adapters"), forbidden) == []


def test_every_allowed_exception_still_exists():
    """An exception whose import is gone must leave the list, or it would silently allow the next one."""
    present = {(p.relative_to(RUNTIME).as_posix(), m) for p in _runtime_files() for _, m in _imports(p)}

    assert present >= set(ALLOWED)


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import boto3\n", "boto3"),
        ("from botocore.exceptions import ClientError\n", "botocore.exceptions"),
        ("from ..adapters import kvs\n", "connect_transcribe.adapters.kvs"),
        ("from connect_transcribe import wiring\n", "connect_transcribe.wiring"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from connect_transcribe.wiring import api\n",
            "connect_transcribe.wiring",
        ),
    ],
)
def test_the_checker_sees_every_form_of_import(tmp_path, source, module):
    """Given a module of connect_transcribe.delivery with a forbidden import in any spelling, then it is seen."""
    path = tmp_path / "probe.py"
    path.write_text(source)

    found = {m for _, m in _imports(path, package="connect_transcribe.delivery")}

    assert any(_within(m, module) for m in found)
