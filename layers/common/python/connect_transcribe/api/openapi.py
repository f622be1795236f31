"""The OpenAPI 3.1 document of every route and of the webhook, built from the wire models and the route table below
(no hand-written copy of a model's schema): `connect-transcribe openapi` prints it; docs/openapi.json is its copy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from connect_transcribe.api.feed_routes import (
    EXPORTS_PATH,
    GET_FILE_PATH,
    LIST_DATES_PATH,
    LIST_FEEDS_PATH,
    LIST_FILES_PATH,
    LIST_FORMATS_PATH,
    LIST_INTERVALS_PATH,
    LIST_VERSIONS_PATH,
)
from connect_transcribe.api.routes import MESSAGES_PATH, START_PATH, STOP_PATH
from connect_transcribe.errors import (
    ApiError,
    ConcurrentUpdate,
    ConflictingRequest,
    ConversationNotFound,
    DependencyUnavailable,
    FeedItemNotFound,
    InvalidField,
    MalformedBody,
    PayloadTooLarge,
    RouteNotFound,
    Throttled,
    UnsupportedSetting,
)
from connect_transcribe.models.api import (
    ErrorResponse,
    StartStreamingRequest,
    StopStreamingRequest,
    StreamingResponse,
)
from connect_transcribe.models.feed_api import (
    EXPORT_ID,
    DateRequest,
    DatesResponse,
    EmptyRequest,
    ExportStarted,
    ExportState,
    FeedRequest,
    FeedsResponse,
    FileRequest,
    FilesResponse,
    FileUrlResponse,
    FormatRequest,
    FormatsResponse,
    IntervalRequest,
    IntervalsResponse,
    StartExportRequest,
    VersionRequest,
    VersionsResponse,
)
from connect_transcribe.models.message_history import MessagesQuery, MessagesResponse
from connect_transcribe.models.webhook import WebhookBody, WebhookInterimBody

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
ERROR_SCHEMA = "ErrorResponse"

# Errors API Gateway answers itself, in the same shape with code "<status>-00" (infra/constructs/control_api.py;
# a test keeps the two in step). 401 only in api_secret mode, and never on the File Exporter routes (AWS_IAM).
GATEWAY_ERRORS: dict[int, str] = {
    401: "401-00",
    403: "403-00",
    413: "413-00",
    415: "415-00",
    429: "429-00",
    500: "500-00",
    504: "504-00",
}
_BODY_ERRORS: tuple[type[ApiError], ...] = (MalformedBody, InvalidField, PayloadTooLarge)
# Any route may meet a throttled or failing backing service, or an unexpected error (ApiError itself: 500-01).
_ANY_ROUTE_ERRORS: tuple[type[ApiError], ...] = (Throttled, DependencyUnavailable, ApiError)
_RETRY_AFTER = {
    "description": "seconds to wait before retrying (set by 429 and 503 answers)",
    "schema": {"type": "string", "pattern": r"^\d+$"},
}

# The webhook message types receivers get, by the body's `type`. One more message kind is one more entry: its model
# becomes a component schema and a webhook of the document.
WEBHOOK_MESSAGES: dict[str, type[BaseModel]] = {"transcript": WebhookBody, "transcript-interim": WebhookInterimBody}
WEBHOOK_SCHEMA_NAMES: dict[str, str] = {
    "transcript": "WebhookTranscript",
    "transcript-interim": "WebhookTranscriptInterim",
}


@dataclass(frozen=True)
class PathParameter:
    name: str  # as on the wire (the OpenAPI template's name)
    route_name: str  # the resolver's <name> in the route rule
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """One route: what it takes, what it answers, and the errors it may answer with (besides every route's)."""

    method: Literal["get", "post"]
    path: str  # the resolver's rule, <name> for a path parameter
    operation_id: str
    tag: str
    summary: str
    response: type[BaseModel]
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_parameters: tuple[PathParameter, ...] = ()
    errors: tuple[type[ApiError], ...] = ()
    api_secret: bool = True  # reachable with api_secret auth (else AWS_IAM only): whether 401-00 can occur

    @property
    def openapi_path(self) -> str:
        path = self.path
        for parameter in self.path_parameters:
            path = path.replace(f"<{parameter.route_name}>", f"{{{parameter.name}}}")
        return path

    def all_errors(self) -> tuple[type[ApiError], ...]:
        own = (*(_BODY_ERRORS if self.body is not None else ()), *self.errors, *_ANY_ROUTE_ERRORS)
        return tuple(dict.fromkeys(own))


_CONTROL, _MESSAGES, _FEED = "Start/Stop", "After-call messages", "File Exporter"
_NOT_EXPORTED = (FeedItemNotFound,)
_EXPORT_ID = PathParameter(
    name="exportId",
    route_name="export_id",
    description="the exportId that POST /fileexporter/v1/exports answered",
    schema={"type": "string", "pattern": EXPORT_ID.pattern},
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        START_PATH,
        "startStreaming",
        _CONTROL,
        "Start (or resume) transcribing a conversation's two streams",
        StreamingResponse,
        body=StartStreamingRequest,
        errors=(ConflictingRequest, ConcurrentUpdate, UnsupportedSetting),
    ),
    Operation(
        "post",
        STOP_PATH,
        "stopStreaming",
        _CONTROL,
        "Stop (or pause) a conversation; answers each participant's summary so far",
        StreamingResponse,
        body=StopStreamingRequest,
        errors=(ConversationNotFound, ConflictingRequest, ConcurrentUpdate),
    ),
    Operation(
        "get",
        MESSAGES_PATH,
        "getMessages",
        _MESSAGES,
        "A conversation's transcript, in the order spoken, one page at a time",
        MessagesResponse,
        query=MessagesQuery,
        errors=(InvalidField, ConversationNotFound),
    ),
    Operation(
        "post",
        LIST_FEEDS_PATH,
        "listFeeds",
        _FEED,
        "The feeds",
        FeedsResponse,
        body=EmptyRequest,
        api_secret=False,
    ),
    Operation(
        "post",
        LIST_VERSIONS_PATH,
        "listFeedVersions",
        _FEED,
        "A feed's versions",
        VersionsResponse,
        body=FeedRequest,
        api_secret=False,
    ),
    Operation(
        "post",
        LIST_FORMATS_PATH,
        "listFeedFormats",
        _FEED,
        "The formats this deployment exports",
        FormatsResponse,
        body=VersionRequest,
        api_secret=False,
    ),
    Operation(
        "post",
        LIST_DATES_PATH,
        "listFeedDates",
        _FEED,
        "The UTC dates exported in a format",
        DatesResponse,
        body=FormatRequest,
        api_secret=False,
    ),
    Operation(
        "post",
        LIST_INTERVALS_PATH,
        "listFeedIntervals",
        _FEED,
        "The hours (hr=HH) exported for a date",
        IntervalsResponse,
        body=DateRequest,
        errors=_NOT_EXPORTED,
        api_secret=False,
    ),
    Operation(
        "post",
        LIST_FILES_PATH,
        "listFeedFiles",
        _FEED,
        "The files in force for a date, or one hour of it",
        FilesResponse,
        body=IntervalRequest,
        errors=_NOT_EXPORTED,
        api_secret=False,
    ),
    Operation(
        "post",
        GET_FILE_PATH,
        "getFeedFile",
        _FEED,
        "A time-limited download link of one file",
        FileUrlResponse,
        body=FileRequest,
        errors=_NOT_EXPORTED,
        api_secret=False,
    ),
    Operation(
        "post",
        EXPORTS_PATH,
        "startExport",
        _FEED,
        "Export a UTC date, or the whole hours of an interval, now",
        ExportStarted,
        status=202,
        body=StartExportRequest,
        errors=(ConflictingRequest,),
        api_secret=False,
    ),
    Operation(
        "get",
        f"{EXPORTS_PATH}/<export_id>",
        "getExport",
        _FEED,
        "An on-demand export's state, and what it committed once it succeeded",
        ExportState,
        path_parameters=(_EXPORT_ID,),
        # exportId: 400-02 for a malformed one; an empty one names no route (404-02)
        errors=(InvalidField, FeedItemNotFound, RouteNotFound),
        api_secret=False,
    ),
)

_STATUS_TEXT = {
    200: "OK",
    202: "Accepted",
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def _component_schemas() -> tuple[dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]], dict[str, Any]]:
    """Every model's schema as the JSON on the wire (aliases): requests as accepted, responses as serialized."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for op in OPERATIONS:
        if op.body is not None:
            models.append((op.body, "validation"))
        models.append((op.response, "serialization"))
    models.append((ErrorResponse, "serialization"))
    models += [(model, "serialization") for model in WEBHOOK_MESSAGES.values()]
    refs, top = models_json_schema(list(dict.fromkeys(models)), by_alias=True, ref_template=REF)
    return {(model, mode): ref for (model, mode), ref in refs.items() if isinstance(model, type)}, dict(  # type: ignore[misc]
        sorted(top.get("$defs", {}).items())
    )


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": f"{_STATUS_TEXT[status]}: {', '.join(codes)} (the documented error shape)",
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": REF.format(model=ERROR_SCHEMA)},
                        {"properties": {"error": {"properties": {"code": {"enum": codes}}}}},
                    ]
                }
            }
        },
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": _RETRY_AFTER}
    return response


def _responses(op: Operation, refs: dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    for error in op.all_errors():
        by_status.setdefault(error.status, []).append(error.code)
    for status, code in GATEWAY_ERRORS.items():
        if (status == 401 and not op.api_secret) or (status in (413, 415) and op.body is None):
            continue
        by_status.setdefault(status, []).append(code)
    responses: dict[str, Any] = {
        str(op.status): {
            "description": _STATUS_TEXT[op.status],
            "content": {"application/json": {"schema": refs[(op.response, "serialization")]}},
        }
    }
    for status in sorted(by_status):
        responses[str(status)] = _error_response(status, sorted(by_status[status]))
    return responses


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The query model's fields as parameters. An optional parameter is absent rather than null (a query string
    has no null), so `anyOf: [X, null]` with a null default becomes X."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        value = {k: v for k, v in prop.items() if k not in ("title", "description")}
        variants = [v for v in value.get("anyOf", ()) if v != {"type": "null"}]
        if "anyOf" in value and len(variants) == 1:
            value = {**{k: v for k, v in value.items() if k not in ("anyOf", "default")}, **variants[0]}
        parameter = {"name": name, "in": "query", "required": name in required, "schema": value}
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters


def _operation(op: Operation, refs: dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = {"operationId": op.operation_id, "tags": [op.tag], "summary": op.summary}
    parameters = [
        {"name": p.name, "in": "path", "required": True, "description": p.description, "schema": p.schema}
        for p in op.path_parameters
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    spec["responses"] = _responses(op, refs)
    spec["security"] = [{"sigv4": []}, {"apiSecret": []}] if op.api_secret else [{"sigv4": []}]
    return spec


def _webhooks(refs: dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]) -> dict[str, Any]:
    return {
        name: {
            "post": {
                "operationId": f"webhook-{name}",
                "summary": f"The `{name}` message POSTed to your endpoint (docs/webhook-delivery.md)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": refs[(model, "serialization")]}},
                },
                "responses": {"200": {"description": "any 2xx acknowledges the message"}},
            }
        }
        for name, model in WEBHOOK_MESSAGES.items()
    }


def build_document() -> dict[str, Any]:
    """The whole document, deterministic (same models, same bytes)."""
    refs, schemas = _component_schemas()
    for name, model in WEBHOOK_MESSAGES.items():  # readable component names for receivers
        generated = refs[(model, "serialization")]["$ref"].rsplit("/", 1)[1]
        schemas[WEBHOOK_SCHEMA_NAMES[name]] = schemas.pop(generated)
        refs[(model, "serialization")] = {"$ref": REF.format(model=WEBHOOK_SCHEMA_NAMES[name])}
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.openapi_path, {})[op.method] = _operation(op, refs)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "connect-transcribe",
            "version": "1",
            "description": "Start/Stop, after-call messages and File Exporter routes of the control API, and the "
            "webhook messages. Every error has one shape: "
            '{"error": {"requestId": ..., "code": "<status>-<nn>", "message": ...}}; codes ending in -00 come '
            "from API Gateway itself (another 4xx it answers on its own has code 400-00).",
        },
        "tags": [{"name": t} for t in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "webhooks": _webhooks(refs),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "AWS_IAM (default): SigV4 for the service execute-api",
                },
                "apiSecret": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "asapp-api-secret",
                    "description": "api_secret mode: the asapp-api-id and asapp-api-secret headers",
                },
            },
        },
    }


def render() -> str:
    """The document as committed in docs/openapi.json: 2-space indent, trailing newline."""
    return json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"


def webhook_schema(document: dict[str, Any], message_type: str) -> dict[str, Any]:
    """A standalone JSON Schema (2020-12) of one webhook message, taken from `document` (it carries the components
    its references need)."""
    schemas = document["components"]["schemas"]
    needed: dict[str, Any] = {}
    pending = [WEBHOOK_SCHEMA_NAMES[message_type]]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed[name] = schemas[name]
            pending += [ref.rsplit("/", 1)[1] for ref in _refs(schemas[name])]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": REF.format(model=WEBHOOK_SCHEMA_NAMES[message_type]),
        "components": {"schemas": dict(sorted(needed.items()))},
    }


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []
