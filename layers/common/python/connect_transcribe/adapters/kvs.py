"""boto3 implementation of MediaSource: GetDataEndpoint (cached per stream and API) then GetMedia.

The cached endpoint is dropped and looked up again when KVS rejects it (auth or endpoint errors). Optional
cross-account access assumes a role (with an external id) and refreshes its credentials before they expire.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from connect_transcribe.adapters.aws_errors import error_code
from connect_transcribe.media.connect_stream import ConnectStreamDecoder, FragmentTagged, KvsStreamError
from connect_transcribe.media.mkv import MkvError, MkvStreamParser
from connect_transcribe.media.ports import MediaIdle, MediaRejected, MediaUnavailable, Selector

_REJECTED = frozenset({"ResourceNotFoundException", "AccessDeniedException", "InvalidArgumentException"})
# the endpoint or our credentials went stale: look the endpoint up again (and let botocore refresh credentials)
_STALE = frozenset(
    {"NotAuthorizedException", "UnrecognizedClientException", "ExpiredTokenException", "InvalidEndpointException"}
)


def assumed_role_session(role_arn: str, external_id: str | None, *, region: str | None = None) -> boto3.Session:
    """A boto3 session whose credentials come from sts:AssumeRole and refresh themselves."""
    sts = boto3.client("sts", region_name=region)

    def refresh() -> dict[str, str]:
        args: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "connect-transcribe-media-gateway"}
        if external_id:
            args["ExternalId"] = external_id
        creds = sts.assume_role(**args)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    core = botocore.session.get_session()
    # botocore has no public setter for refreshable credentials; this is the documented-by-practice way
    core._credentials = RefreshableCredentials.create_from_metadata(
        metadata=refresh(), refresh_using=refresh, method="sts-assume-role"
    )
    return boto3.Session(botocore_session=core, region_name=region)


class BotoMediaConnection:
    def __init__(self, body: Any) -> None:
        self._body = body
        # StreamingBody.read(n) waits for n bytes; urllib3's read1 returns what has arrived (latency matters here)
        self._raw = getattr(body, "_raw_stream", body)

    def read(self) -> bytes:
        try:
            data = self._raw.read1(64 * 1024) if hasattr(self._raw, "read1") else self._raw.read(64 * 1024)
        except ReadTimeoutError as exc:
            raise MediaIdle("no media within the read timeout") from exc
        except (Urllib3Error, BotoCoreError, OSError, ssl.SSLError, ValueError, AttributeError) as exc:
            # AttributeError: http.client after close() from another thread (we stop a reader that way)
            raise MediaUnavailable(f"GetMedia connection failed: {type(exc).__name__}") from exc
        return bytes(data)

    def close(self) -> None:
        with contextlib.suppress(OSError, Urllib3Error):
            self._body.close()


class KvsMediaSource:
    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        endpoint_url: str | None = None,
        read_timeout_s: float = 3.0,
        max_connections: int = 64,
    ) -> None:
        self._session = session or boto3.Session()
        self._endpoint_url = endpoint_url  # control-plane override (local KVS server)
        self._config = Config(
            connect_timeout=3,
            read_timeout=read_timeout_s,
            retries={"max_attempts": 1},  # the reader retries with its own backoff and KVS limits in mind
            max_pool_connections=max_connections,
        )
        self._lock = threading.Lock()
        self._control = self._session.client("kinesisvideo", endpoint_url=endpoint_url, config=self._config)
        self._endpoints: dict[tuple[str, str], str] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    def get_media(self, stream_arn: str, selector: Selector) -> BotoMediaConnection:
        def call(client: Any) -> BotoMediaConnection:
            response = client.get_media(StreamARN=stream_arn, StartSelector=selector.to_api())
            return BotoMediaConnection(response["Payload"])

        return self._with_endpoint(stream_arn, "GET_MEDIA", "kinesis-video-media", call)

    def fragment_timestamp_ms(self, stream_arn: str, fragment_number: str) -> int | None:
        def call(client: Any) -> int | None:
            try:
                response = client.get_media_for_fragment_list(StreamARN=stream_arn, Fragments=[fragment_number])
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise
            parser, decoder = MkvStreamParser(), ConnectStreamDecoder()
            body = response["Payload"]
            try:
                while chunk := body.read(64 * 1024):
                    for event in decoder.decode(parser.feed(chunk)):
                        if isinstance(event, FragmentTagged):
                            return event.fragment.producer_ts_ms
            except (MkvError, KvsStreamError):  # KVS answers an unknown fragment with an error chunk
                return None
            finally:
                body.close()
            return None

        return self._with_endpoint(stream_arn, "GET_MEDIA_FOR_FRAGMENT_LIST", "kinesis-video-archived-media", call)

    def _with_endpoint(self, arn: str, api: str, service: str, call: Callable[[Any], Any]) -> Any:
        for attempt in range(2):
            client = self._client(arn, api, service, refresh=attempt > 0)
            try:
                return call(client)
            except ClientError as exc:
                code = error_code(exc)
                if code in _STALE and attempt == 0:
                    continue
                if code in _REJECTED or code in _STALE:
                    raise MediaRejected(f"{api} on {arn}: {code}") from exc
                raise MediaUnavailable(f"{api} on {arn}: {code}") from exc
            except BotoCoreError as exc:
                if attempt == 0:
                    continue  # maybe the cached endpoint moved
                raise MediaUnavailable(f"{api} on {arn}: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _client(self, arn: str, api: str, service: str, *, refresh: bool) -> Any:
        key = (arn, api)
        with self._lock:
            endpoint = None if refresh else self._endpoints.get(key)
        if endpoint is None:
            try:
                endpoint = self._control.get_data_endpoint(StreamARN=arn, APIName=api)["DataEndpoint"]
            except ClientError as exc:
                code = error_code(exc)
                if code in _REJECTED or code in _STALE:
                    raise MediaRejected(f"GetDataEndpoint on {arn}: {code}") from exc
                raise MediaUnavailable(f"GetDataEndpoint on {arn}: {code}") from exc
            except BotoCoreError as exc:
                raise MediaUnavailable(f"GetDataEndpoint on {arn}: {type(exc).__name__}") from exc
        with self._lock:
            self._endpoints[key] = endpoint
            client = self._clients.get((service, endpoint))
            if client is None:
                client = self._session.client(service, endpoint_url=endpoint, config=self._config)
                self._clients[(service, endpoint)] = client
        return client
