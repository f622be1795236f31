"""The operations dashboard shows only metrics the code emits, under the namespace and dimensions it emits them
with, shows every alarm, and its URL is a stack output."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from infra.config import REPO_ROOT
from infra.constructs.media_gateway import GATEWAY_SERVICE
from tests.infra.conftest import Synth

RUNTIME = REPO_ROOT / "layers" / "common" / "python" / "connect_transcribe"
FUNCTIONS = REPO_ROOT / "functions"
# The worker's code: what it emits carries service=media-gateway (adapters/emf_metrics.py); everything else runs in
# a Lambda function and carries service=<service_name> (powertools Metrics, POWERTOOLS_SERVICE_NAME).
WORKER_CODE = (RUNTIME / "gateway",)
# The emitting calls: EmfMetrics.count/observe, DeliveryMetrics.count/latency_ms, powertools Metrics.add_metric.
EMITTING_METHODS = {"count", "observe", "latency_ms", "add_metric"}
# Receivers that are metrics objects: `metrics`, `self._metrics`, `d.metrics`, or a local bound to one (`m = ...metrics`).
METRICS_RECEIVER = re.compile(r"(?:^|\.)_?metrics$")
# Metrics AWS services publish, by namespace: the dashboard may show these (real names, not checked against our code).
AWS_METRICS = {
    "AWS/SQS": {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent"},
    "AWS/Lambda": {"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"},
    "AWS/States": {"ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"},
    "AWS/ECS": {"CPUUtilization", "MemoryUtilization"},
    "ECS/ContainerInsights": {"RunningTaskCount", "DesiredTaskCount"},
}


# ---------------------------------------------------------------------- what the code emits


def _python_files() -> list[Path]:
    return [*sorted(RUNTIME.rglob("*.py")), *sorted(FUNCTIONS.rglob("*.py"))]


def _string_constants(trees: dict[Path, ast.Module]) -> dict[str, set[str]]:
    """Module-level NAME = "literal" assignments anywhere in the scanned code (metric names live in constants)."""
    constants: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)):
                continue
            if isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants.setdefault(target.id, set()).add(node.value.value)
    return constants


def _metrics_aliases(tree: ast.Module) -> set[str]:
    """Local names bound to a metrics object, e.g. `m = self.deps.metrics`."""
    return {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and METRICS_RECEIVER.search(ast.unparse(node.value))
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _name_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "name":
            return keyword.value
    return call.args[0] if call.args else None


def _resolve(node: ast.expr, constants: dict[str, set[str]]) -> set[str]:
    """The metric name(s) an argument stands for; empty when it is computed (those cannot be on the dashboard)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name):
        return constants.get(node.id, set())
    if isinstance(node, ast.Attribute):  # module.CONSTANT
        return constants.get(node.attr, set())
    return set()


def emitted_metrics() -> dict[str, set[Path]]:
    """Every metric name the runtime code and the Lambda entry points emit -> the files that emit it."""
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in _python_files()}
    constants = _string_constants(trees)
    emitted: dict[str, set[Path]] = {}
    for path, tree in trees.items():
        aliases = _metrics_aliases(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in EMITTING_METHODS:
                continue
            receiver = ast.unparse(node.func.value)
            if not (METRICS_RECEIVER.search(receiver) or receiver in aliases):
                continue
            argument = _name_argument(node)
            for name in _resolve(argument, constants) if argument is not None else set():
                emitted.setdefault(name, set()).add(path)
    return emitted


def _emitted_by_worker(files: set[Path]) -> bool:
    return any(path.is_relative_to(folder) for path in files for folder in WORKER_CODE)


# ---------------------------------------------------------------------- what the dashboard shows


def _placeholder(token: dict[str, Any]) -> str:
    """A readable stand-in for a CloudFormation token inside the body's JSON strings."""
    if "Ref" in token:
        return f"ref:{token['Ref']}"
    if "Fn::GetAtt" in token:
        return f"getatt:{'.'.join(token['Fn::GetAtt'])}"
    return "token"


def dashboard_body(template: Template) -> dict[str, Any]:
    dashboards = template.find_resources("AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1, dashboards.keys()
    body = next(iter(dashboards.values()))["Properties"]["DashboardBody"]
    if isinstance(body, dict):  # Fn::Join ["", [json pieces and tokens]]
        separator, pieces = body["Fn::Join"]
        body = separator.join(piece if isinstance(piece, str) else _placeholder(piece) for piece in pieces)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def shown_metrics(body: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(namespace, metric name, dimensions) of every metric line in every graph (math expressions skipped)."""
    for widget in body["widgets"]:
        for line in widget.get("properties", {}).get("metrics", []):
            fields = [field for field in line if not isinstance(field, dict)]
            if not fields:
                continue  # an expression: {"expression": ..., "id": ...}; its inputs are lines of their own
            namespace, name, *pairs = fields
            assert namespace != "." and name != ".", f"shorthand line not expanded: {line}"
            yield namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True))


# ---------------------------------------------------------------------- tests


def test_the_scanner_finds_the_known_emitters() -> None:
    # Given the runtime's metrics calls, some with literals, some with constants, some through a local alias
    emitted = emitted_metrics()

    # Then each kind of call is found, and only metrics calls count (str.count and the like are not metrics)
    assert {"ActiveSessions", "KvsReconnects", "DecodeMs", "DeliveryMs", "FlowRequestFailed", "ExportRuns"} <= set(
        emitted
    )
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]+", name) for name in emitted), sorted(emitted)


def test_every_metric_on_the_dashboard_is_emitted_with_its_namespace_and_dimension(default_synth: Synth) -> None:
    # Given the synthesized dashboard and the metric names the code emits
    config = default_synth.config
    emitted = emitted_metrics()
    shown = list(shown_metrics(dashboard_body(default_synth.template)))
    assert len(shown) >= 30

    # Then each custom metric is emitted, under the dimension of the code that emits it
    for namespace, name, dimensions in shown:
        if namespace in AWS_METRICS:
            assert name in AWS_METRICS[namespace], f"{namespace} has no metric {name}"
            continue
        assert namespace == config.metrics_namespace, f"{name}: unknown namespace {namespace}"
        assert name in emitted, f"the dashboard shows {name}, which no code emits"
        service = GATEWAY_SERVICE if _emitted_by_worker(emitted[name]) else config.service_name
        assert dimensions == {"service": service}, f"{name} is emitted with service={service}, shown with {dimensions}"


def test_the_dashboard_covers_each_stage_and_concern(default_synth: Synth) -> None:
    # Given the synthesized dashboard
    body = dashboard_body(default_synth.template)
    lines = list(shown_metrics(body))
    stats = {(name, line_stat) for name, line_stat in _names_and_stats(body)}

    # Then it shows load per task, p50/p95/p99 per stage, webhook outcomes, DLQ depth, KVS and the exporter
    names = {name for _, name, _ in lines}
    assert {"ActiveSessions", "SessionCapacity", "KvsReconnects", "SessionsTakenOver", "ExportRuns"} <= names
    assert {"ExportedRows", "RecordingsJoined", "RecordingFailures"} <= names
    assert {"WebhookDelivered", "WebhookFailed", "ExecutionsFailed", "ApproximateNumberOfMessagesVisible"} <= names
    for stage in ("EndpointWaitMs", "DecodeMs", "PublishMs", "DeliveryMs"):
        assert {(stage, p) for p in ("p50", "p95", "p99")} <= stats, stage


def _names_and_stats(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for widget in body["widgets"]:
        for line in widget.get("properties", {}).get("metrics", []):
            options = next((field for field in line if isinstance(field, dict)), {})
            fields = [field for field in line if not isinstance(field, dict)]
            if fields:
                yield fields[1], options.get("stat", "")


def test_the_dashboard_shows_every_alarm_of_the_stack(full_synth: Synth) -> None:
    # Given the stack with every optional part (and so every alarm), and its alarms that page someone (the
    # autoscaling step alarms act on a scaling policy instead)
    template = full_synth.template
    topics = set(template.find_resources("AWS::SNS::Topic"))
    alarms = {
        logical_id
        for logical_id, alarm in template.find_resources("AWS::CloudWatch::Alarm").items()
        if any(action.get("Ref") in topics for action in alarm["Properties"].get("AlarmActions", []))
    }

    # Then the alarm status widget lists each of them
    body = dashboard_body(template)
    listed = {
        arn.removeprefix("getatt:").removesuffix(".Arn")
        for widget in body["widgets"]
        if widget["type"] == "alarm"
        for arn in widget["properties"]["alarms"]
    }
    assert alarms and listed == alarms


def test_the_dashboard_url_is_an_output(default_synth: Synth) -> None:
    outputs = default_synth.template.find_outputs("DashboardUrl")
    value = json.dumps(outputs["DashboardUrl"]["Value"])
    assert "#dashboards:name=" in value and "AWS::Region" in value
