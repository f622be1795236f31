"""Hold -> the gateway stops reading audio: how long after the agent event is applied the media gateway closes its
KVS reader. Real path on loopback: a call played in real time into the local KVS server, a worker (production
WorkerSettings: stop requests polled every 0.5 s) reading it with the real speech engine, moto in server mode
(DynamoDB, SQS, Kinesis), and the agent_events Lambda handler applied to a real-shaped record read from a moto
Kinesis stream. Prints p50/p95/max over the trials of
  - handler return -> reader closed (the poll plus the drain to the hold's start), and
  - hold start (the record's EventTimestamp) -> reader closed, with the record handed to the handler at once
    (on AWS add the agent event stream's and the Lambda poller's delivery delay, which this cannot measure).

    python -m bench.control.hold [--trials 10]
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

import boto3
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.dynamodb_stop_signals import DynamoDbStopSignals
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.kvs import KvsMediaSource
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.sqs_sessions import SqsJobSource
from connect_transcribe.adapters.sqs_utterances import SqsUtteranceQueue, StoreAndEnqueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.control.sessions import SessionService
from connect_transcribe.gateway import session as gateway_session
from connect_transcribe.gateway.session import SessionDeps
from connect_transcribe.gateway.worker import Worker, WorkerSettings
from connect_transcribe.media.wav import read_wav, to_pcm16
from connect_transcribe.models.api import StartStreamingRequest
from connect_transcribe.models.session import SessionState
from connect_transcribe.speech.engine import EngineSettings, WhisperEngine
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs
from connect_transcribe_dev.resources import create_resources
from moto.server import ThreadedMotoServer

SAMPLE = Path(__file__).parents[2] / "tests" / "fixtures" / "calls" / "sample-01-balance-check.wav"
STREAM = "connect-agent-events"
AGENT_ARN = "arn:aws:connect:us-east-1:123456789012:instance/9a8b7c6d/agent/0f1e2d3c"
HOLD_AFTER_S = 3.0  # into the call, once the reader is live


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def hold_record(guid: str, at_ms: int, connected_ms: int) -> dict[str, Any]:
    def contact(state: str) -> dict[str, Any]:
        return {
            "Channel": "VOICE",
            "ContactId": guid,
            "InitialContactId": None,
            "InitiationMethod": "INBOUND",
            "State": state,
            "StateStartTimestamp": iso(connected_ms),
            "ConnectedToAgentTimestamp": iso(connected_ms),
        }

    return {
        "AgentARN": AGENT_ARN,
        "EventId": str(uuid.uuid4()),
        "EventTimestamp": iso(at_ms),
        "EventType": "STATE_CHANGE",
        "CurrentAgentSnapshot": {"Contacts": [contact("CONNECTED_ONHOLD")]},
        "PreviousAgentSnapshot": {"Contacts": [contact("CONNECTED")]},
        "Version": "2019-05-25",
    }


class ReaderWatch:
    """When each session's reader was closed after its stop request (the moment the gateway stops reading)."""

    def __init__(self) -> None:
        self.closed: dict[str, float] = {}
        self._lock = threading.Lock()
        real_close = gateway_session.Session._close_reader
        watch = self

        def close_reader(session: gateway_session.Session) -> None:
            real_close(session)
            if session._stop_at_ms is not None:  # bench instrumentation
                with watch._lock:
                    watch.closed.setdefault(session.guid, time.monotonic())

        gateway_session.Session._close_reader = close_reader  # type: ignore[method-assign,assignment]


def kinesis_event(kinesis: Any, iterator: str) -> tuple[dict[str, Any], str]:
    got = kinesis.get_records(ShardIterator=iterator)
    records = [
        {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": r["PartitionKey"],
                "sequenceNumber": r["SequenceNumber"],
                "data": base64.b64encode(r["Data"]).decode(),
                "approximateArrivalTimestamp": r["ApproximateArrivalTimestamp"].timestamp(),
            },
            "eventSource": "aws:kinesis",
            "eventID": f"shardId-000000000000:{r['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "eventVersion": "1.0",
            "awsRegion": "us-east-1",
            "eventSourceARN": f"arn:aws:kinesis:us-east-1:123456789012:stream/{STREAM}",
        }
        for r in got["Records"]
    ]
    return {"Records": records}, got["NextShardIterator"]


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.02)
    raise TimeoutError(f"timed out waiting for {what}")


def start_call(
    service: SessionService, kvs: LocalKvs, name: str, customer: bytes, agent: bytes
) -> tuple[str, KvsProducer, int]:
    """A call played in real time from its first fragment, and the flow's start for it."""
    guid = str(uuid.uuid4())
    arn = kvs.create_stream(name)
    producer = KvsProducer(kvs.stream(arn), contact_id=guid, speed=1.0)
    producer.start(customer, agent)
    producer.started.wait(5)
    connected_ms = SystemClock().now_ms()
    service.start(
        StartStreamingRequest.model_validate(
            {
                "namespace": "amazonconnect",
                "guid": guid,
                "customerId": "customer",
                "agentId": "agent",
                "amazonConnectParams": {
                    "streamArn": arn,
                    "startSelectorType": "FRAGMENT_NUMBER",
                    "afterFragmentNumber": producer.first_fragment_number,
                },
            }
        )
    )
    return guid, producer, connected_ms


def run(trials: int, endpoint: str) -> tuple[list[float], list[float]]:
    session = boto3.Session()
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    resources = create_resources(session, prefix=f"bench-{uuid.uuid4().hex[:8]}")
    table = session.resource("dynamodb").Table(resources.table_name)
    sqs = session.client("sqs")
    kinesis = session.client("kinesis")
    kinesis.create_stream(StreamName=STREAM, ShardCount=1)
    shard = kinesis.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    os.environ.update({"TABLE_NAME": resources.table_name, "SESSIONS_QUEUE_URL": resources.sessions_queue_url})
    from functions.agent_events import handler as agent_events  # reads its settings from the variables above

    conversations = DynamoDbConversationStore(table)
    service = SessionService(
        conversations,
        SqsJobQueue(sqs, resources.sessions_queue_url),
        SystemClock(),
        UuidIds(),
        stop_signals=DynamoDbStopSignals(table),
    )
    store = DynamoDbGatewayStore(table)
    audio = read_wav(SAMPLE)
    customer, agent = to_pcm16(audio.channels[0]), to_pcm16(audio.channels[1])
    watch = ReaderWatch()
    engine = WhisperEngine(EngineSettings(decode_workers=1))
    after_return: list[float] = []
    after_hold: list[float] = []
    with LocalKvs() as kvs:
        deps = SessionDeps(
            worker_id="bench-worker",
            leases=store,
            conversations=conversations,
            record_event=service.record_gateway_event,
            media=KvsMediaSource(endpoint_url=kvs.endpoint_url),
            engine=engine,
            sink=StoreAndEnqueue(store, SqsUtteranceQueue(sqs, resources.utterances_queue_url)),
            metrics=_NoMetrics(),
            conversation_batch=store,  # the stop check as wired in production (wiring/worker.py)
            stop_signals=DynamoDbStopSignals(table),
        )
        # Production settings, but a short long-poll so a new trial's job is picked up at once.
        worker = Worker(
            SqsJobSource(sqs, resources.sessions_queue_url, visibility_s=20), deps, WorkerSettings(receive_wait_s=1.0)
        )
        threading.Thread(target=worker.run, name="bench-worker", daemon=True).start()
        try:
            for trial in range(trials):
                guid, producer, connected_ms = start_call(service, kvs, f"bench-hold-{trial}", customer, agent)
                wait_for(
                    lambda g=guid: (c := conversations.get(g)) is not None and c.state is SessionState.STREAMING,
                    30,
                    "streaming",
                )
                time.sleep(HOLD_AFTER_S)
                hold_ms = SystemClock().now_ms()
                hold_mono = time.monotonic()
                kinesis.put_record(
                    StreamName=STREAM,
                    Data=json.dumps(hold_record(guid, hold_ms, connected_ms)).encode(),
                    PartitionKey=AGENT_ARN,
                )
                event, iterator = kinesis_event(kinesis, iterator)
                reply = agent_events.handler(event, _Context())
                returned = time.monotonic()
                assert reply == {"batchItemFailures": []}, reply
                closed = wait_for(lambda g=guid: watch.closed.get(g), 30, "the reader to close")
                after_return.append((closed - returned) * 1000)
                after_hold.append((closed - hold_mono) * 1000)
                print(
                    f"  trial {trial + 1}: return -> closed {after_return[-1]:.0f} ms, "
                    f"hold -> closed {after_hold[-1]:.0f} ms",
                    file=sys.stderr,
                    flush=True,
                )
                producer.stop()
                wait_for(
                    lambda g=guid: (c := conversations.get(g)) is not None and c.state is SessionState.PAUSED,
                    30,
                    "the session to drain",
                )
        finally:
            worker.shutdown()
            worker.wait_stopped(30)
            engine.close()
    return after_return, after_hold


class _NoMetrics:
    def count(self, name: str, value: float = 1) -> None: ...

    def observe(self, name: str, value: float, unit: str = "Milliseconds") -> None: ...


class _Context:
    function_name = "agent-events"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:agent-events"
    memory_limit_in_mb = 256
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/agent-events"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        after_return, after_hold = run(args.trials, f"http://{host}:{port}")
    finally:
        server.stop()
    print(f"# Hold -> gateway stops reading: {args.trials} calls at real time, one in-process worker\n")
    print("| from | p50 | p95 | max |")
    print("|---|---|---|---|")
    for name, values in (("handler return", after_return), ("hold start (EventTimestamp)", after_hold)):
        print(
            f"| {name} | {statistics.median(values):.0f} ms | {percentile(values, 95):.0f} ms | {max(values):.0f} ms |"
        )


if __name__ == "__main__":
    main()
