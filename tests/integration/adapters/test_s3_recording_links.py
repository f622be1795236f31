"""Recording links on S3 (moto): a SigV4 presigned GET of recordings/<guid>.wav when it exists, None otherwise,
typed errors for other S3 failures, and the link downloading the WAV over plain HTTP from a moto server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from connect_transcribe.adapters.s3_recording_links import S3RecordingLinks
from connect_transcribe.errors import DependencyUnavailable, Throttled
from connect_transcribe.models.recording import recording_key, segment_key
from connect_transcribe.wiring.api import RECORDINGS_S3_CONFIG
from moto import mock_aws
from moto.server import ThreadedMotoServer

BUCKET = "connect-transcribe-recordings"
GUID = "8c259fea-8764-4a92-adc4-73572e9cf016"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200))  # bytes stand in for a WAV: only their return matters


def kms_bucket(s3: Any, kms: Any) -> None:
    """The recordings bucket as infra makes it: default encryption with a KMS key."""
    key_id = kms.create_key(Description="recordings")["KeyMetadata"]["KeyId"]
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id}}]
        },
    )


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", config=RECORDINGS_S3_CONFIG)
        kms_bucket(client, boto3.client("kms"))
        yield client


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_a_stored_recording_gets_a_sigv4_link_on_the_regional_host_valid_for_the_configured_time(s3: Any) -> None:
    # Given a call's joined recording in the bucket
    s3.put_object(Bucket=BUCKET, Key=recording_key(GUID), Body=WAV)

    # When a link is asked for, valid 900 s
    url = S3RecordingLinks(s3, BUCKET, 900).link(GUID)

    # Then it is a SigV4 presigned GET of that key on the bucket's regional endpoint, valid 900 s, served as a WAV
    # download named after the conversation
    assert url is not None
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        f"{BUCKET}.s3.us-east-1.amazonaws.com",
        f"/{recording_key(GUID)}",
    )
    query = query_of(url)
    assert query["X-Amz-Expires"] == "900"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert "/us-east-1/s3/aws4_request" in query["X-Amz-Credential"]
    assert query["response-content-type"] == "audio/wav"
    assert query["response-content-disposition"] == f'attachment; filename="{GUID}.wav"'


def test_outside_us_east_1_the_link_is_on_that_regions_host() -> None:
    # botocore's default addressing presigns for the global s3.amazonaws.com outside us-east-1: S3 redirects a young
    # bucket's requests from there to the regional host, where a signature that covers the global host fails
    with mock_aws():
        s3 = boto3.client("s3", config=RECORDINGS_S3_CONFIG, region_name="eu-west-1")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket=BUCKET, Key=recording_key(GUID), Body=WAV)

        url = S3RecordingLinks(s3, BUCKET, 900).link(GUID)

    assert url is not None and urlsplit(url).netloc == f"{BUCKET}.s3.eu-west-1.amazonaws.com"
    assert "/eu-west-1/s3/aws4_request" in query_of(url)["X-Amz-Credential"]


def test_the_expiry_is_the_one_given(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=recording_key(GUID), Body=WAV)
    url = S3RecordingLinks(s3, BUCKET, 43_200).link(GUID)
    assert url is not None and query_of(url)["X-Amz-Expires"] == "43200"


def test_no_recording_is_no_link(s3: Any) -> None:
    # Given a call being recorded (segments written) whose WAV is not joined yet, and another call's recording
    s3.put_object(Bucket=BUCKET, Key=segment_key(GUID, 0), Body=b"\x00" * 64)
    s3.put_object(Bucket=BUCKET, Key=recording_key("other-call"), Body=WAV)

    # Then there is no link for it
    assert S3RecordingLinks(s3, BUCKET, 900).link(GUID) is None


class RefusingS3:
    """An S3 client whose HEAD fails with `code` (moto grants everything, so a refusal is staged)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.presigned = 0

    def head_object(self, **_: Any) -> Any:
        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "HeadObject")

    def generate_presigned_url(self, *_: Any, **__: Any) -> str:
        self.presigned += 1
        return "https://example.invalid/"


@pytest.mark.parametrize("code", ["403", "AccessDenied", "InternalError"])
def test_a_refused_head_is_a_typed_failure_not_a_missing_recording(code: str) -> None:
    # A 403 (e.g. s3:ListBucket missing from the role) must not read as "no recording": the caller sees a 503
    client = RefusingS3(code)
    with pytest.raises(DependencyUnavailable, match=rf"S3 request failed \({code}\)"):
        S3RecordingLinks(client, BUCKET, 900).link(GUID)
    assert client.presigned == 0


def test_throttling_is_a_429() -> None:
    with pytest.raises(Throttled):
        S3RecordingLinks(RefusingS3("Throttling"), BUCKET, 900).link(GUID)


@pytest.fixture
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)  # moto's state is per process, not per server
    yield endpoint
    server.stop()


def test_the_link_downloads_the_recording_over_plain_http(moto_server: str) -> None:
    # Given a KMS-encrypted recordings bucket on a moto server holding a call's recording
    s3 = boto3.client("s3", config=RECORDINGS_S3_CONFIG, endpoint_url=moto_server)
    kms_bucket(s3, boto3.client("kms", endpoint_url=moto_server))
    s3.put_object(Bucket=BUCKET, Key=recording_key(GUID), Body=WAV)

    # When its link is fetched with plain HTTP, no AWS client
    url = S3RecordingLinks(s3, BUCKET, 900).link(GUID)
    assert url is not None and url.startswith(f"{moto_server}/{BUCKET}/")  # path-style on a local endpoint by IP
    download = requests.get(url, timeout=10)

    # Then the bytes are the recording's, served as a WAV attachment
    assert download.status_code == 200
    assert download.content == WAV
    assert download.headers["Content-Type"] == "audio/wav"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{GUID}.wav"'
    head = s3.head_object(Bucket=BUCKET, Key=recording_key(GUID))
    assert head["ServerSideEncryption"] == "aws:kms"  # the object was stored KMS-encrypted
