"""The whole product on one machine, no AWS account: moto server (DynamoDB, SQS, Secrets Manager, S3), the local KVS
media server, the Start/Stop + messages API (the real handler behind a local API Gateway), the media gateway
worker process, the webhook-delivery Lambda handler fed by a local SQS poller, and a webhook receiver.

The worker can read another KVS-compatible endpoint instead of the bundled server, or the real Kinesis Video Streams
of the developer's AWS credentials (`kvs_endpoint="aws"`): then only its KVS client leaves this machine.

It sets the process environment the handlers read (as Lambda would) and restores it on stop().
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import boto3
import requests
from connect_transcribe.adapters.alive_file import AliveFile
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.api.feed_routes import build_feed_app
from connect_transcribe.models.session import SessionState
from connect_transcribe.settings import ExportSettings, FeedApiSettings
from connect_transcribe.speech.threads import pin_math_threads
from connect_transcribe.speech.weights import accepted_languages
from connect_transcribe.wiring import exporter

from connect_transcribe_dev.api_gateway import LocalApiGateway
from connect_transcribe_dev.connect_events import contact_flow_event
from connect_transcribe_dev.endpoints import AWS_KVS, KvsSource, LocalEndpoints, kvs_endpoint
from connect_transcribe_dev.exports import LocalExportStarter
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs
from connect_transcribe_dev.lambda_context import LocalLambdaContext
from connect_transcribe_dev.resources import LocalResources, create_resources
from connect_transcribe_dev.signed_api import call_api
from connect_transcribe_dev.sqs_poller import SqsLambdaPoller
from connect_transcribe_dev.webhook_receiver import Received, WebhookReceiver

REPO = Path(__file__).resolve().parents[2]  # the source checkout: dev/connect_transcribe_dev/stack.py
REGION = "us-east-1"
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}
_FINISHED = frozenset({SessionState.PAUSED, SessionState.STOPPED, SessionState.FAILED})
# The developer's identity, which the stack swaps for LOCAL_CREDENTIALS and a worker reading real KVS gets back.
_IDENTITY = (*LOCAL_CREDENTIALS, "AWS_PROFILE")


class LocalModeError(Exception):
    """The stack cannot do what was asked (no region or credentials for real KVS, a call with no local KVS to play
    into); the message says why and what to do instead."""


class NoBundledKvs(LocalModeError):
    """A call to play, but the worker reads another KVS than the bundled server, the only one calls are played into."""


@dataclass
class PlayedCall:
    contact_id: str
    stream_arn: str
    start: dict[str, str]  # what connect_start returned to the flow
    audio_start_ms: int  # producer timestamp of the call's first audio: webhook start/end count from here
    stop: dict[str, str] | None = None


def _handlers() -> dict[str, Any]:
    """The Lambda entry points, the packages `functions.<name>.handler` that this project installs beside the runtime
    (pyproject.toml). Imported when the stack starts, after it has set the environment they read."""
    names = ("api", "connect_start", "connect_stop", "webhook_delivery")
    return {n: importlib.import_module(f"functions.{n}.handler") for n in names}


def _reset(modules: dict[str, Any]) -> None:
    """Forget settings and clients cached by a previous run (they were read from another environment)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # powertools keeps its Secrets Manager client (and endpoint) module-wide
    for module in modules.values():
        for name in ("settings", "service", "messages", "delivery"):
            with contextlib.suppress(AttributeError):
                getattr(module, name).cache_clear()
        flow = getattr(module, "flow", None)
        if flow is not None:
            flow.reset()


def developer_region() -> str:
    """The region of the developer's AWS configuration (AWS_REGION, AWS_DEFAULT_REGION, the profile's), after
    checking that the default credential chain finds credentials: what a worker reading real KVS needs, asked for
    before the stack swaps in its own environment."""
    session = boto3.Session()
    region = os.environ.get("AWS_REGION") or session.region_name
    if not region:
        raise LocalModeError(
            "--kvs-endpoint aws needs a region: set AWS_REGION to the region of the Connect instance's streams "
            "(or give your AWS profile a region)"
        )
    if session.get_credentials() is None:
        raise LocalModeError(
            "--kvs-endpoint aws needs AWS credentials and found none in the default chain "
            "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, ...)"
        )
    return region


def worker_environment(
    stack: Mapping[str, str], developer: Mapping[str, str], *, kvs_endpoint: str | None, aws_endpoint: str
) -> dict[str, str]:
    """The worker's AWS environment. With a KVS endpoint it is the stack's: every client on the local stand-ins (the
    local KVS server ignores credentials). With none (real KVS), the global AWS_ENDPOINT_URL would send KVS to moto
    and the local credentials would be refused by AWS, so only DynamoDB, SQS and S3 (all the worker uses besides
    KVS; S3 for call recordings) keep the local endpoint, per service, and the developer's own credentials come
    back for KVS to sign with; moto does not check them. Other endpoint settings that would redirect KVS are
    dropped."""
    env = dict(stack)
    if kvs_endpoint is not None:
        env["KVS_ENDPOINT_URL"] = kvs_endpoint
        return env
    for name in list(env):
        if name.startswith("AWS_ENDPOINT_URL") or name in (*_IDENTITY, "KVS_ENDPOINT_URL"):
            del env[name]
    env.pop("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", None)  # would switch off the per-service endpoints below
    env.update({name: developer[name] for name in _IDENTITY if name in developer})
    env["AWS_ENDPOINT_URL_DYNAMODB"] = env["AWS_ENDPOINT_URL_SQS"] = env["AWS_ENDPOINT_URL_S3"] = aws_endpoint
    return env


def _by_path(*, api: Callable[[Any, Any], Any], feed: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """One loopback API for both functions, routed as API Gateway routes them: /fileexporter/* to the exporter's."""

    def invoke(event: Any, context: Any) -> Any:
        return (feed if str(event.get("path", "")).startswith("/fileexporter/") else api)(event, context)

    return invoke


def _quiet(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Powertools keeps metrics when they are disabled; clear them after every local invocation."""
    from connect_transcribe.observability import metrics

    def invoke(event: Any, context: Any) -> Any:
        try:
            return handler(event, context)
        finally:
            metrics.clear_metrics()

    return invoke


class LocalDeployment:
    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        delivery: Literal["block", "fragment"] = "block",
        max_sessions: int = 20,
        end_of_stream_s: float = 10.0,
        on_transcript: Callable[[Received], None] | None = None,
        worker_log: Path | None = None,
        kvs_endpoint: str | None = None,
        interim_results: bool = False,
    ) -> None:
        """`kvs_endpoint`: None for the bundled local KVS server (the only one calls can be played into), another
        KVS-compatible endpoint's URL, or "aws" for the real KVS of the developer's credentials and region.
        `interim_results`: the API's deployment default (INTERIM_RESULTS) for starts that do not say."""
        self.interim_results = interim_results
        self.kvs_endpoint = None if kvs_endpoint is None else _valid_kvs_endpoint(kvs_endpoint)
        self.region = REGION  # "aws" mode: the developer's, set at start
        self.webhook_url = webhook_url
        self.delivery: Literal["block", "fragment"] = delivery
        self.max_sessions = max_sessions
        self.end_of_stream_s = end_of_stream_s
        self.worker_log = worker_log
        self.receiver = WebhookReceiver(on_transcript=on_transcript)
        self.kvs = LocalKvs(delivery=delivery, idle_close_s=5.0)  # started only when it is the worker's
        self.resources: LocalResources | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self._saved_env: dict[str, str] | None = None
        self._moto: Any = None
        self._aws_url: str | None = None
        self._api: LocalApiGateway | None = None
        self._poller: SqsLambdaPoller | None = None
        self._handlers: dict[str, Any] = {}
        self._log: Any = None
        self._run_dir: Path | None = None
        self.health_file: Path | None = None  # the worker's liveness file (adapters/alive_file.py)
        self.exports: LocalExportStarter | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------------

    def start(self) -> LocalDeployment:
        """Everything is up when it returns; if any part fails to start (or Ctrl-C), what did start is stopped."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> LocalDeployment:
        from moto.server import ThreadedMotoServer  # dev dependency: local mode and tests only

        self._saved_env = dict(os.environ)
        if self.kvs_endpoint == AWS_KVS:
            self.region = developer_region()  # the stand-ins too: one session signs for the worker's KVS and SQS alike
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's access log
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self._aws_url = aws = f"http://{host}:{port}"
        requests.post(f"{aws}/moto-api/reset", timeout=10)
        os.environ.update(
            {
                **LOCAL_CREDENTIALS,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                "AWS_ENDPOINT_URL": aws,
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        from connect_transcribe.observability import logger

        logger.setLevel(os.environ["POWERTOOLS_LOG_LEVEL"])  # the logger was made before this environment
        self.resources = r = create_resources(boto3.Session(region_name=self.region))
        if self.kvs_endpoint is None:
            self.kvs.start()
        if self.webhook_url is None:
            self.receiver.signing_secret = r.signing_secret
            self.receiver.start()
        webhook = self.webhook_url or self.receiver.url
        os.environ.update(
            {
                "TABLE_NAME": r.table_name,
                "SESSIONS_QUEUE_URL": r.sessions_queue_url,
                "UTTERANCES_QUEUE_URL": r.utterances_queue_url,
                "WEBHOOK_URL": webhook,
                "WEBHOOK_SECRET_ARN": r.webhook_secret_arn,
                "WEBHOOK_SIGNING": "true",
                "INTERIM_RESULTS": "true" if self.interim_results else "false",
                # the worker's engine (ENGINE, default tiny.en) decides which start languages the API accepts
                "SUPPORTED_LANGUAGES": json.dumps(
                    list(accepted_languages(multilingual=os.environ.get("ENGINE", "tiny.en") != "tiny.en"))
                ),
                "WEBHOOK_ALLOW_HTTP": "true" if webhook.startswith("http://") else "false",
                "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
                "DELIVERY_DLQ_URL": r.utterances_dlq_url,
                "REQUEST_TIMEOUT_SECONDS": "7",
                "FEED_BUCKET": r.feed_bucket,
                "RECORDINGS_BUCKET": r.recordings_bucket,  # the API links recordings; the worker writes them
                "EXPORT_STATE_MACHINE_ARN": "local",  # on-demand exports run in this process (local/exports.py)
            }
        )
        self._handlers = _handlers()
        _reset(self._handlers)
        self.exports = LocalExportStarter(exporter.export_service(ExportSettings()))
        feed = exporter.feed_api_service(FeedApiSettings(), exports=self.exports)
        feed_app = build_feed_app(lambda: feed, lambda: 16_384)
        routes = _by_path(api=_quiet(self._handlers["api"].handler), feed=_quiet(feed_app.resolve))
        self._api = LocalApiGateway(routes, require_sigv4=True).start()
        os.environ["API_BASE_URL"] = self._api.url
        _reset(self._handlers)
        sqs = boto3.client("sqs", region_name=self.region)
        self._poller = SqsLambdaPoller(sqs, r.utterances_queue_url, _quiet(self._handlers["webhook_delivery"].handler))
        self._poller.start()
        self.start_worker()
        return self

    def stop(self) -> None:
        self.stop_worker()
        if self._poller is not None:
            self._poller.stop()
        if self._api is not None:
            self._api.stop()
        self.receiver.stop()
        self.kvs.stop()
        if self._moto is not None:
            self._moto.stop()
        if self._log is not None:
            self._log.close()
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
        if self._saved_env is not None:
            os.environ.clear()
            os.environ.update(self._saved_env)
        _reset(self._handlers)

    def __enter__(self) -> LocalDeployment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def kvs_source(self) -> KvsSource:
        if self.kvs_endpoint is None:
            return "bundled"
        return "aws" if self.kvs_endpoint == AWS_KVS else "url"

    @property
    def worker_kvs_endpoint(self) -> str | None:
        """The KVS endpoint the worker is given; None: boto3's regional endpoint of the real KVS."""
        if self.kvs_endpoint is None:
            return self.kvs.endpoint_url
        return None if self.kvs_endpoint == AWS_KVS else self.kvs_endpoint

    @property
    def endpoints(self) -> LocalEndpoints:
        """Everything a script needs to drive the running stack (`local up --json` prints it)."""
        assert self._api is not None and self.resources is not None and self._aws_url is not None
        r = self.resources
        return LocalEndpoints(
            api_url=self._api.url,
            file_exporter_url=f"{self._api.url}/fileexporter/v1",
            control_url=None,
            webhook_url=self.webhook_url or self.receiver.url,
            kvs_source=self.kvs_source,
            kvs_endpoint=self.worker_kvs_endpoint,
            region=self.region,
            aws_endpoint=self._aws_url,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=LOCAL_CREDENTIALS["AWS_SESSION_TOKEN"],
            table_name=r.table_name,
            sessions_queue_url=r.sessions_queue_url,
            utterances_queue_url=r.utterances_queue_url,
            utterances_dead_letter_queue_url=r.utterances_dlq_url,
            feed_bucket=r.feed_bucket,
            recordings_bucket=r.recordings_bucket,
            worker_log=str(self.worker_log) if self.worker_log else None,
        )

    # -- the media gateway worker (a separate process, as on Fargate) -------------------------------------------------

    def start_worker(self, *, ready_timeout_s: float = 120.0) -> None:
        """Starts the worker process and returns once it takes jobs (its liveness file, as the container health
        check reads it): a call played right away is then transcribed live, not after the worker's start-up."""
        assert self.resources is not None
        if self._run_dir is None:
            self._run_dir = Path(tempfile.mkdtemp(prefix="connect-transcribe-local-"))
        alive = AliveFile(self._run_dir / "gateway.alive")
        alive.clear()
        self.health_file = alive.path
        assert self._saved_env is not None and self._aws_url is not None
        aws = worker_environment(
            os.environ, self._saved_env, kvs_endpoint=self.worker_kvs_endpoint, aws_endpoint=self._aws_url
        )
        env = {
            **aws,
            "MAX_SESSIONS": str(self.max_sessions),
            "END_OF_STREAM_SECONDS": str(self.end_of_stream_s),
            "LEASE_SECONDS": "5",
            "VISIBILITY_SECONDS": "5",
            "HEARTBEAT_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
            "HEALTH_FILE": str(alive.path),
        }
        pin_math_threads(env)
        if self._log is None:
            self._log = self.worker_log.open("a") if self.worker_log else open(os.devnull, "w")  # noqa: SIM115
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "connect_transcribe.gateway"], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait_ready(alive, ready_timeout_s)

    def _wait_ready(self, alive: AliveFile, timeout_s: float) -> None:
        assert self.worker is not None
        deadline = time.monotonic() + timeout_s
        while alive.age_s() is None:
            code = self.worker.poll()
            if code is not None:
                where = f" (its log: {self.worker_log})" if self.worker_log else ""
                raise RuntimeError(f"the media gateway worker exited with code {code} before it took jobs{where}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the media gateway worker did not take jobs within {timeout_s:g} s")
            time.sleep(0.05)

    def kill_worker(self) -> None:
        """SIGKILL: no handover, no lease release (a crashed task)."""
        if self.worker is not None:
            self.worker.kill()
            self.worker.wait(10)

    def stop_worker(self) -> None:
        """SIGTERM: the worker hands its sessions over and exits. It is never left running: after 60 s, or when
        the wait is interrupted (a second Ctrl-C), it is killed."""
        if self.worker is not None and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(60)
            except subprocess.TimeoutExpired:
                pass
            finally:
                if self.worker.poll() is None:
                    self.worker.kill()
                    self.worker.wait()

    # -- calls -------------------------------------------------------------------------------------------------------

    def begin_call(
        self,
        customer: bytes,
        agent: bytes,
        *,
        contact_id: str | None = None,
        speed: float = 1.0,
        parameters: dict[str, str] | None = None,
    ) -> tuple[PlayedCall, KvsProducer]:
        """Audio starts flowing into a new KVS stream, then the flow's connect_start Lambda runs (with the block's
        `parameters`, e.g. {"redactionOutput": "unredacted"}). Only into the bundled local KVS server: another
        endpoint's streams are the business of whoever produces into them."""
        if self.kvs_endpoint is not None:
            where = "the real Kinesis Video Streams" if self.kvs_endpoint == AWS_KVS else self.kvs_endpoint
            raise NoBundledKvs(
                f"this stack's worker reads KVS from {where}, not from the bundled local KVS server, so no call can "
                "be played into it: start `local up` without --kvs-endpoint to use `local play`, or produce into "
                "that KVS yourself and start transcription with POST /mg-autotranscribe/v1/start-streaming"
            )
        contact_id = contact_id or str(uuid.uuid4())
        arn = self.kvs.create_stream(f"connect-local-contact-{contact_id}")
        audio_start_ms = time.time_ns() // 1_000_000
        producer = KvsProducer(self.kvs.stream(arn), contact_id=contact_id, speed=speed, start_ms=audio_start_ms)
        producer.start(customer, agent)
        if not producer.started.wait(10):
            raise RuntimeError("the call's first fragment never started")
        event = contact_flow_event(contact_id, arn, producer.first_fragment_number, parameters=parameters)
        start = self._handlers["connect_start"].handler(event, LocalLambdaContext("connect_start", timeout_seconds=8.0))
        return PlayedCall(contact_id, arn, dict(start), audio_start_ms), producer

    def end_call(self, call: PlayedCall) -> None:
        """The flow's connect_stop Lambda, as placed right before 'Stop media streaming'."""
        event = contact_flow_event(call.contact_id, call.stream_arn, None)
        call.stop = dict(
            self._handlers["connect_stop"].handler(event, LocalLambdaContext("connect_stop", timeout_seconds=8.0))
        )

    def play(self, customer: bytes, agent: bytes, *, contact_id: str | None = None, speed: float = 1.0) -> PlayedCall:
        call, producer = self.begin_call(customer, agent, contact_id=contact_id, speed=speed)
        producer.done.wait()
        self.end_call(call)
        return call

    def wait_finished(self, contact_id: str, timeout: float = 60.0) -> SessionState:
        """Until the media gateway has drained the call (PAUSED/STOPPED) or given up (FAILED)."""
        store = DynamoDbConversationStore(
            boto3.resource("dynamodb", region_name=self.region).Table(os.environ["TABLE_NAME"])
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conv = store.get(contact_id)
            if conv is not None and conv.state in _FINISHED:
                return conv.state
            time.sleep(0.2)
        raise TimeoutError(f"conversation {contact_id} did not finish within {timeout:g} s")

    # -- the API, signed as a customer's client would sign it ----------------------------------------------------------

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        assert self._api is not None
        return call_api(method, f"{self._api.url}{path}", body, region=self.region)

    def stop_summary(self, contact_id: str) -> dict[str, Any]:
        """A repeated stop-streaming after the drain: the final per-participant counters."""
        _, body = self.api(
            "POST", "/mg-autotranscribe/v1/stop-streaming", {"namespace": "amazonconnect", "guid": contact_id}
        )
        return body

    def transcript(self, contact_id: str) -> list[dict[str, Any]]:
        """The after-call transcript from the messages API (every page)."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            query = f"externalId={contact_id}" + (f"&nextToken={token}" if token else "")
            status, body = self.api("GET", f"/conversation/v1/conversation/messages?{query}")
            if status != 200:
                raise RuntimeError(f"messages API answered {status}: {body}")
            items += body.get("items", [])
            token = body.get("nextToken")
            if not token:
                return items

    # -- the File Exporter API --------------------------------------------------------------------------------------

    def export_feed(self, since: datetime) -> dict[str, Any]:
        """An on-demand export of every hour from `since` to now (POST /fileexporter/v1/exports); waits for it to
        end and returns its final state (GET /fileexporter/v1/exports/{id})."""
        end = datetime.now(UTC) + timedelta(seconds=1)
        interval = {"feed": "utterances", "start": since.isoformat(), "end": end.isoformat()}
        status, started = self.api("POST", "/fileexporter/v1/exports", interval)
        if status != 202:
            raise RuntimeError(f"File Exporter API answered {status}: {started}")
        assert self.exports is not None
        self.exports.wait()
        _, state = self.api("GET", f"/fileexporter/v1/exports/{started['exportId']}")
        return state

    def feed_links(self, day: str, fmt: str = "jsonl") -> dict[str, str]:
        """File name -> presigned download URL for every file of the date (listfeedfiles, then getfeedfile)."""
        query = {"feed": "utterances", "format": fmt, "date": day}
        status, listed = self.api("POST", "/fileexporter/v1/static/listfeedfiles", query)
        if status != 200:
            raise RuntimeError(f"File Exporter API answered {status}: {listed}")
        links = {}
        for name in listed["files"]:
            _, link = self.api("POST", "/fileexporter/v1/static/getfeedfile", {**query, "fileName": name})
            links[name] = link["url"]
        return links


def _valid_kvs_endpoint(value: str) -> str:
    try:
        return kvs_endpoint(value)
    except ValueError as exc:
        raise LocalModeError(str(exc)) from exc


@contextlib.contextmanager
def local_stack(**options: Any) -> Iterator[LocalDeployment]:
    stack = LocalDeployment(**options)
    try:
        yield stack.start()
    finally:
        stack.stop()
