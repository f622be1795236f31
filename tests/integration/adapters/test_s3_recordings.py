"""Call recordings on moto S3: segments keyed by position, listed by index, and a joined WAV big enough to go up in
parts (boto3 switches to a multipart upload above 8 MiB)."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from connect_transcribe.adapters.s3_recordings import S3Recordings
from connect_transcribe.gateway.call_recording import FRAME_BYTES, SEGMENT_SAMPLES, join_recording
from connect_transcribe.models.recording import recording_key, segment_key
from moto import mock_aws

BUCKET = "recordings"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_segments_are_stored_under_their_position_and_listed_in_order(s3: Any) -> None:
    store = S3Recordings(s3, BUCKET)
    assert store.get_segment("call-1", 0) is None
    for index in (2, 0, 11):
        store.put_segment("call-1", index, bytes([index]) * 8)
    store.put_segment("call-2", 1, b"\x01" * 8)
    assert store.segment_indexes("call-1") == [0, 2, 11]
    assert store.get_segment("call-1", 11) == bytes([11]) * 8
    assert s3.get_object(Bucket=BUCKET, Key=segment_key("call-1", 2))["Body"].read() == b"\x02" * 8


def test_a_long_call_joins_into_one_wav_uploaded_in_parts(s3: Any) -> None:
    # Given five minutes of recorded segments (9.6 MB: more than boto3's multipart threshold)
    store = S3Recordings(s3, BUCKET)
    for index in range(10):
        store.put_segment("long", index, bytes([index + 1]) * (SEGMENT_SAMPLES * FRAME_BYTES))
    # When they are joined (spooled to disk past 1 MiB)
    assert join_recording("long", store, spool_bytes=1 << 20) == pytest.approx(300.0)
    # Then the WAV reads back whole, each segment in its place
    head = s3.head_object(Bucket=BUCKET, Key=recording_key("long"))
    assert head["ContentType"] == "audio/wav"
    assert "-" in head["ETag"]  # a multipart upload's ETag
    body = s3.get_object(Bucket=BUCKET, Key=recording_key("long"))["Body"].read()
    with wave.open(io.BytesIO(body), "rb") as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (2, 8000, 10 * SEGMENT_SAMPLES)
        pcm = wav.readframes(wav.getnframes())
    assert [pcm[i * SEGMENT_SAMPLES * FRAME_BYTES] for i in range(10)] == list(range(1, 11))
