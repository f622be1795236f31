"""Scoring transcripts against the test calls' references, and the committed sample call itself."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.speech.reference import Call, WordErrors, load_call, normalize, word_errors

SAMPLE = Path(__file__).parents[2] / "fixtures" / "calls" / "sample-01-balance-check.wav"


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("the cat sat on the mat", "the cat sat on the mat", WordErrors(0, 0, 0, 6)),
        ("the cat sat on the mat", "the cat sat on mat", WordErrors(0, 1, 0, 6)),
        ("the cat sat on the mat", "the cat sat on the red mat", WordErrors(0, 0, 1, 6)),
        ("the cat sat on the mat", "the dog sat on the mat", WordErrors(1, 0, 0, 6)),
        ("a b c", "x a b c d", WordErrors(0, 0, 2, 3)),
        ("a b c d", "", WordErrors(0, 4, 0, 4)),
        ("", "", WordErrors(0, 0, 0, 0)),
        # written and spoken forms of the same words are no error
        ("My card is four one one one.", "my card is 4111", WordErrors(0, 0, 0, 7)),
        ("It was forty nine ninety nine.", "It was $49.99", WordErrors(0, 0, 0, 6)),
        ("Mm-hmm. Okay.", "Mhm, OK", WordErrors(0, 0, 0, 2)),
    ],
)
def test_word_errors_counts_substitutions_deletions_and_insertions(
    reference: str, hypothesis: str, expected: WordErrors
) -> None:
    assert word_errors(reference, hypothesis) == expected


def test_word_error_rate_pools_errors_over_reference_words() -> None:
    # Given one error in 4 words and one in 6
    first = word_errors("one small step here", "one small stop here")
    second = word_errors("the cat sat on the mat", "the cat sat on mat")

    # When pooled
    total = first + second

    # Then the rate is total errors over total reference words, not the mean of the two rates
    assert (total.errors, total.reference_words) == (2, 10)
    assert total.rate == pytest.approx(0.2)


def test_word_error_rate_of_an_empty_reference() -> None:
    assert word_errors("", "").rate == 0.0
    assert word_errors("", "hello").rate == float("inf")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!  How are you?", "hello world how are you"),
        ("It's fine.", "it's fine"),
        # digits and number words meet as digits spoken one by one
        ("4111 1111", "four one one one one one one one"),
        ("four one one one, one one one one", "four one one one one one one one"),
        ("forty one eleven", "four one one one"),
        ("forty nine ninety nine", "four nine nine nine"),
        ("$49.99", "four nine nine nine"),
        ("$24", "two four dollars"),
        ("$28.35", "two eight three five"),
        ("Um, so, uh, yeah. Mm-hmm. Uh-huh.", "so yeah mhm uhhuh"),
        ("twenty eight thirty five", "two eight three five"),
        ("twenty eight dollars and thirty five cents", "two eight three five"),
        ("twenty eight dollars and a few cents", "two eight dollars and a few cents"),
        ("twenty-four dollars", "two four dollars"),
        ("one hundred and twelve", "one one two"),
        ("two thousand four hundred", "two four zero zero"),
        ("$1,250", "one two five zero dollars"),
        ("twenty twenty five", "two zero two five"),
        ("nineteen eighty four", "one nine eight four"),
        ("five five five, oh one four two", "five five five zero one four two"),
        ("555-0142", "five five five zero one four two"),
        ("Oh, that's great.", "oh that's great"),
        # ordinals lose their ending
        ("March twenty third", "march two three"),
        ("March 23rd", "march two three"),
        ("the first one", "the one one"),
        # emails as written and as spoken
        ("john.smith@example.com", "john dot smith at example dot com"),
        ("John dot Smith at example dot com.", "john dot smith at example dot com"),
        # backchannels and their spellings
        ("Mm-hmm.", "mhm"),
        ("mm hmm", "mhm"),
        ("Mhm.", "mhm"),
        ("Uh-huh.", "uhhuh"),
        ("OK.", "okay"),
        ("Okay!", "okay"),
        ("o.k.", "okay"),
        ("Alright.", "all right"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_is_idempotent() -> None:
    text = "Sure, it's $49.99 on March 3rd. Mm-hmm, OK, email john.smith@example.com or call 555-0142."
    assert normalize(normalize(text)) == normalize(text)


# --- the committed sample call -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Call:
    return load_call(SAMPLE)


def test_sample_wav_matches_its_reference(sample: Call) -> None:
    assert sample.sample_rate == 8000
    assert sample.audio.dtype == np.int16
    assert sample.audio.shape == (sample.duration_ms * 8, 2)
    assert sample.channels == {"customer": 0, "agent": 1}
    assert 25_000 <= sample.duration_ms <= 35_000
    assert SAMPLE.stat().st_size < 2_500_000


def test_sample_has_ringback_keypresses_and_both_parties(sample: Call) -> None:
    assert {n.kind for n in sample.non_speech} == {"ringback", "dtmf"}
    assert {u.role for u in sample.utterances} == {"customer", "agent"}
    assert sample.utterances[0].role == "agent"  # the agent answers
    assert sample.transcript("agent") and sample.transcript("customer")


def test_sample_events_are_in_bounds_in_order_and_never_overlap_on_a_channel(sample: Call) -> None:
    starts = [u.start_ms for u in sample.utterances]
    assert starts == sorted(starts)
    for role in ("customer", "agent"):
        spans = sorted(
            [(u.start_ms, u.end_ms) for u in sample.utterances if u.role == role]
            + [(n.start_ms, n.end_ms) for n in sample.non_speech if n.role == role]
        )
        for start, end in spans:
            assert 0 <= start < end <= sample.duration_ms
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start, f"{role}: overlap at {start} ms"


def test_sample_sound_is_where_the_reference_says(sample: Call) -> None:
    for role in ("customer", "agent"):
        levels = _levels(sample.channel(role))
        busy = np.zeros(levels.size, dtype=bool)
        spans = [(u.start_ms, u.end_ms) for u in sample.utterances if u.role == role]
        spans += [(n.start_ms, n.end_ms) for n in sample.non_speech if n.role == role]
        for start, end in spans:
            busy[max(0, start // 10 - 2) : end // 10 + 3] = True
        noise = float(np.median(levels[~busy]))

        # Given line noise between -55 and -50 dBFS, and nothing louder than it outside the listed spans
        assert -56.0 < noise < -49.0
        assert levels[~busy].max() < noise + 8.0
        for start, end in spans:
            # Then every listed span is well above the noise, and sound rises above the noise right at its
            # start: a weak "th", "f" or "h" begins 10-30 dB below the vowel after it, so the rise may come
            # up to ~100 ms later, but never before (the check above).
            inside = levels[start // 10 : end // 10]
            assert inside.max() > noise + 20.0, f"{role} {start}-{end} ms is not audible"
            onset = start // 10 + int(np.argmax(inside > noise + 6.0))
            assert onset * 10 - start <= 100, f"{role} {start} ms starts at {onset * 10} ms"


def _levels(samples: np.ndarray) -> np.ndarray:
    """dBFS per 10 ms frame."""
    x = samples.astype(np.float64) / 32768.0
    frames = x[: x.size // 80 * 80].reshape(-1, 80)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def test_the_sample_call_has_no_line_recorded(sample: Call) -> None:
    assert sample.channel_info == {}


def test_a_call_loads_each_partys_line_from_its_reference(tmp_path: Path) -> None:
    # Given a call whose reference records the line each party spoke over
    reference = json.loads(SAMPLE.with_suffix(".json").read_text())
    lines = {
        "customer": {"codec": "gsm", "loss": 0.012, "concealment": "repeat", "level_dbfs": -24.5, "snr_db": 31.0},
        "agent": {"codec": "alaw", "loss": 0.0, "concealment": "silence", "level_dbfs": -16.0, "snr_db": 27.5},
    }
    (tmp_path / "call.json").write_text(json.dumps(reference | {"channel": lines}))
    shutil.copy(SAMPLE, tmp_path / "call.wav")

    # When it is loaded
    call = load_call(tmp_path / "call.wav")

    # Then the lines come with it, and the audio per role is still there
    assert call.channel_info == lines
    assert call.channel("agent").size == call.audio.shape[0]
