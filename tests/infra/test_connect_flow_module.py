"""The Connect flow modules: valid flow language, the right blocks in the right order, in the template only with a
Connect instance, and the same JSON in docs/connect-flow.md."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from connect_transcribe.control.connect_flow import PARAM_AGENT_USERNAME
from connect_transcribe.models.connect import FlowResult

from infra.config import REPO_ROOT, START_STREAMING_PATH, STOP_STREAMING_PATH
from infra.connect_flow_module import (
    AGENT_USERNAME_PARAMETER,
    FLOW_LANGUAGE_VERSION,
    INVOKE_START,
    INVOKE_STOP,
    LAMBDA_TIME_LIMIT_SECONDS,
    PLACEHOLDER_START_ARN,
    PLACEHOLDER_STOP_ARN,
    START_STREAMING,
    STATUS_ATTRIBUTE,
    STATUS_ERROR,
    STOP_STREAMING,
    doc_json,
    start_module,
    stop_module,
)
from infra.constructs.connect_flow import CONNECT_LAMBDA_TIMEOUT

# Action types of the Amazon Connect flow language, from its reference (Connect API Reference, "Actions in the
# Amazon Connect Flow language": contact actions, flow control actions, interactions, participant actions).
KNOWN_ACTION_TYPES = frozenset(
    {
        # contact actions
        "CompleteOutboundCall",
        "CreateCase",
        "CreateTask",
        "CreateWisdomSession",
        "DequeueContactAndTransferToQueue",
        "EndFlowModuleExecution",
        "GetCase",
        "InvokeFlowModule",
        "ResumeContact",
        "StartOutboundChatContact",
        "TagContact",
        "TransferContactToAgent",
        "TransferContactToQueue",
        "UnTagContact",
        "UpdateCase",
        "UpdateContactAttributes",
        "UpdateContactCallbackNumber",
        "UpdateContactData",
        "UpdateContactEventHooks",
        "UpdateContactMediaProcessing",
        "UpdateContactMediaStreamingBehavior",
        "UpdateContactRecordingAndAnalyticsBehavior",
        "UpdateContactRecordingBehavior",
        "UpdateContactRoutingBehavior",
        "UpdateContactTargetQueue",
        "UpdateContactTextToSpeechVoice",
        "UpdatePreviousContactParticipantState",
        # flow control actions
        "CheckHoursOfOperation",
        "CheckMetricData",
        "CheckOutboundCallStatus",
        "CheckVoiceId",
        "Compare",
        "DistributeByPercentage",
        "EndFlowExecution",
        "GetMetricData",
        "Loop",
        "StartVoiceIdStream",
        "TransferToFlow",
        "UpdateFlowAttributes",
        "UpdateFlowLoggingBehavior",
        "UpdateRoutingCriteria",
        "Wait",
        # interactions
        "AssociateContactToCustomerProfile",
        "CreateCallbackContact",
        "CreateCustomerProfile",
        "GetCalculatedAttributesForCustomerProfile",
        "GetCustomerProfile",
        "GetCustomerProfileObject",
        "InvokeLambdaFunction",
        "UpdateCustomerProfile",
        # participant actions
        "ConnectParticipantWithLexBot",
        "DisconnectParticipant",
        "GetParticipantInput",
        "MessageParticipant",
        "MessageParticipantIteratively",
        "ShowView",
        "TransferParticipantToThirdParty",
    }
)
# Actions that end a run: they take no transitions.
TERMINAL_TYPES = frozenset({"EndFlowModuleExecution", "EndFlowExecution", "DisconnectParticipant"})
# The reference forbids these characters and names in an Identifier (at most 50 characters).
_FORBIDDEN_ID_CHARS = set("%:(\\/)=$,;[]{}")
_FORBIDDEN_IDS = {"__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"}
_MAX_ACTIONS = 250

# ---------------------------------------------------------------- the flow-language check


def _targets(transitions: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, target) of every branch of an action: NextAction, each Error and each Condition."""
    if "NextAction" in transitions:
        yield "NextAction", transitions["NextAction"]
    for kind in ("Errors", "Conditions"):
        for i, branch in enumerate(transitions.get(kind, [])):
            yield f"{kind}[{i}]", branch.get("NextAction")


def flow_language_problems(flow: dict[str, Any]) -> list[str]:
    """What makes `flow` (parsed flow-module JSON) invalid: shape, action types, identifiers, dangling
    references, unreachable blocks and paths that never reach an end."""
    problems = [f"missing top-level {key}" for key in ("Version", "StartAction", "Actions") if key not in flow]
    if problems:
        return problems
    if flow["Version"] != FLOW_LANGUAGE_VERSION:
        problems.append(f"Version {flow['Version']!r} is not {FLOW_LANGUAGE_VERSION!r}")
    actions = flow["Actions"]
    if not isinstance(actions, list) or not 0 < len(actions) <= _MAX_ACTIONS:
        return [*problems, f"Actions must be a list of 1..{_MAX_ACTIONS} actions"]

    by_id: dict[str, dict[str, Any]] = {}
    for i, action in enumerate(actions):
        missing = [k for k in ("Identifier", "Type", "Parameters", "Transitions") if k not in action]
        if missing:
            problems.append(f"action {i} lacks {missing}")
            continue
        ident = action["Identifier"]
        if ident in by_id:
            problems.append(f"duplicate Identifier {ident!r}")
        if not 0 < len(ident) <= 50 or set(ident) & _FORBIDDEN_ID_CHARS or ident in _FORBIDDEN_IDS:
            problems.append(f"Identifier {ident!r} is not allowed")
        if action["Type"] not in KNOWN_ACTION_TYPES:
            problems.append(f"{ident!r}: unknown action Type {action['Type']!r}")
        if not isinstance(action["Parameters"], dict) or not isinstance(action["Transitions"], dict):
            problems.append(f"{ident!r}: Parameters and Transitions must be objects")
        by_id[ident] = action

    if flow["StartAction"] not in by_id:
        problems.append(f"StartAction {flow['StartAction']!r} is no action's Identifier")
    for ident, action in by_id.items():
        transitions = action["Transitions"]
        if action["Type"] in TERMINAL_TYPES:
            if transitions:
                problems.append(f"{ident!r} ends the run but has transitions")
            continue
        if "NextAction" not in transitions and not transitions.get("Conditions"):
            problems.append(f"{ident!r} has no NextAction: the run would stop there")
        for i, error in enumerate(transitions.get("Errors", [])):
            if not error.get("ErrorType"):
                problems.append(f"{ident!r}: Errors[{i}] has no ErrorType")
        for where, target in _targets(transitions):
            if target not in by_id:
                problems.append(f"{ident!r}: {where} -> {target!r} is no action's Identifier")
    for ident in flow.get("Metadata", {}).get("ActionMetadata", {}):
        if ident not in by_id:
            problems.append(f"Metadata names {ident!r}, which is no action")
    if problems:
        return problems

    reachable = _reachable(by_id, flow["StartAction"])
    problems += [f"{ident!r} is unreachable from StartAction" for ident in by_id if ident not in reachable]
    ends = {ident for ident, a in by_id.items() if a["Type"] in TERMINAL_TYPES}
    if not ends:
        problems.append("no action ends the run (EndFlowModuleExecution, EndFlowExecution, DisconnectParticipant)")
    problems += [f"no path from {ident!r} reaches an end" for ident in reachable if not _reachable(by_id, ident) & ends]
    return problems


def _reachable(by_id: dict[str, dict[str, Any]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        ident = todo.pop()
        if ident not in seen:
            seen.add(ident)
            todo += [target for _, target in _targets(by_id[ident]["Transitions"])]
    return seen


def _main_path(flow: dict[str, Any]) -> list[tuple[str, str]]:
    """(Identifier, Type) along NextAction from StartAction: the path when nothing fails."""
    by_id = {a["Identifier"]: a for a in flow["Actions"]}
    path: list[tuple[str, str]] = []
    ident = flow["StartAction"]
    while ident is not None and len(path) <= len(by_id):
        path.append((ident, by_id[ident]["Type"]))
        ident = by_id[ident]["Transitions"].get("NextAction")
    return path


def _action(flow: dict[str, Any], ident: str) -> dict[str, Any]:
    (action,) = [a for a in flow["Actions"] if a["Identifier"] == ident]
    return action


# ---------------------------------------------------------------- the modules themselves

MODULES = {"start": start_module(PLACEHOLDER_START_ARN), "stop": stop_module(PLACEHOLDER_STOP_ARN)}


@pytest.mark.parametrize("name", MODULES)
def test_module_is_valid_flow_language(name):
    # Given the module as it is imported (JSON text)
    flow = json.loads(doc_json(MODULES[name]))
    # Then the flow-language check finds nothing
    assert flow_language_problems(flow) == []


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda f: f["Actions"][1]["Transitions"].update(NextAction="Nowhere"), "NextAction -> 'Nowhere'"),
        (lambda f: f["Actions"][0]["Transitions"]["Errors"][0].update(NextAction="Gone"), "Errors[0] -> 'Gone'"),
        (lambda f: f.update(StartAction="Missing"), "StartAction 'Missing'"),
        (lambda f: f["Actions"][0].update(Type="StartMediaStreaming"), "unknown action Type"),
        (lambda f: f["Actions"][0].pop("Transitions"), "lacks ['Transitions']"),
        (lambda f: f["Actions"].pop(), "-> 'Return' is no action"),
        (lambda f: f["Actions"][0].update(Identifier="a:b"), "not allowed"),
    ],
)
def test_the_check_catches_broken_modules(break_it, expected):
    # Given a valid module, broken in one place
    flow = json.loads(doc_json(MODULES["start"]))
    break_it(flow)
    # Then the check names the break
    problems = flow_language_problems(flow)
    assert any(expected in p for p in problems), problems


def test_the_check_catches_a_dead_end_and_an_orphan():
    flow = json.loads(doc_json(MODULES["stop"]))
    # Given the stop block looping on itself instead of returning, the Return block is never reached
    _action(flow, STOP_STREAMING)["Transitions"] = {
        "NextAction": STOP_STREAMING,
        "Errors": [{"NextAction": STOP_STREAMING, "ErrorType": "NoMatchingError"}],
    }
    problems = flow_language_problems(flow)
    assert "'Return' is unreachable from StartAction" in problems
    assert f"no path from {STOP_STREAMING!r} reaches an end" in problems


def test_start_module_streams_both_directions_then_invokes_connect_start():
    flow = MODULES["start"]
    # When nothing fails: start streaming, call connect_start, record its status, return
    assert [t for _, t in _main_path(flow)] == [
        "UpdateContactMediaStreamingBehavior",
        "InvokeLambdaFunction",
        "UpdateContactAttributes",
        "EndFlowModuleExecution",
    ]
    assert _main_path(flow)[0][0] == START_STREAMING
    assert _action(flow, START_STREAMING)["Parameters"] == {
        "MediaStreamingState": "Enabled",
        "Participants": [{"ParticipantType": "Customer", "MediaDirections": ["From", "To"]}],
        "MediaStreamType": "Audio",
    }
    invoke = _action(flow, INVOKE_START)["Parameters"]
    assert invoke["LambdaFunctionARN"] == PLACEHOLDER_START_ARN
    # connect_start's fallback for the agent id
    assert invoke["LambdaInvocationAttributes"] == {"agentUserName": "$.Agent.UserName"}
    # A failed streaming block skips the Lambda (it would only answer BAD_EVENT) and records the failure
    failure = _action(flow, _action(flow, START_STREAMING)["Transitions"]["Errors"][0]["NextAction"])
    assert failure["Parameters"]["Attributes"] == {STATUS_ATTRIBUTE: "error"}


def test_stop_module_invokes_connect_stop_before_stopping_the_stream_even_when_it_fails():
    flow = MODULES["stop"]
    path = _main_path(flow)
    assert [t for _, t in path] == [
        "InvokeLambdaFunction",
        "UpdateContactAttributes",
        "UpdateContactMediaStreamingBehavior",
        "EndFlowModuleExecution",
    ]
    assert path[0][0] == INVOKE_STOP
    assert _action(flow, INVOKE_STOP)["Parameters"]["LambdaFunctionARN"] == PLACEHOLDER_STOP_ARN
    assert _action(flow, STOP_STREAMING)["Parameters"]["MediaStreamingState"] == "Disabled"
    assert _action(flow, STOP_STREAMING)["Parameters"]["Participants"][0]["MediaDirections"] == ["From", "To"]
    # When connect_stop fails (timeout, throttling), the stream is still stopped
    by_id = {a["Identifier"]: a for a in flow["Actions"]}
    on_error = _action(flow, INVOKE_STOP)["Transitions"]["Errors"][0]["NextAction"]
    assert STOP_STREAMING in _reachable(by_id, on_error)


def test_modules_speak_the_lambdas_contract():
    """infra may not import the runtime's flow logic, so the names it repeats are checked here."""
    assert AGENT_USERNAME_PARAMETER == PARAM_AGENT_USERNAME
    assert "status" in FlowResult(status=STATUS_ERROR).flat()


def test_lambda_time_limit_is_the_functions_timeout_and_connects_maximum():
    assert LAMBDA_TIME_LIMIT_SECONDS == CONNECT_LAMBDA_TIMEOUT.to_seconds() == 8
    for flow in MODULES.values():
        for action in flow["Actions"]:
            if action["Type"] == "InvokeLambdaFunction":
                assert action["Parameters"]["InvocationTimeLimitSeconds"] == "8"


# ---------------------------------------------------------------- the doc


def _doc_json_blocks() -> list[Any]:
    text = (REPO_ROOT / "docs" / "connect-flow.md").read_text()
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", text, flags=re.DOTALL)]


def test_doc_shows_exactly_the_generated_modules():
    # The doc's two JSON blocks are what the generator makes with the placeholder ARNs
    # (regenerate them with `python -m infra.connect_flow_module`).
    assert _doc_json_blocks() == [MODULES["start"], MODULES["stop"]]


# ---------------------------------------------------------------- the template


def _function_id(template: Any, api_path: str) -> str:
    """The flow function whose description names the API path it calls (fixed per function)."""
    (logical_id,) = [
        logical_id
        for logical_id, fn in template.find_resources("AWS::Lambda::Function").items()
        if f"POST {api_path} " in fn["Properties"]["Description"]
    ]
    return logical_id


def _rendered_content(content: Any) -> dict[str, Any]:
    """The module's Content with each Fn::GetAtt Arn written as "<logicalId.Arn>", parsed."""
    if isinstance(content, str):
        return json.loads(content)
    separator, parts = content["Fn::Join"]
    assert separator == ""
    text = "".join(p if isinstance(p, str) else f"<{p['Fn::GetAtt'][0]}.{p['Fn::GetAtt'][1]}>" for p in parts)
    return json.loads(text)


def test_no_flow_module_without_a_connect_instance(default_synth):
    default_synth.template.resource_count_is("AWS::Connect::ContactFlowModule", 0)


def test_connect_instance_gets_start_and_stop_modules_calling_the_stack_functions(full_synth):
    template = full_synth.template
    instance_arn = full_synth.config.connect_instance_arn
    modules = template.find_resources("AWS::Connect::ContactFlowModule")
    assert len(modules) == 2
    start_id = _function_id(template, START_STREAMING_PATH)
    stop_id = _function_id(template, STOP_STREAMING_PATH)
    by_name = {m["Properties"]["Name"]: m for m in modules.values()}
    assert set(by_name) == {"connect-transcribe start transcription", "connect-transcribe stop transcription"}
    associations = set(template.find_resources("AWS::Connect::IntegrationAssociation"))
    for name, fn_id, build in (
        ("connect-transcribe start transcription", start_id, start_module),
        ("connect-transcribe stop transcription", stop_id, stop_module),
    ):
        module = by_name[name]
        assert module["Properties"]["InstanceArn"] == instance_arn
        assert module["Properties"]["State"] == "ACTIVE"
        # The content is the generator's, with the stack's own function ARN
        content = _rendered_content(module["Properties"]["Content"])
        assert content == build(f"<{fn_id}.Arn>")
        assert flow_language_problems(content) == []
        # Created after both functions are associated with the instance
        assert set(module["DependsOn"]) >= associations and len(associations) == 2
