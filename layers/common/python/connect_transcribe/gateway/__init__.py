"""The media gateway: take session jobs, read each call's audio from KVS, transcribe, redact and publish."""
