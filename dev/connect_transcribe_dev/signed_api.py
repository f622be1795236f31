"""Calls to the local API signed as a customer's client signs them (SigV4 for execute-api), for local mode and tests
that drive a stack from outside."""

from __future__ import annotations

import json
from typing import Any

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def call_api(
    method: str, url: str, body: dict[str, Any] | None = None, *, region: str, timeout: float = 10
) -> tuple[int, dict[str, Any]]:
    """(status, JSON body). Any credentials do (the local API checks the signature's shape, not its key): these are
    the default chain's, as a customer's client would use."""
    data = json.dumps(body).encode() if body is not None else None
    request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(boto3.Session(region_name=region).get_credentials(), "execute-api", region).add_auth(request)
    response = requests.request(method, url, data=data, headers=dict(request.headers), timeout=timeout)
    return response.status_code, response.json() if response.content else {}
