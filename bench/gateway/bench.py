"""Media gateway benchmark: N concurrent calls played in real time into the local KVS server and read by one
worker process (`python -m connect_transcribe.gateway`, as on Fargate), with moto in server mode for
DynamoDB/SQS in this process. Prints, per N, the lag from the end of each utterance's audio (producer
timestamp) to its publication, and the worker process's CPU use and peak RSS.

    python -m bench.gateway.bench [--calls 1 10 20] [--speed 1.0]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

import boto3
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.dynamodb_stop_signals import DynamoDbStopSignals
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.adapters.sqs_jobs import SqsJobQueue
from connect_transcribe.adapters.system import SystemClock, UuidIds
from connect_transcribe.control.sessions import SessionService
from connect_transcribe.media.wav import read_wav, to_pcm16
from connect_transcribe.models.api import StartStreamingRequest
from connect_transcribe.models.session import SessionState
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs
from connect_transcribe_dev.resources import create_resources
from moto.server import ThreadedMotoServer

SAMPLE = Path(__file__).parents[2] / "tests" / "fixtures" / "calls" / "sample-01-balance-check.wav"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(n_calls: int, speed: float, endpoint: str, worker_env: dict[str, str] | None = None) -> dict[str, float]:
    session = boto3.Session()
    ddb = session.resource("dynamodb", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    os.environ["AWS_ENDPOINT_URL"] = endpoint  # create_resources uses the session's default endpoints
    resources = create_resources(session, prefix=f"bench-{uuid.uuid4().hex[:8]}")
    name = resources.table_name
    table = ddb.Table(name)
    sessions, utterances = resources.sessions_queue_url, resources.utterances_queue_url
    conversations = DynamoDbConversationStore(table)
    service = SessionService(
        conversations, SqsJobQueue(sqs, sessions), SystemClock(), UuidIds(), stop_signals=DynamoDbStopSignals(table)
    )
    store = DynamoDbGatewayStore(table)
    audio = read_wav(SAMPLE)
    customer, agent = to_pcm16(audio.channels[0]), to_pcm16(audio.channels[1])
    with LocalKvs() as kvs:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": endpoint,
            "TABLE_NAME": name,
            "SESSIONS_QUEUE_URL": sessions,
            "UTTERANCES_QUEUE_URL": utterances,
            "KVS_ENDPOINT_URL": kvs.endpoint_url,
            "MAX_SESSIONS": str(max(n_calls, 1)),
            "END_OF_STREAM_SECONDS": "3",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "WARNING"),
            **(worker_env or {}),
        }
        log = Path(os.environ.get("BENCH_WORKER_LOG", os.devnull)).open("a")  # noqa: SIM115 - lives with the worker
        worker = subprocess.Popen(
            [sys.executable, "-m", "connect_transcribe.gateway"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            time.sleep(8)  # model load; calls start once the worker is up
            cpu0, wall0 = proc_cpu_seconds(worker.pid), time.monotonic()
            guids = []
            for i in range(n_calls):
                guid = str(uuid.uuid4())
                arn = kvs.create_stream(f"{name}-{i}")
                producer = KvsProducer(kvs.stream(arn), contact_id=guid, speed=speed)
                producer.start(customer, agent)
                producer.started.wait(5)
                guids.append(guid)
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
            done = {SessionState.STOPPED, SessionState.FAILED, SessionState.PAUSED}
            while any((c := conversations.get(g)) is None or c.state not in done for g in guids):
                time.sleep(0.5)
            cpu, wall = proc_cpu_seconds(worker.pid) - cpu0, time.monotonic() - wall0
            rss = proc_peak_rss_mb(worker.pid)
        finally:
            worker.terminate()
            worker.wait(60)
            log.close()
    lags = [float(m.published_at_ms - m.audio_timestamp_ms) for g in guids for m in store.messages(g)]
    per_call = sorted(len(store.messages(g)) for g in guids)
    states = [c.state.value for g in guids if (c := conversations.get(g)) is not None]
    print(f"  per call: {per_call}, states: {sorted(set(states))}", file=sys.stderr)
    return {
        "calls": n_calls,
        "utterances": len(lags),
        "p50": statistics.median(lags),
        "p95": percentile(lags, 95),
        "max": max(lags),
        "cpu_pct": 100 * cpu / wall,
        "rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--speed", type=float, default=1.0, help="1.0 = real time (the only honest latency figure)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(
        f"# Media gateway benchmark: one worker process, {os.cpu_count()} cores, calls at {args.speed:g}x real time\n"
    )
    print(
        "| concurrent calls | utterances | audio end → published p50 | p95 | max "
        "| worker CPU (% of one core) | worker peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    try:
        for n in args.calls:
            r = run(n, args.speed, f"http://{host}:{port}")
            print(
                f"| {n} | {r['utterances']:.0f} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | {r['max']:.0f} ms "
                f"| {r['cpu_pct']:.0f} % | {r['rss_mb']:.0f} MB |",
                flush=True,
            )
    finally:
        server.stop()
    print("\nLag includes the endpointer's wait for 300 ms of silence before it closes an utterance.")


if __name__ == "__main__":
    main()
