"""The feed bucket as the exporter writes it: streamed files, run results, manifests, Athena symlinks.

Objects are encrypted by the bucket's default (SSE-KMS with the stack key); nothing here names a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from connect_transcribe.adapters.aws_errors import error_code
from connect_transcribe.adapters.s3_objects import get_if_exists
from connect_transcribe.export import layout as feed_layout
from connect_transcribe.models.feed import DayManifest, FeedFormat, HourExport

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's minimum for every part but the last
_DELETE_BATCH = 1000  # DeleteObjects' limit


class MultipartSink:
    """Streams one object: parts of `part_bytes` go up as they fill; a small object is one plain PUT."""

    def __init__(self, client: Any, bucket: str, key: str, content_type: str, *, part_bytes: int) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._content_type = content_type
        self._part_bytes = max(part_bytes, MIN_PART_BYTES)
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        self._size += len(data)
        if len(self._buffer) >= self._part_bytes:
            self._upload_part()

    def close(self) -> int:
        if self._upload_id is None:
            self._client.put_object(
                Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer), ContentType=self._content_type
            )
        else:
            if self._buffer:
                self._upload_part()
            self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
            )
        self._buffer = bytearray()
        return self._size

    def abort(self) -> None:
        if self._upload_id is not None:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
            self._upload_id = None
        self._buffer = bytearray()

    def _upload_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, ContentType=self._content_type
            )["UploadId"]
        number = len(self._parts) + 1
        reply = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=bytes(self._buffer)
        )
        self._parts.append({"PartNumber": number, "ETag": reply["ETag"]})
        self._buffer = bytearray()


class S3FeedStore:
    """Implements export/ports.FeedStore."""

    def __init__(self, client: Any, bucket: str, *, part_bytes: int = 8 * 1024 * 1024) -> None:
        self._client = client
        self._bucket = bucket
        self._part_bytes = part_bytes

    def open(self, key: str, content_type: str) -> MultipartSink:
        return MultipartSink(self._client, self._bucket, key, content_type, part_bytes=self._part_bytes)

    def put_run_result(self, run_id: str, hour: HourExport) -> None:
        self._put(feed_layout.run_result_key(run_id, hour.slot), hour.model_dump_json().encode(), "application/json")

    def run_result(self, run_id: str, slot: str) -> HourExport | None:
        raw, _ = self._get(feed_layout.run_result_key(run_id, slot))
        return HourExport.model_validate_json(raw) if raw is not None else None

    def delete_run(self, run_id: str) -> None:
        self.delete([key for key, _ in self.objects(f"{feed_layout.RUNS_PREFIX}{run_id}/")])

    def manifest(self, day: str) -> tuple[DayManifest | None, str | None]:
        raw, etag = self._get(feed_layout.manifest_key(day))
        return (DayManifest.model_validate_json(raw), etag) if raw is not None else (None, None)

    def put_manifest(self, manifest: DayManifest, *, expected: str | None) -> bool:
        condition = {"IfMatch": expected} if expected is not None else {"IfNoneMatch": "*"}
        try:
            self._put(
                feed_layout.manifest_key(manifest.date.isoformat()),
                manifest.model_dump_json().encode(),
                "application/json",
                **condition,
            )
        except ClientError as exc:
            # 412: changed since we read it; 409: a concurrent conditional write to the same key is in flight.
            if error_code(exc) in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def put_symlink(self, fmt: FeedFormat, slot: str, keys: list[str]) -> None:
        body = "".join(f"s3://{self._bucket}/{key}\n" for key in keys)
        self._put(feed_layout.symlink_key(fmt, slot), body.encode(), "text/plain")

    def objects(self, prefix: str) -> Iterator[tuple[str, int]]:
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                yield item["Key"], int(item["LastModified"].timestamp() * 1000)

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            reply = self._client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            if reply.get("Errors"):
                first = reply["Errors"][0]
                raise RuntimeError(
                    f"S3 refused to delete {len(reply['Errors'])} objects, e.g. {first['Key']}: {first.get('Code')}"
                )

    def _put(self, key: str, body: bytes, content_type: str, **extra: Any) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type, **extra)

    def _get(self, key: str) -> tuple[bytes | None, str | None]:
        return get_if_exists(self._client, self._bucket, key)
