"""Turn a Connect contact-flow event into Start/Stop API requests, and API replies into flow results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from connect_transcribe.control.ports import ApiClient, ApiReply, ApiUnavailable
from connect_transcribe.models.api import StartSelectorType
from connect_transcribe.models.connect import ContactData, ContactFlowEvent, FlowResult
from connect_transcribe.models.enums import NAMESPACE, ContactIdSource, RedactionOutput

START_PATH = "/mg-autotranscribe/v1/start-streaming"
STOP_PATH = "/mg-autotranscribe/v1/stop-streaming"

# Flow parameters that override the deployment's transcription defaults for one contact.
PARAM_LANGUAGE = "language"
PARAM_REDACTION = "redactionOutput"
PARAM_DETAILED_TOKEN = "detailedToken"  # noqa: S105 - a parameter name, not a secret
PARAM_AUDIO_RECORDING = "audioRecordingAllowed"
PARAM_INTERIM = "interimResults"  # unset: the API's deployment default (interim_results)
# Metrics (the stack alarms on FLOW_FAILED_METRIC: these functions never raise, so Lambda Errors stays 0).
FLOW_REQUEST_METRIC = "FlowRequest"
FLOW_FAILED_METRIC = "FlowRequestFailed"
# Fallbacks a flow can pass with "Send parameter": $.Agent.UserName
PARAM_AGENT_USERNAME = "agentUserName"


class FlowInputError(Exception):
    """The contact-flow event lacks something the request needs."""


@dataclass(frozen=True)
class FlowDefaults:
    contact_id_source: ContactIdSource = ContactIdSource.CONTACT_ID
    agent_id_key: str = "agentId"
    customer_id_key: str = "customerId"
    language: str = "en-US"
    redaction_output: str = RedactionOutput.REDACTED.value
    detailed_token: bool = False


def parse_event(event: dict[str, Any]) -> ContactFlowEvent:
    try:
        return ContactFlowEvent.model_validate(event)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise FlowInputError(
            f"not a Connect contact-flow event: {'.'.join(map(str, first['loc']))} {first['msg'].lower()}"
        ) from exc


def contact_id(data: ContactData, source: ContactIdSource) -> str:
    value = {
        ContactIdSource.CONTACT_ID: data.contact_id,
        ContactIdSource.INITIAL_CONTACT_ID: data.initial_contact_id,
        ContactIdSource.PREVIOUS_CONTACT_ID: data.previous_contact_id,
    }[source]
    if not value:
        raise FlowInputError(f"the event has no {source.value} (configured contact id source)")
    return value


def _lookup(event: ContactFlowEvent, *keys: str) -> str | None:
    """First non-empty value among flow parameters, then contact attributes, for each key in order."""
    params, attrs = event.details.parameters, event.details.contact_data.attributes
    for key in keys:
        for source in (params, attrs):
            value = (source.get(key) or "").strip()
            if value:
                return value
    return None


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"true", "1", "yes"}


def start_request(event: ContactFlowEvent, defaults: FlowDefaults) -> dict[str, Any]:
    data = event.details.contact_data
    audio = data.customer_audio
    if not audio.stream_arn:
        raise FlowInputError(
            "the event has no MediaStreams.Customer.Audio.StreamARN; place this block after 'Start media streaming'"
        )
    agent_id = _lookup(event, defaults.agent_id_key, PARAM_AGENT_USERNAME)
    if agent_id is None:
        raise FlowInputError(
            f"no agent id: set flow parameter or contact attribute {defaults.agent_id_key!r} "
            f"(or pass $.Agent.UserName as {PARAM_AGENT_USERNAME!r})"
        )
    customer_id = _lookup(event, defaults.customer_id_key) or (
        data.customer_endpoint.address if data.customer_endpoint else None
    )
    if not customer_id:
        raise FlowInputError(
            f"no customer id: set flow parameter or contact attribute {defaults.customer_id_key!r}; "
            "the event has no CustomerEndpoint.Address to fall back to"
        )
    selector: dict[str, Any] = {"streamArn": audio.stream_arn, "startSelectorType": StartSelectorType.NOW.value}
    if audio.start_fragment_number:
        selector = {
            **selector,
            "startSelectorType": StartSelectorType.FRAGMENT_NUMBER.value,
            "afterFragmentNumber": audio.start_fragment_number,
        }
    guid = contact_id(data, defaults.contact_id_source)
    if data.initial_contact_id and data.initial_contact_id != guid:
        # A later leg of a transferred call: the API links it to the first contact (README, After-call API).
        selector = {**selector, "initialContactId": data.initial_contact_id}
    params: dict[str, Any] = {
        "language": _lookup(event, PARAM_LANGUAGE) or defaults.language,
        "redactionOutput": _lookup(event, PARAM_REDACTION) or defaults.redaction_output,
        "detailedToken": _flag(_lookup(event, PARAM_DETAILED_TOKEN), defaults.detailed_token),
        "audioRecordingAllowed": _flag(_lookup(event, PARAM_AUDIO_RECORDING), False),
    }
    interim = _lookup(event, PARAM_INTERIM)
    if interim is not None:
        params["interimResults"] = _flag(interim, False)
    return {
        "namespace": NAMESPACE,
        "guid": guid,
        "customerId": customer_id,
        "agentId": agent_id,
        "autotranscribeParams": params,
        "amazonConnectParams": selector,
    }


def stop_request(event: ContactFlowEvent, defaults: FlowDefaults) -> dict[str, Any]:
    return {"namespace": NAMESPACE, "guid": contact_id(event.details.contact_data, defaults.contact_id_source)}


def flow_result(reply: ApiReply) -> FlowResult:
    body = reply.body if isinstance(reply.body, dict) else {}
    if 200 <= reply.status < 300 and body.get("isOk") is True:
        participants = body.get("autotranscribeResponse") or {}
        return FlowResult(
            status="ok",
            message="OK",
            customer_stream_id=str((participants.get("customer") or {}).get("streamId", "")),
            agent_stream_id=str((participants.get("agent") or {}).get("streamId", "")),
            http_status=str(reply.status),
        )
    raw_error = body.get("error")
    error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    return FlowResult(
        status="error",
        message=str(error.get("message") or f"API answered HTTP {reply.status}"),
        error_code=str(error.get("code") or ""),
        http_status=str(reply.status),
    )


def call(api: ApiClient, path: str, body: dict[str, Any], deadline_s: float) -> FlowResult:
    """One API call that never raises into the flow: every failure becomes status=error."""
    try:
        return flow_result(api.post(path, body, deadline_s=deadline_s))
    except ApiUnavailable as exc:
        return FlowResult(status="error", message=str(exc), error_code="UNAVAILABLE")


def flow_step(
    event: dict[str, Any],
    *,
    build: Any,
    path: str,
    api: Any,
    defaults: Any,
    deadline_s: float,
) -> FlowResult:
    """Everything a flow Lambda does, guarded so that nothing raises into the contact flow.

    `build` turns the parsed event into the request body; `api` and `defaults` are factories so a
    misconfiguration (bad settings, unreadable secret) is reported as status=error too.
    """
    try:
        body = build(parse_event(event), defaults())
    except FlowInputError as exc:
        return FlowResult(status="error", message=str(exc), error_code="BAD_EVENT")
    try:
        client = api()
    except Exception as exc:
        return FlowResult(status="error", message=f"not configured: {type(exc).__name__}: {exc}", error_code="CONFIG")
    return call(client, path, body, deadline_s)
