"""End-to-end latency of local mode: N concurrent calls played in real time through the whole product (local KVS →
media gateway worker process → SQS → webhook Lambda handler → webhook receiver). The calls are the realistic test
set (make speech-data), a different call per concurrent call. For every reference utterance, the latency from the
end of its speech in the *reference* to the receipt of the transcript that covers it; WER of what the webhook got;
CPU and RSS per call; the largest N with p95 ≤ 1 s, with the KVS server delivering block by block (as produced)
and a whole ~1 s fragment at a time.
Next to it, per run, where that latency went, stage by stage (p50 / p95): the timings each utterance carries in
the conversation table (endpoint wait, decode queue, decode, publish queue, redaction), and from the webhook's
receipt what came after its publication (publish + delivery) and what no stage accounts for (KVS ingest, rest).

    python -m bench.e2e.bench [--data .build/speech-data] [--set test] [--calls 1 6 10 20] [--modes block fragment]
        [--stagger 0.3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import boto3
from aws_lambda_powertools.utilities import parameters
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.models.session import SessionState
from connect_transcribe.models.utterance import UtteranceMessage
from connect_transcribe_dev.kvs_producer import BYTES_PER_MS, KvsProducer
from connect_transcribe_dev.stack import REGION, LocalDeployment, PlayedCall
from connect_transcribe_dev.webhook_receiver import Received

from bench.speech.reference import NO_ERRORS, Call, WordErrors, load_call, load_set, word_errors

Mode = Literal["block", "fragment"]
SAMPLE = Path(__file__).parents[2] / "tests" / "fixtures" / "calls" / "sample-01-balance-check.wav"
SUSTAINED_P95_MS = 1000.0
TARGET_P95_MS = 600.0  # at TARGET_CALLS concurrent calls, block-level delivery
TARGET_CALLS = 10
# The warm-up call: the sample's first 9.5 s (the agent's greeting) at 8x, so the worker has loaded its model and
# the webhook handler has its secret and connections before anything is measured.
WARMUP_BYTES = 9_500 * BYTES_PER_MS
WARMUP_SPEED = 8.0
# --quick (a smoke run for the tests): the first 16 s (three reference utterances), cut in a pause.
QUICK_MS = 16_000
# (key, column): the stages of end of speech -> webhook, in the order they happen
STAGES = (
    ("endpoint_wait", "endpoint wait"),
    ("queue_wait", "decode queue"),
    ("decode", "decode"),
    ("fallback", "of which fallback"),
    ("publish_queue", "publish queue"),
    ("redact", "redact"),
    ("publish_delivery", "publish + delivery"),
    ("rest", "KVS ingest + rest"),
)


@dataclass(frozen=True)
class RunResult:
    mode: Mode
    calls: int
    latencies_ms: tuple[float, ...]
    per_call: tuple[int, ...]  # utterances received per call
    failed_calls: int  # calls whose session ended FAILED
    duplicates: int
    wall_s: float
    cpu_s: float  # this process (moto, KVS, API, poller, receiver, producers) + the worker process
    worker_rss_mb: float  # the worker's peak during the run
    local_rss_mb: float  # this process's peak during the run
    rss_growth_mb: float  # both peaks minus both processes' RSS before the calls (model and runtime excluded)
    stages: dict[str, tuple[float, ...]] = field(default_factory=dict)  # per STAGES key: one value per utterance
    missed: int = 0  # reference utterances no received transcript covered
    errors: WordErrors = NO_ERRORS  # what the webhook received against the references, pooled

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    @property
    def max(self) -> float:
        return max(self.latencies_ms)

    @property
    def cpu_pct_per_call(self) -> float:
        """Percent of one core per call."""
        return 100 * self.cpu_s / self.wall_s / self.calls

    @property
    def sustained(self) -> bool:
        return self.failed_calls == 0 and min(self.per_call) > 0 and self.p95 <= SUSTAINED_P95_MS


def percentile(values: tuple[float, ...] | list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int | str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def peak_rss_mb(pid: int | str) -> float:
    return _status_mb(pid, "VmHWM:")


def rss_mb(pid: int | str) -> float:
    return _status_mb(pid, "VmRSS:")


def _status_mb(pid: int | str, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss(pid: int | str) -> None:
    """Start a new high-water mark (Linux ≥ 4.0), so each run reports its own peak."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def run(
    mode: Mode,
    n_calls: int,
    *,
    calls: list[Call] | None = None,
    audio_ms: int | None = None,
    stagger_s: float = 0.3,
    end_of_stream_s: float = 3.0,
    quiet_s: float = 2.0,
) -> RunResult:
    calls = calls or [load_call(SAMPLE)]
    cut = None if audio_ms is None else audio_ms * BYTES_PER_MS
    customer, agent = calls[0].pcm("customer")[:cut], calls[0].pcm("agent")[:cut]
    worker_log = os.environ.get("BENCH_WORKER_LOG")
    parameters.clear_caches()  # the webhook handler's secret provider holds a client for the previous run's moto
    with LocalDeployment(
        delivery=mode,
        max_sessions=max(n_calls, 1),
        end_of_stream_s=end_of_stream_s,
        worker_log=Path(worker_log) if worker_log else None,
    ) as stack:
        warm, _ = stack.begin_call(customer[:WARMUP_BYTES], agent[:WARMUP_BYTES], speed=WARMUP_SPEED)
        _wait_for(lambda: bool(stack.receiver.bodies(warm.contact_id)), 60)
        stack.end_call(warm)  # its drain overlaps the first measured call: an idle stream, nearly free
        assert stack.worker is not None
        worker = stack.worker.pid
        reset_peak_rss(worker)
        reset_peak_rss("self")
        rss0 = rss_mb(worker) + rss_mb("self")
        cpu0, wall0 = cpu_seconds(worker) + cpu_seconds("self"), time.monotonic()
        duplicates0 = stack.receiver.duplicates

        spoken = [calls[i % len(calls)] for i in range(n_calls)]
        played = _play(stack, spoken, cut, wall0, stagger_s)
        # CPU while the calls were live (the drain after the last hang-up is mostly the end-of-stream wait).
        wall, cpu = time.monotonic() - wall0, cpu_seconds(worker) + cpu_seconds("self") - cpu0
        states = [stack.wait_finished(c.contact_id, timeout=180) for c, _ in played]
        ids = {c.contact_id for c, _ in played}
        _wait_quiet(lambda: sum(r.body["externalConversationId"] in ids for r in stack.receiver.received), quiet_s)
        worker_rss, local_rss = peak_rss_mb(worker), peak_rss_mb("self")
        received = list(stack.receiver.received)
        duplicates = stack.receiver.duplicates - duplicates0
        stack.kill_worker()  # every session has finished: no handover to wait for
        # the webhook body carries no timings (its format is fixed): the stored messages do
        store = DynamoDbGatewayStore(boto3.resource("dynamodb", region_name=REGION).Table(os.environ["TABLE_NAME"]))
        stored = {m.utterance_id: m for c, _ in played for m in store.messages(c.contact_id)}

    latencies: list[float] = []
    per_call: list[int] = []
    missed = 0
    errors = NO_ERRORS
    stages: dict[str, list[float]] = {key: [] for key, _ in STAGES}
    for (played_call, _), call in zip(played, spoken, strict=True):
        mine = [r for r in received if r.body["externalConversationId"] == played_call.contact_id]
        per_call.append(len(mine))
        found, lost, wrong = reference_latencies(call, mine, played_call.audio_start_ms, audio_ms)
        latencies += found
        missed += lost
        errors += wrong
        for r in mine:
            message = stored.get(r.body["utteranceId"])
            if message is not None and message.timings is not None:
                for key, value in stage_times(r, message, latency_ms(r, played_call.audio_start_ms)).items():
                    stages[key].append(value)
    return RunResult(
        mode=mode,
        calls=n_calls,
        latencies_ms=tuple(latencies),
        per_call=tuple(per_call),
        failed_calls=sum(s is SessionState.FAILED for s in states),
        duplicates=duplicates,
        wall_s=wall,
        cpu_s=cpu,
        worker_rss_mb=worker_rss,
        local_rss_mb=local_rss,
        rss_growth_mb=worker_rss + local_rss - rss0,
        stages={key: tuple(values) for key, values in stages.items()},
        missed=missed,
        errors=errors,
    )


def _play(
    stack: LocalDeployment, calls: list[Call], cut: int | None, began: float, stagger_s: float
) -> list[tuple[PlayedCall, KvsProducer]]:
    """Each call starts `stagger_s` after the previous one (so they do not speak in lockstep), its transcripts
    unredacted so they can be scored, and is stopped by the flow when its audio ends."""
    played: list[tuple[PlayedCall, KvsProducer]] = []
    for i, call in enumerate(calls):
        time.sleep(max(0.0, began + i * stagger_s - time.monotonic()))
        pcm = call.pcm("customer")[:cut], call.pcm("agent")[:cut]
        played.append(stack.begin_call(*pcm, speed=1.0, parameters={"redactionOutput": "unredacted"}))
    ending = list(played)
    while ending:
        for item in [p for p in ending if p[1].done.wait(0.05)]:
            stack.end_call(item[0])
            ending.remove(item)
    return played


def reference_latencies(
    call: Call, received: list[Received], audio_start_ms: int, audio_ms: int | None
) -> tuple[list[float], int, WordErrors]:
    """Per reference utterance, receipt of the first transcript of its participant that reaches its end, minus that
    end (the reference's, not the engine's); how many no transcript reached; and the WER of what was received."""
    latencies: list[float] = []
    missed = 0
    errors = NO_ERRORS
    for role in call.channels:
        got = sorted(
            (r for r in received if r.body["sender"]["role"] == role),
            key=lambda r: r.body["autotranscribeResponse"]["start"],
        )
        spans = [(r.body["autotranscribeResponse"]["start"], r.body["autotranscribeResponse"]["end"], r) for r in got]
        refs = [u for u in call.utterances if u.role == role and (audio_ms is None or u.end_ms <= audio_ms)]
        for ref in refs:
            covering = [r.arrived_at for start, end, r in spans if start < ref.end_ms <= end + 600]
            if covering:
                latencies.append(min(covering) * 1000 - (audio_start_ms + ref.end_ms))
            else:
                missed += 1
        heard = " ".join(u["text"] for _, _, r in spans for u in r.body["autotranscribeResponse"]["utterance"])
        errors += word_errors(" ".join(u.text for u in refs), heard)
    return latencies, missed, errors


def stage_times(received: Received, message: UtteranceMessage, total_ms: float) -> dict[str, float]:
    """One utterance's stages (ms). The stored copy is written before its own publish completes, so publish and
    delivery show as one stage: the webhook's receipt minus the message's publication time (taken just before
    redaction). The rest (KVS ingest, clocks, anything unmeasured) is what the stages leave of the total."""
    t = message.timings
    assert t is not None
    out = {
        "endpoint_wait": t.endpoint_wait_ms,
        "queue_wait": t.queue_wait_ms,
        "decode": t.decode_ms,
        "publish_queue": t.publish_queue_ms,
        "redact": t.redact_ms,
        "publish_delivery": max(0.0, received.arrived_at * 1000 - message.published_at_ms - t.redact_ms),
    }
    out["rest"] = total_ms - sum(out.values())
    if t.fallback_ms > 0:
        out["fallback"] = t.fallback_ms
    return out


def latency_ms(received: Received, audio_start_ms: int) -> float:
    """Receipt minus the end of the utterance's speech: the producer timestamp of the call's first audio (when its
    first sample was spoken) + the utterance's `end` offset into the call."""
    return received.arrived_at * 1000 - (audio_start_ms + received.body["autotranscribeResponse"]["end"])


def _wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the warm-up call's transcript never reached the webhook")
        time.sleep(0.05)


def _wait_quiet(count: Callable[[], int], quiet_s: float, timeout_s: float = 30.0) -> None:
    """Until nothing new has arrived for `quiet_s` (the drained sessions' last messages are on their way)."""
    deadline = time.monotonic() + timeout_s
    last, since = count(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.1)
        now = count()
        if now != last:
            last, since = now, time.monotonic()


def main(argv: list[str] | None = None) -> list[RunResult]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path(".build/speech-data"), help="make speech-data's output")
    parser.add_argument("--set", default="test", help="the call set to play (test: never tuned on)")
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 6, 10, 20])
    parser.add_argument("--modes", nargs="+", choices=["block", "fragment"], default=["block", "fragment"])
    parser.add_argument("--stagger", type=float, default=0.3, help="seconds between call starts")
    parser.add_argument("--quick", action="store_true", help=f"one call, block-level, the first {QUICK_MS // 1000} s")
    args = parser.parse_args(argv)
    calls, modes, audio_ms, quick = args.calls, args.modes, None, {}
    played: list[Call] | None = None
    source = SAMPLE.name
    if args.quick:
        calls, modes, audio_ms, quick = [1], ["block"], QUICK_MS, {"end_of_stream_s": 1.0, "quiet_s": 1.0}
    else:
        played = load_set(args.data, args.set)
        minutes = sum(c.duration_ms for c in played) / 60_000
        source = f"the {args.set} set: {len(played)} calls, {minutes:.1f} min, one call per concurrent call"
    print(
        f"# End-to-end benchmark: reference end of speech → webhook receipt, {os.cpu_count()} cores, calls in real "
        f"time ({f'first {audio_ms // 1000} s of ' if audio_ms else ''}{source}; starts {args.stagger:g} s apart)\n"
    )
    print(
        "| KVS delivery | calls | utterances | missed | p50 | p95 | max | WER | CPU per call (% of one core) "
        "| CPU total | worker peak RSS | local services peak RSS | RSS per call | p95 ≤ 1 s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    results: list[RunResult] = []
    load0 = os.getloadavg()[0]
    for mode in modes:
        for n in calls:
            r = run(mode, n, calls=played, audio_ms=audio_ms, stagger_s=args.stagger, **quick)
            results.append(r)
            print(_row(r), flush=True)
            if r.failed_calls or r.duplicates or min(r.per_call) == 0:
                print(
                    f"  {mode}/{n}: per call {list(r.per_call)}, failed {r.failed_calls}, duplicates {r.duplicates}",
                    file=sys.stderr,
                )
    print("\nWhere the latency went, per stage, p50 / p95 (ms; fallback only where it ran, with its count):\n")
    print(f"| KVS delivery | calls | {' | '.join(name for _, name in STAGES)} |")
    print(f"|---|---|{'---|' * len(STAGES)}")
    for r in results:
        print(_stage_row(r))
    print(f"\n1-min load average: {load0:.2f} before, {os.getloadavg()[0]:.2f} after (other work skews the figures)\n")
    for mode in modes:
        runs = [r for r in results if r.mode == mode]
        ok = [r.calls for r in runs if r.sustained]
        floor = f"; p95 with the fewest calls ({runs[0].calls}): {runs[0].p95:.0f} ms"
        print(f"- {mode}-level delivery: largest N with p95 ≤ 1 s: {max(ok) if ok else 'none'} (of {calls}){floor}")
    target = [r for r in results if r.mode == "block" and r.calls == TARGET_CALLS]
    if target:
        verdict = "met" if target[0].p95 <= TARGET_P95_MS else "MISSED"
        print(f"- target p95 ≤ {TARGET_P95_MS:.0f} ms at {TARGET_CALLS} calls, block-level: {verdict}")
    return results


def _stage_row(r: RunResult) -> str:
    cells = []
    for key, _ in STAGES:
        values = r.stages.get(key, ())
        if not values:
            cells.append("—")
            continue
        cell = f"{statistics.median(values):.0f} / {percentile(values, 95):.0f}"
        cells.append(f"{cell} ({len(values)})" if key == "fallback" else cell)
    return f"| {r.mode} | {r.calls} | {' | '.join(cells)} |"


def _row(r: RunResult) -> str:
    return (
        f"| {r.mode} | {r.calls} | {len(r.latencies_ms)} | {r.missed} | {r.p50:.0f} ms | {r.p95:.0f} ms "
        f"| {r.max:.0f} ms | {r.errors.rate:.1%} "
        f"| {r.cpu_pct_per_call:.0f} % | {r.cpu_pct_per_call * r.calls:.0f} % | {r.worker_rss_mb:.0f} MB "
        f"| {r.local_rss_mb:.0f} MB | {r.rss_growth_mb / r.calls:.1f} MB | {'yes' if r.sustained else 'no'} |"
    )


if __name__ == "__main__":
    main()
