"""Contract and fuzz test: schemathesis drives every operation of docs/openapi.json against local mode (the real API
handlers behind the local API Gateway, moto, the worker), with valid and invalid requests, signed as a client signs
them. No answer is a 5xx, every answer conforms to the document (status and body, the error shape included), and a
rejected request stores nothing: no conversation for a refused start's guid, no export for a refused export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import schemathesis
from aws_lambda_powertools.utilities import parameters
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from connect_transcribe_dev.stack import LocalDeployment
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

REPO = Path(__file__).resolve().parents[3]
# Examples per operation and generation mode (valid and invalid): 12 operations x 2 modes x 50 = at most 1,200
# requests, about 25 s on the 2-core machine.
MAX_EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

# Loaded once at import: one test per documented operation and generation mode (pytest ids name them).
SCHEMA = schemathesis.openapi.from_dict(json.loads((REPO / "docs/openapi.json").read_text()))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
STARTED: set[str] = set()  # guids of the starts the API accepted during this module


class _SigV4(requests.auth.AuthBase):
    """SigV4 for execute-api with local credentials, as API Gateway's AWS_IAM auth wants (local mode accepts any)."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.credentials = Credentials("local", "local", "local")

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        signed = AWSRequest(
            method=request.method,
            url=request.url,
            data=body,
            headers={k: v for k, v in request.headers.items() if k.lower() == "content-type"},
        )
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(signed)
        request.headers.update(dict(signed.headers.items()))
        return request


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDeployment]:
    parameters.clear_caches()  # the provider keeps an earlier stack's endpoint (tests/e2e/conftest.py)
    with LocalDeployment(worker_log=tmp_path_factory.mktemp("fuzz") / "worker.log") as deployment:
        yield deployment


def test_every_documented_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) == sum(len(item) for item in SCHEMA.raw_schema["paths"].values()) == 12


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_answers_as_documented_and_a_refused_request_stores_nothing(
    operation: Any, mode: schemathesis.GenerationMode, stack: LocalDeployment
) -> None:
    base_url, auth = stack.endpoints.api_url, _SigV4(stack.region)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests every run: a CI failure reproduces locally
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported as found
    )
    def exchange(case: Any) -> None:
        exports_before = _exports(stack)
        response = case.call(base_url=base_url, auth=auth, timeout=10)
        case.validate_response(response, checks=CHECKS)
        guid = _guid(case) if operation.definition.raw.get("operationId") == "startStreaming" else None
        if response.status_code < 400:
            if guid is not None:
                STARTED.add(guid)
            return
        if guid is not None and guid not in STARTED:  # generated guids are short: an earlier valid start may own it
            assert _items(stack, guid) == [], f"a refused start ({response.status_code}) stored conversation {guid!r}"
        assert _exports(stack) == exports_before, f"a refused {operation.label} started an export"

    exchange()


def _guid(case: Any) -> str | None:
    body = case.body if isinstance(case.body, dict) else {}
    guid = body.get("guid")
    return guid if isinstance(guid, str) and guid else None


def _items(stack: LocalDeployment, guid: str) -> list[dict[str, Any]]:
    endpoints = stack.endpoints
    table = boto3.resource(
        "dynamodb",
        region_name=stack.region,
        endpoint_url=endpoints.aws_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table(endpoints.table_name)
    try:
        return table.query(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": f"CONV#{guid}"}, ConsistentRead=True
        )["Items"]
    except table.meta.client.exceptions.ClientError:  # a key DynamoDB itself refuses (e.g. too long) stores nothing
        return []


def _exports(stack: LocalDeployment) -> int:
    assert stack.exports is not None
    return len(stack.exports._executions)
