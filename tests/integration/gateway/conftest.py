"""The media gateway end to end on loopback: moto in server mode (so a worker subprocess shares its state),
the local KVS media server, the real speech engine, and the control plane's own SessionService."""

from __future__ import annotations

import io
import logging
import os
import threading
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
import requests
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.dynamodb_stop_signals import DynamoDbStopSignals
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.kvs import KvsMediaSource
from connect_transcribe.adapters.s3_recordings import S3Recordings
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.sqs_sessions import SqsJobSource
from connect_transcribe.adapters.sqs_utterances import SqsUtteranceQueue, StoreAndEnqueue
from connect_transcribe.adapters.system import UuidIds
from connect_transcribe.control.sessions import SessionService
from connect_transcribe.gateway.session import SessionDeps, SessionOutcome, SessionSettings
from connect_transcribe.gateway.worker import Worker, WorkerSettings
from connect_transcribe.media.reader import ReaderSettings
from connect_transcribe.models.api import StartStreamingRequest, StopStreamingRequest, StreamingResponse
from connect_transcribe.models.recording import recording_key
from connect_transcribe.models.session import Conversation
from connect_transcribe.models.utterance import UtteranceMessage
from connect_transcribe.speech.engine import WhisperEngine
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs
from moto.server import ThreadedMotoServer

from tests.conftest import create_sessions_queue, create_table
from tests.factories import start_body

SAMPLE = Path(__file__).parents[2] / "fixtures" / "calls" / "sample-01-balance-check.wav"
SPEED = 4.0  # calls play 4x faster than real time; the control plane's clock runs at the same pace

LEASE_S = 3
END_OF_STREAM_S = 1.5
VISIBILITY_S = 4


class ScaledClock:
    """The control plane's clock in producer time: a call played at SPEED x has its stop points in audio time."""

    def __init__(self, origin_ms: int, speed: float) -> None:
        self.origin_ms, self.speed = origin_ms, speed

    def now_ms(self) -> int:
        return self.origin_ms + round((time.time() * 1000 - self.origin_ms) * self.speed)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ms() / 1000, UTC)

    def monotonic(self) -> float:
        return time.monotonic() * self.speed

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds / self.speed)


class ListMetrics:
    def __init__(self) -> None:
        self.values: list[tuple[str, float]] = []

    def count(self, name: str, value: float = 1) -> None:
        self.values.append((name, value))

    def observe(self, name: str, value: float, unit: str = "Milliseconds") -> None:
        self.values.append((name, value))

    def of(self, name: str) -> list[float]:
        return [v for n, v in self.values if n == name]


@dataclass
class Gateway:
    """Everything a test needs to play calls through the media gateway and look at what came out."""

    endpoint: str
    kvs: LocalKvs
    engine: WhisperEngine
    table: Any
    sqs: Any
    sessions_url: str
    utterances_url: str
    clock: ScaledClock
    recordings_bucket: str
    workers: list[Worker] = field(default_factory=list)

    @property
    def recordings(self) -> S3Recordings:
        return S3Recordings(boto3.client("s3"), self.recordings_bucket)

    def recording(self, guid: str) -> tuple[bytes, bytes]:
        """The call's joined WAV (stereo, 8 kHz, 16-bit) as (customer, agent) PCM."""
        key = recording_key(guid)
        body = boto3.client("s3").get_object(Bucket=self.recordings_bucket, Key=key)["Body"].read()
        with wave.open(io.BytesIO(body), "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
            frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
        return frames[:, 0].tobytes(), frames[:, 1].tobytes()

    @property
    def service(self) -> SessionService:
        return SessionService(
            DynamoDbConversationStore(self.table),
            SqsJobQueue(self.sqs, self.sessions_url),
            self.clock,
            UuidIds(),
            stop_signals=DynamoDbStopSignals(self.table),  # as wired in production (wiring/api.py)
        )

    @property
    def store(self) -> DynamoDbGatewayStore:
        return DynamoDbGatewayStore(self.table)

    def worker(self, worker_id: str = "worker-a", metrics: ListMetrics | None = None, **overrides: Any) -> Worker:
        deps = SessionDeps(
            worker_id=worker_id,
            leases=self.store,
            conversations=DynamoDbConversationStore(self.table),
            record_event=self.service.record_gateway_event,
            media=KvsMediaSource(endpoint_url=self.kvs.endpoint_url, read_timeout_s=1.0),
            engine=self.engine,
            sink=StoreAndEnqueue(self.store, SqsUtteranceQueue(self.sqs, self.utterances_url)),
            metrics=metrics or ListMetrics(),
            conversation_batch=self.store,  # as wired in production (wiring/worker.py)
            stop_signals=DynamoDbStopSignals(self.table),
            recordings=self.recordings,
        )
        settings = WorkerSettings(
            max_sessions=overrides.pop("max_sessions", 4),
            receive_wait_s=0.5,
            supervise_every_s=0.2,
            heartbeat_every_s=0.5,
            visibility_s=VISIBILITY_S,
            busy_retry_s=1,
            crash_retry_s=1,
            metrics_every_s=1.0,
            session=SessionSettings(
                lease_ms=LEASE_S * 1000,
                drain_idle_s=1.5,
                reader=ReaderSettings(end_of_stream_s=END_OF_STREAM_S, min_call_interval_s=0.25, give_up_after_s=5),
            ),
            **overrides,
        )
        worker = Worker(SqsJobSource(self.sqs, self.sessions_url, visibility_s=VISIBILITY_S), deps, settings)
        threading.Thread(target=worker.run, name=f"test-{worker_id}", daemon=True).start()
        self.workers.append(worker)
        return worker

    def worker_env(self, worker_id: str) -> dict[str, str]:
        """Environment for `python -m connect_transcribe.gateway` pointed at this stack."""
        return {
            **os.environ,
            "AWS_ENDPOINT_URL": self.endpoint,
            "TABLE_NAME": self.table.name,
            "SESSIONS_QUEUE_URL": self.sessions_url,
            "UTTERANCES_QUEUE_URL": self.utterances_url,
            "KVS_ENDPOINT_URL": self.kvs.endpoint_url,
            "LEASE_SECONDS": str(LEASE_S),
            "HEARTBEAT_SECONDS": "0.5",
            # less often than the heartbeat, as in production (15 s there), but often enough for the kill tests to
            # find the checkpoint they wait for within a 62 s call
            "CHECKPOINT_SECONDS": "2",
            "VISIBILITY_SECONDS": str(VISIBILITY_S),
            "END_OF_STREAM_SECONDS": str(END_OF_STREAM_S),
            "DECODE_WORKERS": "2",
            "WORKER_ID": worker_id,
            "RECORDINGS_BUCKET": self.recordings_bucket,
            "POWERTOOLS_METRICS_DISABLED": "true",
        }

    def call(
        self, name: str, customer: bytes, agent: bytes, *, speed: float = SPEED, contact_id: str | None = None
    ) -> tuple[str, KvsProducer]:
        """A call starts on a fresh KVS stream (played in the background, as Connect would)."""
        arn = self.kvs.create_stream(f"connect-test-contact-{name}")
        producer = KvsProducer(
            self.kvs.stream(arn), contact_id=contact_id or name, speed=speed, start_ms=self.clock.now_ms()
        )
        producer.start(customer, agent)
        assert producer.started.wait(5)
        return arn, producer

    def start(self, guid: str, arn: str, fragment_number: str | None, **params: Any) -> StreamingResponse:
        connect = {"streamArn": arn, "startSelectorType": "NOW"}
        if fragment_number is not None:
            connect = {"streamArn": arn, "startSelectorType": "FRAGMENT_NUMBER", "afterFragmentNumber": fragment_number}
        body = start_body(guid, amazonConnectParams=connect, **params)
        return self.service.start(StartStreamingRequest.model_validate(body))

    def stop(self, guid: str) -> StreamingResponse:
        return self.service.stop(StopStreamingRequest.model_validate({"namespace": "amazonconnect", "guid": guid}))

    def conversation(self, guid: str) -> Conversation:
        conv = DynamoDbConversationStore(self.table).get(guid)
        assert conv is not None
        return conv

    def messages(self, guid: str) -> list[UtteranceMessage]:
        return sorted(self.store.messages(guid), key=lambda m: (m.start_ms, m.role))

    def queued(self) -> list[UtteranceMessage]:
        out: list[UtteranceMessage] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.utterances_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            batch = got.get("Messages", [])
            if not batch:
                return out
            for m in batch:
                out.append(UtteranceMessage.model_validate_json(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.utterances_url, ReceiptHandle=m["ReceiptHandle"])

    def wait_finished(self, guid: str, worker: Worker, timeout: float = 60) -> SessionOutcome:
        """The session's outcome on `worker`, ignoring BUSY (it found another worker's live lease and will retry)."""
        return wait_for(
            lambda: next((o for g, o in tuple(worker.finished) if g == guid and o is not SessionOutcome.BUSY), None),
            timeout,
            f"session {guid} to finish",
        )


def recordings_bucket() -> str:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="recordings")
    return "recordings"


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's access log


@pytest.fixture
def gateway(engine: WhisperEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)  # moto's state is per process, not per server
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    kvs = LocalKvs(idle_close_s=1.0).start()
    sqs = boto3.client("sqs")
    sessions = create_sessions_queue(sqs, max_receive_count=20)
    utterances = sqs.create_queue(
        QueueName="utterances.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    )["QueueUrl"]
    gw = Gateway(
        endpoint,
        kvs,
        engine,
        create_table(),
        sqs,
        sessions,
        utterances,
        ScaledClock(time.time_ns() // 1_000_000, SPEED),
        recordings_bucket(),
    )
    yield gw
    for worker in gw.workers:
        worker.shutdown()
    for worker in gw.workers:
        worker.wait_stopped(30)
    kvs.stop()
    server.stop()
