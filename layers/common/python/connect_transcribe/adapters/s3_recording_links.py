"""Links to call recordings for the messages API: a presigned GET of a conversation's joined WAV in the recordings
bucket, when it exists."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from connect_transcribe.adapters.aws_errors import error_code, translated
from connect_transcribe.models.recording import recording_key

_MISSING = ("404", "NoSuchKey", "NotFound")


class S3RecordingLinks:
    """Implements control/ports.RecordingLinks."""

    def __init__(self, s3: Any, bucket: str, expires_s: int) -> None:
        """`s3` is a boto3 S3 client made with signature_version s3v4 (the bucket is SSE-KMS: S3 refuses SigV2 for
        KMS objects) on the bucket's regional endpoint (a link signed for the global one may be redirected). It needs
        s3:GetObject on recordings/* and s3:ListBucket on the bucket: without ListBucket a missing key is a 403."""
        self._s3 = s3
        self._bucket = bucket
        self._expires_s = expires_s

    def link(self, guid: str) -> str | None:
        key = recording_key(guid)
        if not self._exists(key):
            return None
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentType": "audio/wav",
                "ResponseContentDisposition": f'attachment; filename="{guid}.wav"',
            },
            ExpiresIn=self._expires_s,
        )
        return url

    def _exists(self, key: str) -> bool:
        # HEAD first: presigning never asks S3, and a link is only worth returning to an object that is there.
        with translated("S3"):  # throttling -> 429, any other failure (e.g. 403) -> 503
            try:
                self._s3.head_object(Bucket=self._bucket, Key=key)
            except ClientError as exc:
                if error_code(exc) in _MISSING:
                    return False
                raise
        return True
