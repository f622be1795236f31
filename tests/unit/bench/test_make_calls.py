"""The call generator: the same command must give the same bytes (needs espeak-ng, ~1 s)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.speech import make_calls

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


@needs_espeak
def test_the_sample_set_is_byte_identical_when_generated_twice(tmp_path: Path) -> None:
    make_calls.main(["--out", str(tmp_path / "a"), "--set", "sample"])
    make_calls.main(["--out", str(tmp_path / "b"), "--set", "sample"])

    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["manifest.json", "sample-01-balance-check.json", "sample-01-balance-check.wav"]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_sets_use_their_own_scripts_and_voices() -> None:
    dev, heldout = make_calls.SETS["dev"], make_calls.SETS["heldout"]

    assert not {s.name for s in dev.scripts} & {s.name for s in heldout.scripts}
    assert not set(dev.voices) & set(heldout.voices)
    assert len(make_calls.specs(dev)) == len(dev.scripts)
