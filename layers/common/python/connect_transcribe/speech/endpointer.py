"""Utterance boundaries from per-window speech probabilities (pure logic, no audio, no I/O).

Hysteresis on the probability, a minimum silence to end an utterance, pre-roll and post-padding so
words are not clipped, a minimum speech length to ignore clicks, and a forced cut at a maximum length
(at the quietest recent window) so a monologue is transcribed while it goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ
from connect_transcribe.speech.vad import WINDOW

WINDOW_MS = WINDOW * 1000 // CONNECT_SAMPLE_RATE_HZ  # 32


@dataclass(frozen=True)
class EndpointSettings:
    threshold: float = 0.5
    release: float = 0.35  # below this the window counts as silence
    min_silence_ms: int = 300
    min_speech_ms: int = 200
    pre_roll_ms: int = 300
    post_pad_ms: int = 200
    max_utterance_ms: int = 15_000
    cut_search_ms: int = 2_000  # where to look for the quietest window before a forced cut
    # Decode the open utterance once early_decode_after_ms of silence has passed (and never before its post-pad has
    # arrived: its segment is then whole), so its text is ready when min_silence_ms closes it; if speech resumes
    # first, that decode is wasted. A shorter wait starts sooner but wastes a decode at every pause between words:
    # with the 50 ms post-pad as the trigger, 10 concurrent calls queued 4.3 s of decodes at p95.
    early_decode: bool = True
    early_decode_after_ms: int = 200
    # The VAD's recurrent state is reset after this much silence (under `release`), so it cannot drift (speech/vad.py).
    vad_reset_after_ms: int = 1000


@dataclass(frozen=True)
class Segment:
    """An utterance's audio, in samples from the start of the stream; `forced` = cut at the max length."""

    start: int
    end: int
    speech_start: int  # first and last sample the VAD called speech (no pre-roll / post-padding)
    speech_end: int
    forced: bool = False
    speech_windows: int = 0

    @property
    def duration_ms(self) -> int:
        return (self.end - self.start) // 8


class Endpointer:
    def __init__(self, settings: EndpointSettings | None = None, *, floor: int = 0) -> None:
        self.settings = s = settings or EndpointSettings()
        self._min_silence = max(1, s.min_silence_ms // WINDOW_MS)
        self._min_speech = max(1, s.min_speech_ms // WINDOW_MS)
        self._pre_roll = s.pre_roll_ms * 8
        self._post_pad = s.post_pad_ms * 8
        self._early_wait = max(self._post_pad, s.early_decode_after_ms * 8)  # silence before tentative() offers
        self._max_windows = s.max_utterance_ms // WINDOW_MS
        self._cut_search = max(1, s.cut_search_ms // WINDOW_MS)
        self._window = 0  # index of the next window
        self._start: int | None = None  # first speech window of the open utterance
        self._last_speech = 0
        self._speech_windows = 0
        self._recent: list[tuple[int, float]] = []  # (window, prob) within the cut search range
        self._floor = floor  # no segment may start before this sample (end of the previous one)

    @property
    def floor(self) -> int:
        return self._floor

    @property
    def open_since(self) -> int | None:
        """First sample the open utterance may need (pre-roll included), or None."""
        return None if self._start is None else self._segment_start(self._start)

    def push(self, probs: Iterable[float]) -> list[Segment]:
        segments: list[Segment] = []
        s = self.settings
        for prob in probs:
            p = float(prob)
            i = self._window
            self._window += 1
            if self._start is None:
                if p >= s.threshold:
                    self._start, self._last_speech, self._speech_windows = i, i, 1
                    self._recent = [(i, p)]
                continue
            self._recent.append((i, p))
            if len(self._recent) > self._cut_search:
                self._recent.pop(0)
            if p >= s.release:
                self._last_speech = i
                self._speech_windows += p >= s.threshold
            elif i - self._last_speech >= self._min_silence:
                segments += self._close(end_window=self._last_speech + 1, pad=True)
                continue
            if i + 1 - self._start >= self._max_windows:
                segments += self._force_cut()
        return segments

    def tentative(self) -> Segment | None:
        """The segment that closes if the silence now under way reaches min_silence_ms, once early_decode_after_ms
        of silence and its audio (post-pad included) have been pushed: exactly what push() would then return,
        unless speech resumes first."""
        if self._start is None or self._speech_windows < self._min_speech:
            return None
        speech_end = (self._last_speech + 1) * WINDOW
        end = speech_end + self._post_pad
        if speech_end + self._early_wait > self._window * WINDOW:
            return None
        start = self._segment_start(self._start)
        return Segment(start, end, max(start, self._start * WINDOW), speech_end, speech_windows=self._speech_windows)

    def partial(self) -> Segment | None:
        """The open utterance as heard so far (for an interim transcript), once it has min_speech_ms of speech:
        from its start to the last window pushed. None when no utterance is open."""
        if self._start is None or self._speech_windows < self._min_speech:
            return None
        start = self._segment_start(self._start)
        speech_end = (self._last_speech + 1) * WINDOW
        return Segment(
            start,
            self._window * WINDOW,
            max(start, self._start * WINDOW),
            speech_end,
            speech_windows=self._speech_windows,
        )

    def flush(self) -> list[Segment]:
        """End of stream: close the open utterance, if any."""
        if self._start is None:
            return []
        return self._close(end_window=self._last_speech + 1, pad=True)

    def _force_cut(self) -> list[Segment]:
        cut, _ = min(self._recent[:-1] or self._recent, key=lambda wp: wp[1])
        cut = max(cut, (self._start or 0) + 1)
        segment = self._close(end_window=cut, pad=False, forced=True)
        # speech continues: the next utterance starts right at the cut, with no pre-roll overlap
        self._start, self._last_speech, self._speech_windows = cut, self._window - 1, 1
        self._recent = [(w, p) for w, p in self._recent if w >= cut]
        return segment

    def _close(self, *, end_window: int, pad: bool, forced: bool = False) -> list[Segment]:
        assert self._start is not None
        start = self._segment_start(self._start)
        end = end_window * WINDOW + (self._post_pad if pad else 0)
        speech = self._speech_windows
        speech_start = max(start, self._start * WINDOW)
        self._start, self._recent, self._speech_windows = None, [], 0
        self._floor = end
        if speech < self._min_speech:
            return []
        return [
            Segment(
                start=start,
                end=end,
                speech_start=speech_start,
                speech_end=end_window * WINDOW,
                forced=forced,
                speech_windows=speech,
            )
        ]

    def _segment_start(self, window: int) -> int:
        return max(self._floor, window * WINDOW - self._pre_roll, 0)
