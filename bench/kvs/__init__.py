"""Kinesis Video Streams media benchmarks."""
