"""connect-transcribe: real-time call transcription for Amazon Connect (shared runtime package)."""

__version__ = "0.1.0"
