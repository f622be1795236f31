"""Streaming speech: endpointing with Silero VAD, embedded Whisper transcription of 8 kHz call audio."""

import os

# onnxruntime >= 1.29 sends usage telemetry to Microsoft from Linux too (microsoft/onnxruntime#27379): the worker
# would open connections to mobile.events.data.microsoft.com from the customer's account. The opt-out must be set
# before onnxruntime initialises; this package imports it (directly and through faster-whisper) only below here.
# An operator's explicit value wins.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
