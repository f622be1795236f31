"""The feed as the API sees it: day manifests in the feed bucket, and presigned GET URLs for the files they name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from connect_transcribe.adapters.aws_errors import translated
from connect_transcribe.adapters.s3_objects import get_if_exists
from connect_transcribe.export.layout import MANIFESTS_PREFIX, manifest_date, manifest_key
from connect_transcribe.models.feed import DayManifest


class S3FeedCatalog:
    def __init__(self, s3: Any, bucket: str) -> None:
        """`s3` is a boto3 S3 client made with signature_version s3v4: the bucket is SSE-KMS, which needs SigV4."""
        self._s3 = s3
        self._bucket = bucket

    def dates(self) -> list[dt.date]:
        found: list[dt.date] = []
        with translated("S3"):
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=MANIFESTS_PREFIX)
            for page in pages:
                for item in page.get("Contents", []):
                    day = _date(manifest_date(item["Key"]))
                    if day is not None:
                        found.append(day)
        return found

    def manifest(self, day: dt.date) -> DayManifest | None:
        with translated("S3"):
            body, _ = get_if_exists(self._s3, self._bucket, manifest_key(day.isoformat()))
        return DayManifest.model_validate_json(body) if body is not None else None

    def presign(self, key: str, ttl_seconds: int) -> str:
        # Signed locally with the function's credentials: no request to S3 until the caller uses the URL.
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=ttl_seconds
        )
        return url


def _date(text: str | None) -> dt.date | None:
    """A manifest's date; None for stray keys under the prefix (e.g. a hand-made 'dt=latest.json')."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
