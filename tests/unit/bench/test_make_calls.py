"""The call generator: which sets exist, how dev and test stay apart, and that the same command gives the same
bytes (the tests that synthesize speech need the TTS engines and skip without them)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bench.speech import dialogue, make_calls, scripts, telephone, tts
from bench.speech.call import CallBuilder, CallSpec
from bench.speech.tts import FliteVoice

FIXTURES = Path(__file__).parents[2] / "fixtures" / "calls"
# A lower bound on call time per word of the scripts: the generated sets measure 0.39 (dev) and 0.40 (test) s per
# word, backchannels, gaps, holds and ring-back included.
CALL_SECONDS_PER_WORD = 0.3


def needs(*families: str) -> pytest.MarkDecorator:
    missing = tts.missing(set(families))
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} (see make speech-data)")


@needs("espeak")
def test_the_sample_set_is_byte_identical_when_generated_twice(tmp_path: Path) -> None:
    make_calls.main(["--out", str(tmp_path / "a"), "--set", "sample", "--jobs", "1"])
    make_calls.main(["--out", str(tmp_path / "b"), "--set", "sample", "--jobs", "1"])

    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["manifest.json", "sample-01-balance-check.json", "sample-01-balance-check.wav"]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@needs("espeak")
def test_the_sample_set_is_the_committed_fixture(tmp_path: Path) -> None:
    make_calls.main(["--out", str(tmp_path), "--set", "sample", "--jobs", "1"])

    name = "sample-01-balance-check"
    assert (tmp_path / f"{name}.wav").read_bytes() == (FIXTURES / f"{name}.wav").read_bytes()
    made, committed = (json.loads((folder / f"{name}.json").read_text()) for folder in (tmp_path, FIXTURES))
    # The fixture predates the "espeak:" family prefix of the voice labels; everything else is as committed.
    for reference in (made, committed):
        for utterance in reference["utterances"]:
            utterance["voice"] = utterance["voice"].removeprefix("espeak:")
    assert made == committed


@needs("flite")
def test_a_flite_call_is_identical_when_built_twice() -> None:
    spec = CallSpec("flite-check", "sample", scripts.SAMPLE, (FliteVoice("rms", 97), FliteVoice("slt", 105)), 1)

    samples_a, reference_a = CallBuilder(spec).build()
    samples_b, reference_b = CallBuilder(spec).build()

    assert np.array_equal(samples_a, samples_b)
    assert reference_a == reference_b
    assert {u["voice"] for u in reference_a["utterances"]} == {"flite:rms r97", "flite:slt r105"}


def test_the_sets() -> None:
    assert make_calls.GROUPS["all"] == ["dev", "test", "robustness"]
    assert set(make_calls.GROUPS) == {"dev", "test", "robustness", "sample", "all"}
    assert "heldout" not in make_calls.SETS


def test_dev_and_test_share_no_sentence_of_more_than_two_words() -> None:
    dev, test = (make_calls.spoken_texts(make_calls.specs(make_calls.SETS[name])) for name in ("dev", "test"))

    assert not dialogue.shared_sentences(dev, test)
    make_calls.check_dev_and_test_apart()  # what generation asserts


def test_dev_and_test_share_no_voice_setting() -> None:
    dev, test = (make_calls.voice_labels(make_calls.specs(make_calls.SETS[name])) for name in ("dev", "test"))

    assert dev and test and not dev & test


@pytest.mark.parametrize("set_name", ["dev", "test"])
def test_every_voice_family_speaks_a_similar_share_of_each_set(set_name: str) -> None:
    specs = make_calls.specs(make_calls.SETS[set_name])

    words = Counter[str]()
    for spec in specs:
        voices = {"customer": spec.voices[0], "agent": spec.voices[1]}
        for step in spec.script.steps():
            if step.kind in voices:
                words[voices[step.kind].family] += len(step.text.split())

    assert set(words) == set(make_calls.FAMILIES)  # no espeak-ng in dev or test
    total = sum(words.values())
    assert all(0.18 <= count / total <= 0.32 for count in words.values()), words
    names = {v.label.split()[0] for spec in specs for v in spec.voices}
    assert {f"flite:{name}" for name in make_calls._FLITE} <= names  # every voice of a family is used
    assert {f"festival:{name}" for name in tts.FESTVOX} <= names


@pytest.mark.parametrize(("set_name", "minutes"), [("dev", 30), ("test", 20)])
def test_a_set_lasts_long_enough(set_name: str, minutes: float) -> None:
    call_set = make_calls.SETS[set_name]
    assert isinstance(call_set, make_calls.DialogueSet) and call_set.min_minutes == minutes

    words = len(" ".join(make_calls.spoken_texts(make_calls.specs(call_set))).split())

    assert words * CALL_SECONDS_PER_WORD / 60 >= minutes


def test_each_party_of_every_call_has_its_own_line() -> None:
    specs = [s for name in ("dev", "test", "robustness") for s in make_calls.specs(make_calls.SETS[name])]

    lines = [line for spec in specs if spec.channel for line in spec.channel.values()]
    assert len(lines) == 2 * len(specs)
    assert {line.codec for line in lines} == set(telephone.CODECS)
    assert all(0.0 <= line.loss <= 0.03 and -30.0 <= line.level_dbfs <= -12.0 for line in lines)
    assert all(15.0 <= line.snr_db <= 35.0 for line in lines)
    assert all(abs(s.channel["customer"].level_dbfs - s.channel["agent"].level_dbfs) >= 3.0 for s in specs if s.channel)
    assert make_calls.draw_channel("dev", "x") == make_calls.draw_channel("dev", "x")


def test_the_robustness_set_is_espeak_with_non_speech_and_the_sample_keeps_its_fixed_line() -> None:
    robustness = make_calls.specs(make_calls.SETS["robustness"])
    (sample,) = make_calls.specs(make_calls.SETS["sample"])

    assert {v.family for s in robustness for v in s.voices} == {"espeak"}
    kinds = {step.kind for s in robustness for step in s.script.steps()}
    assert {"keys", "hold"} <= kinds and any(s.rings for s in robustness)
    assert sample.channel is None
    assert [v.label for v in sample.voices] == ["espeak:en-us+f2 s160 p45", "espeak:en-gb+m3 s164 p44"]


def test_family_pairs_rotate_so_each_family_is_agent_and_customer_equally_often() -> None:
    pairs = [make_calls.family_pair(i) for i in range(12)]

    assert all(agent != customer for agent, customer in pairs)
    assert Counter(a for a, _ in pairs) == Counter(c for _, c in pairs) == dict.fromkeys(make_calls.FAMILIES, 3)


def test_missing_tools_names_what_a_set_needs() -> None:
    assert make_calls.needed_tools(["sample"]) == {"espeak"}
    assert make_calls.needed_tools(["dev"]) == {"flite", "festival", "piper", "pico", "sox"}
    assert make_calls.needed_tools(["robustness"]) == {"espeak", "sox"}
