"""Reading an S3 object that may not exist yet (a date's manifest before its first commit)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from connect_transcribe.adapters.aws_errors import error_code


def get_if_exists(s3: Any, bucket: str, key: str) -> tuple[bytes | None, str | None]:
    """(body, ETag), or (None, None) when there is no such key. Needs s3:ListBucket to tell 404 from 403."""
    try:
        reply = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in ("NoSuchKey", "404"):
            return None, None
        raise
    return reply["Body"].read(), reply["ETag"]
