"""Call recordings in S3: segment objects while the call runs, the joined WAV after (models/recording.py)."""

from __future__ import annotations

from typing import IO, Any

from connect_transcribe.adapters.s3_objects import get_if_exists
from connect_transcribe.models.recording import SEGMENT_PREFIX, recording_key, segment_index, segment_key


class S3Recordings:
    """The bucket's default encryption (KMS) applies to every object; nothing here names a key."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def get_segment(self, guid: str, index: int) -> bytes | None:
        body, _ = get_if_exists(self._s3, self._bucket, segment_key(guid, index))
        return body

    def put_segment(self, guid: str, index: int, pcm: bytes) -> None:
        self._s3.put_object(
            Bucket=self._bucket, Key=segment_key(guid, index), Body=pcm, ContentType="application/octet-stream"
        )

    def segment_indexes(self, guid: str) -> list[int]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=f"{SEGMENT_PREFIX}{guid}/"
        )
        return sorted(segment_index(item["Key"]) for page in pages for item in page.get("Contents", []))

    def put_recording(self, guid: str, wav: IO[bytes]) -> None:
        # multipart above 8 MiB (boto3's default threshold), one PUT below
        self._s3.upload_fileobj(wav, self._bucket, recording_key(guid), ExtraArgs={"ContentType": "audio/wav"})
