from __future__ import annotations

from connect_transcribe.speech import tuning

from bench.speech.bench import sweep_options


def test_the_sweep_starts_from_the_engine_defaults_and_moves_one_option_per_row() -> None:
    decode, endpoint = tuning.decode_options("tiny.en"), tuning.endpoint_settings("tiny.en")
    rows = sweep_options(decode, endpoint)
    assert rows[0] == ("defaults", decode, endpoint)
    labels = [label for label, _, _ in rows]
    assert len(labels) == len(set(labels))
    for label, moved_decode, moved_endpoint in rows[1:]:
        # exactly one of the two moved, and it differs from the default
        assert (moved_decode != decode) != (moved_endpoint != endpoint), label


def test_a_knob_already_at_the_default_is_not_a_row() -> None:
    decode, endpoint = tuning.decode_options("tiny.en"), tuning.endpoint_settings("tiny.en")
    labels = [label for label, _, _ in sweep_options(decode, endpoint)]
    assert f"post-pad {endpoint.post_pad_ms} ms" not in labels
    assert "post-pad 200 ms" in labels
    assert ("retry loops only" in labels) == (decode.logprob_threshold != -10.0)
    assert f"beam {decode.beam_size}" not in labels
    assert "beam 1, fallback 5" in labels
