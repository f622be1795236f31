"""The two Amazon Connect flow modules (flow language JSON) that start and stop transcription of a contact.

One source for the stack's `AWS::Connect::ContactFlowModule` resources and for docs/connect-flow.md: the stack
passes the Lambda ARNs as CDK tokens, the doc the placeholders below (`python -m infra.connect_flow_module`
prints what the doc shows).

A flow module has one entry point (its `StartAction`), and a flow invokes a module by id, so "start" and
"stop" are two modules: the stop one is invoked several times per call (before every hold, transfer and the
end), the start one once per streaming period.
"""

from __future__ import annotations

import json
import sys
from typing import Any

# The only flow language version Connect accepts.
FLOW_LANGUAGE_VERSION = "2019-10-30"
# Connect waits at most 8 s for a flow Lambda (the functions' own timeout is the same).
LAMBDA_TIME_LIMIT_SECONDS = 8
# Contact attribute the modules set to the Lambda's `status` ("ok" / "error"), or "error" when the Lambda
# or the media-streaming block failed: branch on it with "Check contact attributes" after the module.
STATUS_ATTRIBUTE = "transcriptionStatus"
STATUS_ERROR = "error"
# connect_start's fallback for the agent id when no `agentId` parameter/attribute is set (empty until an agent
# is connected, in which case connect_start answers errorCode BAD_EVENT).
AGENT_USERNAME_PARAMETER = "agentUserName"

# For manual import: replace with the stack outputs ConnectStartFunctionArn / ConnectStopFunctionArn.
PLACEHOLDER_START_ARN = "arn:aws:lambda:REGION:ACCOUNT:function:CONNECT_START_FUNCTION"
PLACEHOLDER_STOP_ARN = "arn:aws:lambda:REGION:ACCOUNT:function:CONNECT_STOP_FUNCTION"

# Action identifiers (friendly names, shown as block labels in the flow designer).
START_STREAMING = "Start media streaming"
INVOKE_START = "Invoke connect_start"
INVOKE_STOP = "Invoke connect_stop"
STOP_STREAMING = "Stop media streaming"
RECORD_RESULT = "Record transcription status"
RECORD_FAILURE = "Record transcription failure"
RETURN = "Return"

_NO_MATCHING_ERROR = "NoMatchingError"


def start_module(start_function_arn: str) -> dict[str, Any]:
    """Start media streaming (from and to the customer), then invoke connect_start."""
    actions = [
        _media_streaming(START_STREAMING, enabled=True, next_action=INVOKE_START, on_error=RECORD_FAILURE),
        _invoke_lambda(
            INVOKE_START,
            start_function_arn,
            next_action=RECORD_RESULT,
            on_error=RECORD_FAILURE,
            attributes={AGENT_USERNAME_PARAMETER: "$.Agent.UserName"},
        ),
        _set_status(RECORD_RESULT, "$.External.status", next_action=RETURN),
        _set_status(RECORD_FAILURE, STATUS_ERROR, next_action=RETURN),
        _return(),
    ]
    return _module(START_STREAMING, actions)


def stop_module(stop_function_arn: str) -> dict[str, Any]:
    """Invoke connect_stop, then stop media streaming (whatever the Lambda answered)."""
    actions = [
        _invoke_lambda(INVOKE_STOP, stop_function_arn, next_action=RECORD_RESULT, on_error=RECORD_FAILURE),
        _set_status(RECORD_RESULT, "$.External.status", next_action=STOP_STREAMING),
        _set_status(RECORD_FAILURE, STATUS_ERROR, next_action=STOP_STREAMING),
        _media_streaming(STOP_STREAMING, enabled=False, next_action=RETURN, on_error=RETURN),
        _return(),
    ]
    return _module(INVOKE_STOP, actions)


def _module(start_action: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    # Positions only lay the blocks out left to right in the designer; Connect ignores Metadata otherwise.
    positions = {
        a["Identifier"]: {"position": {"x": 240 + 280 * i, "y": 40}, "isFriendlyName": True}
        for i, a in enumerate(actions)
    }
    return {
        "Version": FLOW_LANGUAGE_VERSION,
        "StartAction": start_action,
        "Metadata": {"entryPointPosition": {"x": 40, "y": 40}, "ActionMetadata": positions},
        "Actions": actions,
    }


def _media_streaming(identifier: str, *, enabled: bool, next_action: str, on_error: str) -> dict[str, Any]:
    """The Start / Stop media streaming block: customer audio in both directions (the gateway reads both)."""
    return {
        "Identifier": identifier,
        "Type": "UpdateContactMediaStreamingBehavior",
        "Parameters": {
            "MediaStreamingState": "Enabled" if enabled else "Disabled",
            "Participants": [{"ParticipantType": "Customer", "MediaDirections": ["From", "To"]}],
            "MediaStreamType": "Audio",
        },
        "Transitions": _transitions(next_action, on_error),
    }


def _invoke_lambda(
    identifier: str,
    function_arn: str,
    *,
    next_action: str,
    on_error: str,
    attributes: dict[str, str] | None = None,
) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "LambdaFunctionARN": function_arn,
        "InvocationTimeLimitSeconds": str(LAMBDA_TIME_LIMIT_SECONDS),
        # connect_start/connect_stop answer a flat map of strings.
        "ResponseValidation": {"ResponseType": "STRING_MAP"},
    }
    if attributes:
        parameters["LambdaInvocationAttributes"] = attributes
    return {
        "Identifier": identifier,
        "Type": "InvokeLambdaFunction",
        "Parameters": parameters,
        "Transitions": _transitions(next_action, on_error),
    }


def _set_status(identifier: str, value: str, *, next_action: str) -> dict[str, Any]:
    # A failure to set the attribute must not keep the module from finishing (or from stopping the stream).
    return {
        "Identifier": identifier,
        "Type": "UpdateContactAttributes",
        "Parameters": {"Attributes": {STATUS_ATTRIBUTE: value}, "TargetContact": "Current"},
        "Transitions": _transitions(next_action, next_action),
    }


def _return() -> dict[str, Any]:
    return {"Identifier": RETURN, "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}


def _transitions(next_action: str, on_error: str) -> dict[str, Any]:
    return {"NextAction": next_action, "Errors": [{"NextAction": on_error, "ErrorType": _NO_MATCHING_ERROR}]}


def doc_json(module: dict[str, Any]) -> str:
    """The module as docs/connect-flow.md shows it (and as Connect's import accepts it)."""
    return json.dumps(module, indent=2)


def main() -> None:
    """Print both modules with the placeholder ARNs, as in docs/connect-flow.md."""
    sys.stdout.write(f"{doc_json(start_module(PLACEHOLDER_START_ARN))}\n")
    sys.stdout.write(f"{doc_json(stop_module(PLACEHOLDER_STOP_ARN))}\n")


if __name__ == "__main__":
    main()
