"""What a running local stack exposes (`local up --json` prints it), and where its worker reads Kinesis Video Streams
(`--kvs-endpoint`): the one contract scripts and other tools drive local mode through."""

from __future__ import annotations

import argparse
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

AWS_KVS = "aws"  # --kvs-endpoint aws: the real KVS of the current AWS credentials

KvsSource = Literal["bundled", "url", "aws"]


class LocalEndpoints(BaseModel):
    """One JSON object, camelCase keys. Keys are only ever added, never renamed or removed; a key that does not
    apply is null, not missing."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    api_url: str = Field(
        description="Start/Stop and messages API base URL (POST /mg-autotranscribe/v1/start-streaming, ...). Sign "
        "requests with SigV4 for execute-api; any credentials are accepted."
    )
    file_exporter_url: str = Field(
        description="the File Exporter routes on the same API: POST {fileExporterUrl}/exports, .../static/listfeedfiles"
    )
    control_url: str | None = Field(description="what `local play` posts calls to; null outside `local up`")
    webhook_url: str = Field(description="where transcripts are delivered: the built-in receiver or --webhook")
    kvs_source: KvsSource = Field(
        description="bundled: the local KVS server (`local play` streams into it); url: --kvs-endpoint URL; "
        "aws: the real Kinesis Video Streams of the developer's credentials"
    )
    kvs_endpoint: str | None = Field(
        description="the KVS control-plane endpoint the worker uses; null with kvsSource aws (boto3's regional one)"
    )
    region: str = Field(description="the AWS region of the stand-ins, the handlers and the worker")
    aws_endpoint: str = Field(description="the local AWS stand-ins (moto): DynamoDB, SQS, Secrets Manager, S3")
    aws_access_key_id: str = Field(description="credentials for aws_endpoint (moto accepts any)")
    aws_secret_access_key: str
    aws_session_token: str
    table_name: str = Field(description="the conversations and messages table, on aws_endpoint")
    sessions_queue_url: str
    utterances_queue_url: str = Field(description="transcripts waiting for webhook delivery")
    utterances_dead_letter_queue_url: str = Field(description="transcripts webhook delivery gave up on")
    feed_bucket: str = Field(description="the File Exporter's bucket, on aws_endpoint")
    recordings_bucket: str = Field(
        description="call recordings (audioRecordingAllowed): recordings/<contactId>.wav, on aws_endpoint"
    )
    worker_log: str | None = Field(description="the media gateway worker's log file; null when it is discarded")


def kvs_endpoint(value: str) -> str:
    """`aws`, or an http(s) URL with a host (a KVS-compatible control-plane endpoint). Raises ValueError saying what
    is wrong, so a typo fails at once instead of as a worker that never reads any media."""
    if value == AWS_KVS:
        return value
    problem = _url_problem(value)
    if problem:
        raise ValueError(
            f"--kvs-endpoint must be 'aws' or an http(s) URL such as http://127.0.0.1:4567, not {value!r}: {problem}"
        )
    return value.rstrip("/")


def kvs_endpoint_argument(value: str) -> str:
    """kvs_endpoint() as an argparse type: the error becomes a usage error (exit 2) with the message above."""
    try:
        return kvs_endpoint(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        return "the scheme must be http or https"
    if not parts.hostname:
        return "it has no host"
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        return "its port is not a number from 0 to 65535"
    if parts.query or parts.fragment:
        return "an endpoint has no query or fragment"
    return None
