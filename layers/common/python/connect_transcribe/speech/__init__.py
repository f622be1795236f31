"""Streaming speech: endpointing with Silero VAD, embedded Whisper transcription of 8 kHz call audio."""
