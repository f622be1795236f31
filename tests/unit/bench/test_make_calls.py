"""The call generator: the same command must give the same bytes (needs espeak-ng and flite, ~2 s)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.speech import make_calls, scripts
from bench.speech.call import CallBuilder, CallSpec
from bench.speech.tts import FliteVoice

_missing = [tool for tool in ("espeak-ng", "flite") if shutil.which(tool) is None]
needs_tts = pytest.mark.skipif(
    bool(_missing), reason=f"{' and '.join(_missing)} not installed (apt-get install {' '.join(_missing)})"
)


@needs_tts
def test_the_sample_set_is_byte_identical_when_generated_twice(tmp_path: Path) -> None:
    make_calls.main(["--out", str(tmp_path / "a"), "--set", "sample"])
    make_calls.main(["--out", str(tmp_path / "b"), "--set", "sample"])

    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["manifest.json", "sample-01-balance-check.json", "sample-01-balance-check.wav"]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@needs_tts
def test_a_flite_call_is_identical_when_built_twice() -> None:
    spec = CallSpec("flite-check", "sample", scripts.SAMPLE, (FliteVoice("rms", 97), FliteVoice("slt", 105)), 1)

    samples_a, reference_a = CallBuilder(spec).build()
    samples_b, reference_b = CallBuilder(spec).build()

    assert np.array_equal(samples_a, samples_b)
    assert reference_a == reference_b
    assert {u["voice"] for u in reference_a["utterances"]} == {"flite:rms r97", "flite:slt r105"}


def test_sets_use_their_own_scripts_and_voices() -> None:
    dev, heldout = make_calls.SETS["dev"], make_calls.SETS["heldout"]

    assert not {s.name for s in dev.scripts} & {s.name for s in heldout.scripts}
    assert not set(dev.espeak_voices) & set(heldout.espeak_voices)
    assert not set(dev.flite_voices) & set(heldout.flite_voices)
    assert len(make_calls.specs(dev)) == len(dev.scripts)


@pytest.mark.parametrize("set_name", ["dev", "heldout"])
def test_half_the_calls_of_a_set_are_spoken_by_flite(set_name: str) -> None:
    specs = make_calls.specs(make_calls.SETS[set_name])

    flite = [s for s in specs if all(isinstance(v, FliteVoice) for v in s.voices)]
    assert len(flite) == len(specs) // 2
    assert all(v.label.startswith(("flite:", "espeak:")) for s in specs for v in s.voices)
    call_set = make_calls.SETS[set_name]
    used = {v.name for s in specs for v in s.voices}
    assert used == set(call_set.espeak_voices) | set(call_set.flite_voices)  # each pool is used in full


def test_the_sample_set_stays_espeak_only() -> None:
    (spec,) = make_calls.specs(make_calls.SETS["sample"])

    assert [v.label for v in spec.voices] == ["espeak:en-us+f2 s160 p45", "espeak:en-gb+m3 s164 p44"]
