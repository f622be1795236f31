"""Benchmarks. The math libraries are pinned to one thread before anything loads numpy, as in the worker."""

from connect_transcribe.speech.threads import pin_math_threads

pin_math_threads()
