"""Endpointing on synthetic speech-probability sequences (one value per 32 ms window)."""

from __future__ import annotations

from connect_transcribe.speech.endpointer import Endpointer, EndpointSettings

W = 256  # samples per window


def windows(*runs: tuple[float, int]) -> list[float]:
    return [p for p, count in runs for _ in range(count)]


def test_speech_then_silence_is_one_segment_with_pre_roll_and_post_pad() -> None:
    ep = Endpointer(EndpointSettings(min_silence_ms=300, pre_roll_ms=192, post_pad_ms=96))
    segments = ep.push(windows((0.0, 20), (0.9, 50), (0.0, 20)))
    [seg] = segments
    assert (seg.speech_start, seg.speech_end) == (20 * W, 70 * W)
    assert (seg.start, seg.end) == (20 * W - 192 * 8, 70 * W + 96 * 8)
    assert not seg.forced and seg.speech_windows == 50


def test_segment_closes_as_soon_as_the_minimum_silence_has_passed() -> None:
    ep = Endpointer(EndpointSettings(min_silence_ms=320))
    assert ep.push(windows((0.9, 30), (0.0, 9))) == []
    assert len(ep.push([0.0])) == 1  # the 10th silent window (320 ms) ends it


def test_short_pauses_and_dips_above_release_do_not_split_an_utterance() -> None:
    ep = Endpointer(EndpointSettings(min_silence_ms=300, threshold=0.5, release=0.35))
    segments = ep.push(windows((0.9, 20), (0.0, 5), (0.9, 20), (0.4, 30), (0.9, 10), (0.0, 30)))
    assert len(segments) == 1
    assert segments[0].speech_end == 85 * W


def test_clicks_shorter_than_the_minimum_speech_are_ignored() -> None:
    ep = Endpointer(EndpointSettings(min_speech_ms=200))
    assert ep.push(windows((0.9, 3), (0.0, 40))) == []


def test_a_monologue_is_cut_at_the_maximum_length_at_its_quietest_window() -> None:
    ep = Endpointer(EndpointSettings(max_utterance_ms=3200, cut_search_ms=1600, pre_roll_ms=0, post_pad_ms=0))
    probs = windows((0.9, 80)) + [0.9] * 100
    probs[85] = 0.36  # a breath: the quietest window in the search range before the 100-window limit
    segments = ep.push(probs) + ep.flush()
    first = segments[0]
    assert first.forced and first.end == 85 * W
    assert segments[1].start == 85 * W  # continues without overlap or gap
    assert all(s.duration_ms <= 3200 for s in segments)


def test_flush_closes_the_open_utterance_and_nothing_else() -> None:
    ep = Endpointer()
    ep.push(windows((0.9, 40)))
    [seg] = ep.flush()
    assert seg.speech_end == 40 * W
    assert ep.flush() == []


def test_pre_roll_never_reaches_into_the_previous_segment() -> None:
    ep = Endpointer(EndpointSettings(min_silence_ms=96, pre_roll_ms=500, post_pad_ms=64))
    segments = ep.push(windows((0.9, 20), (0.0, 4), (0.9, 20), (0.0, 10)))
    assert len(segments) == 2
    assert segments[1].start >= segments[0].end


def test_open_since_tracks_the_audio_the_open_utterance_needs() -> None:
    ep = Endpointer(EndpointSettings(pre_roll_ms=64))
    ep.push(windows((0.0, 10)))
    assert ep.open_since is None
    ep.push([0.9])
    assert ep.open_since == 10 * W - 64 * 8


def test_the_early_decode_waits_for_its_own_silence_even_when_the_post_pad_is_shorter() -> None:
    # Given a 64 ms post-pad and an early decode after 192 ms of silence (6 windows)
    ep = Endpointer(EndpointSettings(min_silence_ms=320, post_pad_ms=64, early_decode_after_ms=192, pre_roll_ms=0))
    ep.push(windows((0.9, 10), (0.1, 5)))
    # When 5 windows of silence have passed (the post-pad has arrived): a pause between words, not yet a segment
    assert ep.tentative() is None
    # Then at the sixth, the would-be segment is offered, ending at the post-pad
    ep.push([0.1])
    offered = ep.tentative()
    assert offered is not None and (offered.start, offered.end) == (0, 10 * W + 64 * 8)
    # and it is exactly what the endpoint closes at min_silence_ms
    assert ep.push(windows((0.1, 4))) == [offered]
