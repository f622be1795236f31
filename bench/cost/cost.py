"""The cost per 1,000 call-minutes of the default deployment, on demand and on Fargate Spot, beside Amazon Transcribe
streaming's list price. Every input sits in one table below with its kind (measured, derived from the code,
assumed, or a deployment default), the command or reasoning behind it and its date; every price in one table with
its source and the date it was read.

    python -m bench.cost [--measure N]

--measure re-counts the worker's requests with N real-time calls (bench/cost/measure.py) and prints the rows to
paste into INPUTS; without it the stored measurements are used.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal["measured", "derived", "assumed", "config"]


@dataclass(frozen=True)
class Price:
    usd: float  # per one `unit`
    unit: str
    source: str
    taken: str  # the date the price was read (ISO)


@dataclass(frozen=True)
class Input:
    value: float
    unit: str
    kind: Kind
    how: str  # the command that measured it, or the reasoning that derives it
    date: str = ""  # measured inputs: the date of the run


PRICES_TAKEN = "2026-12-06"
# us-east-1 list prices. Fargate on ARM64 because the gateway's default architecture is arm64; Lambda arm64 likewise.
PRICES: dict[str, Price] = {
    "fargate_vcpu_hour": Price(
        0.03238, "vCPU-hour (Linux/ARM64)", "https://www.vantage.sh/blog/fargate-pricing", PRICES_TAKEN
    ),
    "fargate_gb_hour": Price(
        0.00356, "GB-hour (Linux/ARM64)", "https://www.vantage.sh/blog/fargate-pricing", PRICES_TAKEN
    ),
    # Spot prices move with spare capacity; this is the discount AWS advertises as a ceiling ("up to 70 %").
    "fargate_spot_discount": Price(
        0.70,
        "fraction off the on-demand price (best case)",
        "https://awsi.click/en/articles/ecs-fargate-cost-architecture/",
        PRICES_TAKEN,
    ),
    "dynamodb_read_unit": Price(
        0.125e-6,
        "read request unit (on-demand)",
        "https://airbyte.com/data-engineering-resources/dynamodb-pricing",
        PRICES_TAKEN,
    ),
    "dynamodb_write_unit": Price(
        0.625e-6,
        "write request unit (on-demand)",
        "https://airbyte.com/data-engineering-resources/dynamodb-pricing",
        PRICES_TAKEN,
    ),
    "sqs_standard_request": Price(
        0.40e-6, "request, standard queue", "https://cloudburn.io/blog/amazon-sqs-pricing", PRICES_TAKEN
    ),
    "sqs_fifo_request": Price(
        0.50e-6, "request, FIFO queue", "https://cloudburn.io/blog/amazon-sqs-pricing", PRICES_TAKEN
    ),
    "lambda_request": Price(
        0.20e-6,
        "request",
        "https://git.mcrn.ar/mariano/lambda_local_runner (lambda-13-cost.md, AWS list prices)",
        PRICES_TAKEN,
    ),
    "lambda_gb_second": Price(
        0.0000133334, "GB-second (arm64)", "https://cloudchipr.com/blog/aws-lambda-pricing", PRICES_TAKEN
    ),
    "kvs_consumed_gb": Price(
        0.0085,
        "GB consumed (GetMedia)",
        "https://aws.amazon.com/de/kinesis/video-streams/pricing/ (US East: 0.0085 USD per GB consumed)",
        PRICES_TAKEN,
    ),
    # Kinesis Video Streams has no VPC endpoint: with gateway_public_ip false GetMedia's bytes cross the NAT gateway
    # (infra/constructs/network.py); by default each task has a public IPv4 address instead.
    "nat_processed_gb": Price(
        0.045, "GB processed by a NAT gateway", "https://basavytix.com/blog/aws-nat-gateway-pricing", PRICES_TAKEN
    ),
    "public_ipv4_hour": Price(
        0.005,
        "public IPv4 address-hour (every address, since 2024-02-01)",
        "https://www.doit.com/aws-public-ipv4-price-increase-the-complete-guide/",
        PRICES_TAKEN,
    ),
    "transcribe_streaming_minute": Price(
        0.024,
        "minute of streaming audio (standard, first tier; both channels of a call billed once)",
        "https://aws.amazon.com/transcribe/pricing (tier 1, as quoted in issue 15; the stored copy shows no numbers)",
        PRICES_TAKEN,
    ),
}

E2E = ".venv/bin/python -m bench.e2e.bench --calls 1 6 10 12 20 --modes block (README, End-to-end benchmark)"
MEASURE = ".venv/bin/python -m bench.cost --measure 8 (8 concurrent 31-s sample calls through the gateway harness)"
MEASURED_ON = "2026-12-06"
# One place for every input. `make cost COST_ARGS='--measure 4'` replaces the measured request rows for its run.
INPUTS: dict[str, Input] = {
    "calls_per_task": Input(
        12, "calls per task at p95 ~600 ms", "measured", E2E + ": 12 calls on 2 cores, p95 607 ms", "2026-12-06"
    ),
    "target_utilization": Input(
        0.70, "share of MAX_SESSIONS kept busy", "config", "gateway_target_utilization_percent: autoscaling's target"
    ),
    "task_vcpu": Input(2, "vCPU per task", "config", "gateway_cpu 2048"),
    "task_gb": Input(4, "GB per task", "config", "gateway_memory_mb 4096"),
    "public_ip": Input(
        1,
        "1: tasks egress through their own public IPv4 address; 0: through a NAT gateway",
        "config",
        "gateway_public_ip (default: true for the VPC the stack creates)",
    ),
    # --- the worker's DynamoDB capacity units and requests per call-minute (SQS), and GetMedia bytes: measured
    "ddb_read_units": Input(23.81, "read request units per call-minute", "measured", MEASURE, MEASURED_ON),
    "ddb_read_units_per_call": Input(4.0, "read request units per call (its start)", "measured", MEASURE, MEASURED_ON),
    "ddb_write_units": Input(
        69.26, "write request units per call-minute (table and export index)", "measured", MEASURE, MEASURED_ON
    ),
    "ddb_write_units_per_call": Input(
        14.0, "write request units per call (state changes, release, final counters)", "measured", MEASURE, MEASURED_ON
    ),
    "sessions_sqs": Input(12.02, "sessions-queue requests per call-minute", "measured", MEASURE, MEASURED_ON),
    "utterances_sqs": Input(19.24, "utterances-queue sends per call-minute", "measured", MEASURE, MEASURED_ON),
    "kvs_mb": Input(1.98, "MB of GetMedia per call-minute", "measured", MEASURE, MEASURED_ON),
    "utterances": Input(19.24, "utterances per call-minute", "measured", MEASURE, MEASURED_ON),
    # --- delivery (webhook Lambda on the FIFO utterances queue)
    "delivery_invocations_per_utterance": Input(
        1.0,
        "invocations per utterance",
        "derived",
        "batch size 10, but one call's utterances arrive seconds apart: one invocation each (upper bound)",
    ),
    "delivery_sqs_per_utterance": Input(
        2.0,
        "FIFO requests per utterance",
        "derived",
        "the event source's receive and delete (the send is counted above)",
    ),
    "delivery_gb_seconds_per_invocation": Input(
        0.05, "GB-s per invocation", "assumed", "512 MB x ~100 ms: one HTTPS POST to the receiver"
    ),
    # --- per call (Start/Stop Lambdas from the Connect flow), spread over an assumed handle time
    "minutes_per_call": Input(5.0, "call-minutes per call", "assumed", "a typical contact-centre handle time"),
    "control_invocations_per_call": Input(
        2.0, "Lambda invocations per call", "derived", "connect_start + connect_stop, one each"
    ),
    "control_gb_seconds_per_invocation": Input(0.05, "GB-s per invocation", "assumed", "512 MB x ~100 ms"),
}


# The DynamoDB units a call uses once, whatever its length (the measured calls are 31 s, real ones ~5 minutes):
# starting (the conversation and checkpoint reads, the state changes), its release with the final checkpoint, its
# final counters. What is left (lease renewals, checkpoints, messages, the stop check) grows with the minutes.
PER_CALL = {
    "RRU": ("GetItem META", "GetItem CHECKPOINT"),
    "WRU": ("PutItem META", "TransactWriteItems LEASE", "UpdateItem STREAM"),
}


@dataclass(frozen=True)
class Line:
    item: str
    quantity: str  # per 1,000 call-minutes
    on_demand: float  # USD per 1,000 call-minutes
    spot: float
    kind: str


def breakdown(inputs: Mapping[str, Input], prices: Mapping[str, Price]) -> list[Line]:
    """The cost lines per 1,000 call-minutes (USD), on demand and with every task on Fargate Spot."""
    v = {name: i.value for name, i in inputs.items()}
    p = {name: price.usd for name, price in prices.items()}
    k = 1000.0  # call-minutes
    lines: list[Line] = []

    def add(item: str, quantity: str, usd: float, kind: str, spot: float | None = None) -> None:
        lines.append(Line(item, quantity, usd, usd if spot is None else spot, kind))

    calls = v["calls_per_task"] * v["target_utilization"]
    task_hours = k / 60 / calls
    fargate = task_hours * (v["task_vcpu"] * p["fargate_vcpu_hour"] + v["task_gb"] * p["fargate_gb_hour"])
    add(
        "Fargate tasks",
        f"{task_hours:.2f} task-hours ({calls:g} calls per task)",
        fargate,
        "measured capacity",
        fargate * (1 - p["fargate_spot_discount"]),
    )
    calls_made = k / v["minutes_per_call"]
    reads = k * v["ddb_read_units"] + calls_made * v["ddb_read_units_per_call"]
    add("DynamoDB reads", f"{reads:,.0f} RRU", reads * p["dynamodb_read_unit"], inputs["ddb_read_units"].kind)
    writes = k * v["ddb_write_units"] + calls_made * v["ddb_write_units_per_call"]
    add("DynamoDB writes", f"{writes:,.0f} WRU", writes * p["dynamodb_write_unit"], inputs["ddb_write_units"].kind)
    sessions = k * v["sessions_sqs"]
    add(
        "SQS sessions (standard)",
        f"{sessions:,.0f} requests",
        sessions * p["sqs_standard_request"],
        inputs["sessions_sqs"].kind,
    )
    utterances = k * v["utterances"]
    fifo = k * v["utterances_sqs"] + utterances * v["delivery_sqs_per_utterance"]
    add("SQS utterances (FIFO)", f"{fifo:,.0f} requests", fifo * p["sqs_fifo_request"], "measured + derived")
    invocations = utterances * v["delivery_invocations_per_utterance"]
    control = calls_made * v["control_invocations_per_call"]
    gb_s = invocations * v["delivery_gb_seconds_per_invocation"] + control * v["control_gb_seconds_per_invocation"]
    add(
        "Lambda (webhook, start/stop)",
        f"{invocations + control:,.0f} invocations, {gb_s:,.0f} GB-s",
        (invocations + control) * p["lambda_request"] + gb_s * p["lambda_gb_second"],
        "derived",
    )
    gb = k * v["kvs_mb"] / 1000
    add("KVS data consumed", f"{gb:.2f} GB", gb * p["kvs_consumed_gb"], inputs["kvs_mb"].kind)
    if v["public_ip"]:
        add(
            "Public IPv4 (one per task)",
            f"{task_hours:.2f} address-hours",
            task_hours * p["public_ipv4_hour"],
            "config",
        )
    else:
        add("NAT gateway (GetMedia bytes)", f"{gb:.2f} GB", gb * p["nat_processed_gb"], inputs["kvs_mb"].kind)
    return lines


def totals(lines: list[Line]) -> tuple[float, float]:
    return sum(line.on_demand for line in lines), sum(line.spot for line in lines)


def last_line(on_demand: float, spot: float) -> str:
    return f"on-demand: ${on_demand:.2f} per 1,000 call-minutes; spot: ${spot:.2f} per 1,000 call-minutes"


def report(inputs: Mapping[str, Input], prices: Mapping[str, Price]) -> str:
    lines = breakdown(inputs, prices)
    on_demand, spot = totals(lines)
    transcribe = 1000 * prices["transcribe_streaming_minute"].usd
    out = [
        "# Cost per 1,000 call-minutes (us-east-1 list prices; per-call-minute costs only, no fixed monthly costs)",
        "",
    ]
    out += ["| item | per 1,000 call-minutes | on demand | all tasks on Spot | input |", "|---|---|---|---|---|"]
    out += [f"| {x.item} | {x.quantity} | ${x.on_demand:.4f} | ${x.spot:.4f} | {x.kind} |" for x in lines]
    out += [f"| **total** | | **${on_demand:.4f}** | **${spot:.4f}** | |", ""]
    out += [
        f"Amazon Transcribe streaming, list price: ${transcribe:.2f} per 1,000 call-minutes "
        f"({transcribe / on_demand:,.0f}x the on-demand figure, {transcribe / spot:,.0f}x Spot).",
        "",
        "Inputs:",
    ]
    out += [f"  {name} = {i.value:g} {i.unit} [{i.kind}] {i.how} {i.date}".rstrip() for name, i in inputs.items()]
    out += ["", "Prices:"]
    out += [f"  {name} = ${pr.usd:g} per {pr.unit} ({pr.source}, read {pr.taken})" for name, pr in prices.items()]
    out += [
        "",
        "Not counted: NAT gateway hours (gateway_public_ip false), KMS keys, VPC endpoints, alarms and dashboards",
        "(fixed per month); CloudWatch Logs and EMF metrics (a few lines per session); data transfer to the webhook",
        "receiver.",
        "",
    ]
    out.append(last_line(on_demand, spot))
    return "\n".join(out)


def measured_inputs(inputs: Mapping[str, Input], n_calls: int, today: dt.date) -> dict[str, Input]:  # pragma: no cover
    """Re-count the measured request rows with a real-time run (bench/cost/measure.py)."""
    from bench.cost.measure import measure

    m = measure(n_calls)
    how = f".venv/bin/python -m bench.cost --measure {n_calls} ({n_calls} concurrent 31-s sample calls)"
    per_call = {unit: sum(m.capacity.get(f"{unit} {key}", 0.0) for key in PER_CALL[unit]) for unit in PER_CALL}
    values = {
        "ddb_read_units": (m.capacity["RRU"] - per_call["RRU"]) / m.call_minutes,
        "ddb_read_units_per_call": per_call["RRU"] / m.calls,
        "ddb_write_units": (m.capacity["WRU"] - per_call["WRU"]) / m.call_minutes,
        "ddb_write_units_per_call": per_call["WRU"] / m.calls,
        "sessions_sqs": m.per_call_minute(
            "sqs", ["ReceiveMessage", "ChangeMessageVisibility", "DeleteMessage", "SendMessage"], queue="sessions"
        ),
        "utterances_sqs": m.per_call_minute("sqs", ["SendMessage"], queue="utterances"),
        "kvs_mb": m.kvs_bytes / 1e6 / m.call_minutes,
        "utterances": m.utterances / m.call_minutes,
    }
    print(f"# measured: {m.calls} calls, {m.call_minutes:.2f} call-minutes, {m.utterances} utterances")
    for key, n in sorted(m.requests.items()):
        print(f"#   {key}: {n} ({n / m.call_minutes:.1f} per call-minute)")
    for unit, units in sorted(m.capacity.items()):
        print(f"#   DynamoDB {unit}: {units:g} ({units / m.call_minutes:.1f} per call-minute)")
    fresh = dict(inputs)
    for name, value in values.items():
        fresh[name] = replace(inputs[name], value=round(value, 2), how=how, date=today.isoformat())
        print(f"#   {name} = {value:.2f}")
    return fresh


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - thin CLI over report()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", type=int, metavar="N", help="re-measure the request counts with N real-time calls")
    args = parser.parse_args(argv)
    inputs = INPUTS if args.measure is None else measured_inputs(INPUTS, args.measure, dt.date.today())
    print(report(inputs, PRICES))
