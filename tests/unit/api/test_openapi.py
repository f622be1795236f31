"""docs/openapi.json is the document the models and route table generate, it is valid OpenAPI 3.1, and it names
every route both resolvers serve, no more, with every error code the routes can answer."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from connect_transcribe import cli
from connect_transcribe.api.feed_routes import build_feed_app
from connect_transcribe.api.openapi import GATEWAY_ERRORS, OPERATIONS, build_document, render, webhook_schema
from connect_transcribe.api.routes import build_app
from connect_transcribe.errors import ApiError
from openapi_spec_validator import validate

from tests.delivery_factories import utterance, with_tokens

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "docs/openapi.json"
REGENERATE = "python -m connect_transcribe.cli openapi > docs/openapi.json   (or: make openapi)"


def _unused(*_: object) -> Any:
    raise AssertionError("routes are only listed here, never called")


def _served_routes() -> set[tuple[str, str]]:
    """(method, path with {} for each parameter) of every route the two resolvers register."""
    apps = [build_app(_unused, _unused, messages=_unused), build_feed_app(_unused, _unused)]
    return {
        (route.method.lower(), re.sub(r"<[^>]+>", "{}", route.path))
        for app in apps
        for route in app._static_routes + app._dynamic_routes
    }


def _documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, re.sub(r"\{[^}]+\}", "{}", path)) for path, item in document["paths"].items() for method in item}


def test_the_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text() == render(), f"docs/openapi.json is stale; regenerate it: {REGENERATE}"


def test_the_document_is_valid_openapi_3_1() -> None:
    document = build_document()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises OpenAPIValidationError with the failing pointer


def test_every_served_route_is_documented_and_every_documented_route_is_served() -> None:
    served, documented = _served_routes(), _documented_routes(build_document())
    assert len(served) == 12
    assert served - documented == set(), "routes without a documented operation"
    assert documented - served == set(), "documented operations no resolver serves"


def test_every_operation_documents_the_error_shape_for_each_code_it_can_answer() -> None:
    document = build_document()
    for op in OPERATIONS:
        responses = document["paths"][op.openapi_path][op.method]["responses"]
        for error in op.all_errors():
            schema = responses[str(error.status)]["content"]["application/json"]["schema"]
            body = {"error": {"requestId": "r-1", "code": error.code, "message": "m"}}
            _validator(document, schema).validate(body)
        assert str(op.status) in responses
        assert {s for s in responses if s.startswith(("4", "5"))} >= {"403", "429", "500", "503", "504"}


def test_an_error_code_another_status_uses_does_not_conform() -> None:
    """The per-status code lists are checked, so a wrong status/code pair is a conformance failure."""
    document = build_document()
    schema = document["paths"]["/mg-autotranscribe/v1/stop-streaming"]["post"]["responses"]["404"]
    schema = schema["content"]["application/json"]["schema"]
    with pytest.raises(jsonschema.ValidationError):
        _validator(document, schema).validate({"error": {"requestId": "r", "code": "409-01", "message": "m"}})
    with pytest.raises(jsonschema.ValidationError):
        _validator(document, schema).validate({"error": {"code": "404-01", "message": "no request id"}})


def test_the_gateway_codes_are_the_ones_the_control_api_configures() -> None:
    from infra.constructs.control_api import _GATEWAY_RESPONSE_STATUS

    configured = {int(status): f"{status}-00" for status in _GATEWAY_RESPONSE_STATUS.values()}
    # 404-00 (RESOURCE_NOT_FOUND) only answers paths no operation has, so no operation documents it.
    del configured[404]
    assert configured == GATEWAY_ERRORS


def test_every_handler_error_class_is_documented_somewhere() -> None:
    codes = {error.code for op in OPERATIONS for error in op.all_errors()}
    defined = {cls.code for cls in _subclasses(ApiError)} | {ApiError.code}
    assert defined - codes == set()


def test_requests_are_described_by_their_wire_names() -> None:
    schemas = build_document()["components"]["schemas"]
    assert set(schemas["StartStreamingRequest"]["properties"]) == {
        "namespace",
        "guid",
        "customerId",
        "agentId",
        "autotranscribeParams",
        "amazonConnectParams",
    }
    assert schemas["StartStreamingRequest"]["additionalProperties"] is False
    assert "from" in schemas["ExportStarted"]["properties"]


def test_the_webhook_transcript_schema_accepts_a_built_body_and_rejects_a_broken_one() -> None:
    from connect_transcribe.delivery.body import body_bytes

    schema = webhook_schema(build_document(), "transcript")
    body = json.loads(body_bytes(with_tokens(utterance())))
    jsonschema.Draft202012Validator(schema).validate(body)
    del body["utteranceId"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(body)


def test_the_cli_prints_the_document() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["openapi"]) == 0
    assert out.getvalue() == render()
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["openapi", "--webhook", "transcript"]) == 0
    assert json.loads(out.getvalue())["$ref"] == "#/components/schemas/WebhookTranscript"


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found
