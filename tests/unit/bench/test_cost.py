"""`make cost`: the arithmetic on a hand-computed case, the last line, and that every input and price says where it
comes from."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest

from bench.cost import cost
from bench.cost.cost import INPUTS, PRICES, Input, Price, breakdown, last_line, report, totals
from bench.cost.measure import CapacityMeter, CountingApp, Measurement, item_size, request_key

LAST_LINE = re.compile(r"^on-demand: \$\d+\.\d\d per 1,000 call-minutes; spot: \$\d+\.\d\d per 1,000 call-minutes$")


def unit_prices(**overrides: float) -> dict[str, Price]:
    """Every price 0 except those given, so each line can be checked on its own."""
    prices = {name: Price(0.0, p.unit, "test", "2026-01-01") for name, p in PRICES.items()}
    for name, usd in overrides.items():
        prices[name] = Price(usd, "unit", "test", "2026-01-01")
    return prices


def inputs(**overrides: float) -> dict[str, Input]:
    values = {name: Input(0.0, i.unit, i.kind, i.how) for name, i in INPUTS.items()}
    values["minutes_per_call"] = Input(1.0, "", "assumed", "")
    for name, value in overrides.items():
        values[name] = Input(value, "", "measured", "test")
    return values


def line(lines: list[cost.Line], item: str) -> cost.Line:
    (found,) = [x for x in lines if x.item.startswith(item)]
    return found


def test_fargate_cost_per_1000_call_minutes_by_hand() -> None:
    # Given 10 calls per task at 50 % utilisation (5 calls), a 2 vCPU / 4 GB task, $0.10 per vCPU-hour and
    # $0.01 per GB-hour ($0.24 per task-hour), Spot 75 % off
    lines = breakdown(
        inputs(calls_per_task=10, target_utilization=0.5, task_vcpu=2, task_gb=4),
        unit_prices(fargate_vcpu_hour=0.10, fargate_gb_hour=0.01, fargate_spot_discount=0.75),
    )
    # Then 1,000 call-minutes need 1000 / 60 / 5 = 3.333 task-hours: $0.80 on demand, $0.20 on Spot
    fargate = line(lines, "Fargate")
    assert fargate.on_demand == pytest.approx(0.80)
    assert fargate.spot == pytest.approx(0.20)
    assert totals(lines) == (pytest.approx(0.80), pytest.approx(0.20))


def test_request_lines_by_hand() -> None:
    # Given 2 read units and 0.5 write units per call-minute, $1 per million of each
    lines = breakdown(
        inputs(calls_per_task=1, target_utilization=1, ddb_read_units=2, ddb_write_units=0.5),
        unit_prices(dynamodb_read_unit=1e-6, dynamodb_write_unit=1e-6),
    )
    # Then 2,000 reads and 500 writes per 1,000 call-minutes
    assert line(lines, "DynamoDB reads").on_demand == pytest.approx(0.002)
    assert line(lines, "DynamoDB writes").on_demand == pytest.approx(0.0005)


def test_what_a_call_uses_once_is_spread_over_its_minutes() -> None:
    # Given 4 read units and 10 write units per call, besides 1 write unit per call-minute, in 5-minute calls
    lines = breakdown(
        inputs(
            calls_per_task=1,
            target_utilization=1,
            ddb_read_units_per_call=4,
            ddb_write_units=1,
            ddb_write_units_per_call=10,
            minutes_per_call=5,
        ),
        unit_prices(dynamodb_read_unit=1e-6, dynamodb_write_unit=1e-6),
    )
    # Then 1,000 call-minutes are 200 calls: 800 read units, 1,000 + 2,000 write units
    assert line(lines, "DynamoDB reads").on_demand == pytest.approx(800e-6)
    assert line(lines, "DynamoDB writes").on_demand == pytest.approx(3_000e-6)


def test_utterance_driven_lines_by_hand() -> None:
    # Given 4 utterances and 4 FIFO sends per call-minute, 2 more FIFO requests (receive, delete) per utterance,
    # one invocation of 0.5 GB-s each, and the Start/Stop pair for 10-minute calls
    lines = breakdown(
        inputs(
            calls_per_task=1,
            target_utilization=1,
            utterances=4,
            utterances_sqs=4,
            delivery_sqs_per_utterance=2,
            delivery_invocations_per_utterance=1,
            delivery_gb_seconds_per_invocation=0.5,
            minutes_per_call=10,
            control_invocations_per_call=2,
            control_gb_seconds_per_invocation=0,
        ),
        unit_prices(sqs_fifo_request=1e-6, lambda_request=1e-6, lambda_gb_second=1e-5),
    )
    # Then 4,000 + 8,000 FIFO requests; 4,000 + 200 invocations and 2,000 GB-s
    assert line(lines, "SQS utterances").on_demand == pytest.approx(0.012)
    assert line(lines, "Lambda").on_demand == pytest.approx(4200e-6 + 2000 * 1e-5)


def test_kvs_bytes_are_paid_twice_ingest_side_and_at_the_nat() -> None:
    lines = breakdown(
        inputs(calls_per_task=1, target_utilization=1, kvs_mb=2.0, public_ip=0),
        unit_prices(kvs_consumed_gb=0.01, nat_processed_gb=0.05, public_ipv4_hour=1.0),
    )
    # 2 GB per 1,000 call-minutes
    assert line(lines, "KVS").on_demand == pytest.approx(0.02)
    assert line(lines, "NAT").on_demand == pytest.approx(0.10)
    assert not [x for x in lines if x.item.startswith("Public IPv4")]


def test_with_public_ips_the_tasks_pay_an_address_each_and_no_nat() -> None:
    # Given 10 calls per task fully used: 1,000 call-minutes take 1.667 task-hours, each with one address
    lines = breakdown(
        inputs(calls_per_task=10, target_utilization=1, kvs_mb=2.0, public_ip=1),
        unit_prices(nat_processed_gb=0.05, public_ipv4_hour=0.006),
    )
    assert line(lines, "Public IPv4").on_demand == pytest.approx(1000 / 60 / 10 * 0.006)
    assert not [x for x in lines if x.item.startswith("NAT")]


def test_last_line_format() -> None:
    assert last_line(0.1234, 0.056) == ("on-demand: $0.12 per 1,000 call-minutes; spot: $0.06 per 1,000 call-minutes")
    printed = report(INPUTS, PRICES).splitlines()
    assert LAST_LINE.match(printed[-1]), printed[-1]
    assert any("Amazon Transcribe streaming" in row for row in printed)


def test_report_totals_follow_the_inputs() -> None:
    # Doubling the capacity halves the Fargate line: the result is computed, not stored
    doubled = dict(INPUTS, calls_per_task=Input(2 * INPUTS["calls_per_task"].value, "", "measured", "test"))
    base, more = breakdown(INPUTS, PRICES), breakdown(doubled, PRICES)
    assert line(more, "Fargate").on_demand == pytest.approx(line(base, "Fargate").on_demand / 2)


def test_every_price_has_a_source_and_a_date() -> None:
    for name, price in PRICES.items():
        assert price.usd > 0, name
        assert price.source.startswith("https://"), name
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.taken), name


def test_every_measured_input_names_its_command_and_date() -> None:
    for name, value in INPUTS.items():
        assert value.how, name
        if value.kind == "measured":
            assert ".venv/bin/python -m bench." in value.how, name
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.date), name


def test_config_inputs_match_the_deployment_defaults() -> None:
    from infra.config import DeploymentConfig

    config = DeploymentConfig()
    assert INPUTS["task_vcpu"].value == config.gateway_cpu / 1024
    assert INPUTS["task_gb"].value == config.gateway_memory_mb / 1024
    assert INPUTS["target_utilization"].value == config.gateway_target_utilization_percent / 100
    assert INPUTS["calls_per_task"].value == config.gateway_max_sessions_per_task
    assert config.gateway_architecture.value == "arm64"  # the Fargate prices are ARM64's


# ---------------------------------------------------------------- measurement plumbing (no real-time run)


def environ(target: str, body: bytes, service: str) -> dict[str, Any]:
    return {
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=x",
        "HTTP_X_AMZ_TARGET": target,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }


def test_request_key_reads_service_operation_and_queue() -> None:
    body = b'{"QueueUrl": "http://127.0.0.1:5000/123456789012/bench-1-utterances.fifo", "MessageBody": "x"}'
    assert request_key(environ("AmazonSQS.SendMessage", body, "sqs"), body) == (
        "sqs",
        "SendMessage",
        "bench-1-utterances.fifo",
    )
    get = b'{"TableName": "t", "Key": {}}'
    assert request_key(environ("DynamoDB_20120810.GetItem", get, "dynamodb"), get) == ("dynamodb", "GetItem", "")


def test_counting_app_counts_and_passes_the_body_on() -> None:
    seen: list[bytes] = []

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(env["wsgi.input"].read())
        return [b"ok"]

    counts: Counter[tuple[str, str, str]] = Counter()
    body = b'{"TableName": "t"}'
    CountingApp(app, counts)(environ("DynamoDB_20120810.UpdateItem", body, "dynamodb"), lambda *a: None)

    assert counts == Counter({("dynamodb", "UpdateItem", ""): 1})
    assert seen == [body]


def test_batch_reads_are_counted_per_item() -> None:
    # Given a BatchGetItem of 3 conversations: DynamoDB bills 3 reads, not 1
    body = b'{"RequestItems": {"t": {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}, {"pk": {"S": "c"}}]}}}'
    counts: Counter[tuple[str, str, str]] = Counter()
    CountingApp(lambda env, start: [b""], counts)(environ("DynamoDB_20120810.BatchGetItem", body, "dynamodb"), None)

    assert counts == Counter({("dynamodb", "BatchGetItem", ""): 1, ("dynamodb", "BatchGetItem.items", ""): 3})


def test_only_requests_signed_with_the_workers_key_are_counted() -> None:
    counts: Counter[tuple[str, str, str]] = Counter()
    app = CountingApp(lambda env, start: [b""], counts, access_key="WORKER")
    body = b'{"TableName": "t"}'
    worker = environ("DynamoDB_20120810.GetItem", body, "dynamodb")
    worker["HTTP_AUTHORIZATION"] = worker["HTTP_AUTHORIZATION"].replace("AKID", "WORKER")
    app(worker, None)
    app(environ("DynamoDB_20120810.GetItem", body, "dynamodb"), None)  # the harness's key: not counted
    assert counts == Counter({("dynamodb", "GetItem", ""): 1})


def s(text: str) -> dict[str, str]:
    return {"S": text}


class Table:
    """A stored-items double for the meter: (pk, sk) -> DynamoDB-JSON attributes."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def lookup(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return self.items.get((key["pk"]["S"], key["sk"]["S"]))

    def put(self, pk: str, sk: str, **attrs: dict[str, Any]) -> None:
        self.items[(pk, sk)] = {"pk": s(pk), "sk": s(sk), **attrs}


def meter(table: Table) -> CapacityMeter:
    return CapacityMeter(table.lookup, index_keys=("exportSlot", "createdAt"), index_attributes=("body",))


def test_item_size_follows_dynamodbs_rules() -> None:
    # names and values: "pk"(2)+"a"(1), "n"(1)+3 digits -> 2+1, "ss"(2)+"x"+"yz"(3)
    assert item_size({"pk": s("a"), "n": {"N": "123"}, "ss": {"SS": ["x", "yz"]}}) == 3 + 3 + 5
    assert item_size({"m": {"M": {"k": s("vv")}}}) == 1 + 3 + (1 + 1 + 2)


def test_a_write_costs_the_larger_of_the_item_before_and_after_in_1_kb_units() -> None:
    table = Table()
    table.put("CONV#g", "LEASE", checkpoint=s("x" * 900))
    m = meter(table)
    params = {"TableName": "t", "Key": {"pk": s("CONV#g"), "sk": s("LEASE")}}
    before = m.snapshot("UpdateItem", params)
    table.put("CONV#g", "LEASE", checkpoint=s("x" * 2_500))  # what the update stored
    assert m.units("UpdateItem", params, before, b"{}") == ("WRU", 3)  # 2.5 KB and the keys: 3 units
    # a smaller item after an update still costs what it was before
    before = m.snapshot("UpdateItem", params)
    table.put("CONV#g", "LEASE", owner=s("w"))
    assert m.units("UpdateItem", params, before, b"{}") == ("WRU", 3)


def test_a_message_in_the_export_index_is_written_twice() -> None:
    table = Table()
    m = meter(table)
    item = {"pk": s("CONV#g"), "sk": s("MSG#customer#00000001")}
    params = {"TableName": "t", "Item": item}
    before = m.snapshot("PutItem", params)
    table.put(
        "CONV#g",
        "MSG#customer#00000001",
        exportSlot=s("2026-01-01T00#3"),
        createdAt={"N": "1"},
        body=s("b" * 1_500),
        other=s("o" * 600),
    )
    # the table's item (about 2.1 KB: 3 units) and its projection in the index (keys + body, about 1.5 KB: 2)
    assert m.units("PutItem", params, before, b"{}") == ("WRU", 5)


def test_strongly_consistent_reads_cost_4_kb_units_per_item_and_at_least_one() -> None:
    table = Table()
    table.put("CONV#a", "META", data=s("d" * 5_000))
    table.put("CONV#b", "META", data=s("d" * 100))
    m = meter(table)
    keys = [{"pk": s(f"CONV#{g}"), "sk": s("META")} for g in ("a", "b", "missing")]
    batch = {"RequestItems": {"t": {"Keys": keys, "ConsistentRead": True}}}
    assert m.units("BatchGetItem", batch, [], b"{}") == ("RRU", 2 + 1 + 1)
    assert m.units("GetItem", {"TableName": "t", "Key": keys[1]}, [], b"{}") == ("RRU", 0.5)  # eventually
    found = b'{"Items": [{"pk": {"S": "CONV#a"}, "sk": {"S": "META"}}, {"pk": {"S": "CONV#b"}, "sk": {"S": "META"}}]}'
    query = {"TableName": "t", "ConsistentRead": True}
    assert m.units("Query", query, [], found) == ("RRU", 2)  # a Query is billed on the total size


def test_measurement_per_call_minute_filters_by_queue() -> None:
    m = Measurement(
        calls=2,
        call_minutes=2.0,
        utterances=10,
        requests={("sqs", "SendMessage", "x-utterances.fifo"): 10, ("sqs", "SendMessage", "x-sessions"): 4},
        kvs_bytes=0,
    )
    assert m.per_call_minute("sqs", ["SendMessage"], queue="utterances") == 5.0
    assert m.per_call_minute("sqs", ["SendMessage"]) == 7.0


def test_the_meter_knows_the_export_index_projection() -> None:
    from bench.cost.measure import EXPORT_INDEX_ATTRIBUTES
    from infra.constructs.storage import EXPORT_INDEX_ATTRIBUTES as DEPLOYED

    assert tuple(DEPLOYED) == EXPORT_INDEX_ATTRIBUTES


def test_a_transaction_bills_each_item_twice() -> None:
    table = Table()
    table.put("CONV#g", "LEASE", owner=s("w"))
    m = meter(table)
    params = {
        "TransactItems": [
            {"Update": {"TableName": "t", "Key": {"pk": s("CONV#g"), "sk": s("LEASE")}}},
            {"Put": {"TableName": "t", "Item": {"pk": s("CONV#g"), "sk": s("CHECKPOINT")}}},
        ]
    }
    before = m.snapshot("TransactWriteItems", params)
    table.put("CONV#g", "CHECKPOINT", checkpoint=s("c" * 1_500))
    assert m.units("TransactWriteItems", params, before, b"{}") == ("WRU", 2 * (1 + 2))
