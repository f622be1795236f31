"""Start/Stop request models: defaults, and a precise error naming the field for every bad input."""

from __future__ import annotations

import pytest
from connect_transcribe.api.errors import describe_validation_error
from connect_transcribe.models.api import (
    RedactionOutput,
    StartSelectorType,
    StartStreamingRequest,
    StopStreamingRequest,
)
from pydantic import ValidationError

from tests.factories import STREAM_ARN, start_body


def error_of(body: dict) -> str:
    with pytest.raises(ValidationError) as info:
        StartStreamingRequest.model_validate(body)
    return describe_validation_error(info.value)


def test_defaults_follow_the_autotranscribe_api() -> None:
    body = start_body()
    del body["autotranscribeParams"]
    body["amazonConnectParams"] = {"streamArn": STREAM_ARN}

    request = StartStreamingRequest.model_validate(body)

    params = request.autotranscribe_params
    assert (params.language, params.detailed_token, params.audio_recording_allowed) == ("en-US", False, False)
    assert params.redaction_output is RedactionOutput.REDACTED
    assert request.amazon_connect_params.start_selector_type is StartSelectorType.NOW


def test_fragment_number_selector_is_accepted_with_its_fragment() -> None:
    body = start_body(
        amazonConnectParams={
            "streamArn": STREAM_ARN,
            "startSelectorType": "FRAGMENT_NUMBER",
            "afterFragmentNumber": "91343852333181432392682062607743920146264440941",
        }
    )
    request = StartStreamingRequest.model_validate(body)
    assert request.amazon_connect_params.after_fragment_number.startswith("9134")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"namespace": "asapp"}, "namespace: unsupported namespace 'asapp'; this deployment serves 'amazonconnect'"),
        ({"guid": ""}, "guid: String should have at least 1 character"),
        ({"guid": "has space"}, "guid: String should match pattern"),
        ({"guid": 42}, "guid: Input should be a valid string"),
        ({"customerId": None}, "customerId: Input should be a valid string"),
        ({"agentId": "   "}, "agentId: String should have at least 1 character"),
        (
            {"autotranscribeParams": {"detailedToken": "yes"}},
            "autotranscribeParams.detailedToken: Input should be a valid boolean",
        ),
        (
            {"autotranscribeParams": {"redactionOutput": "none"}},
            "autotranscribeParams.redactionOutput: Input should be 'redacted', 'unredacted' or 'redacted_and_unredacted'",
        ),
        (
            {"autotranscribeParams": {"language": "english"}},
            "autotranscribeParams.language: String should match pattern",
        ),
        (
            {"autotranscribeParams": {"redactionOuput": "redacted"}},
            "autotranscribeParams.redactionOuput: is not a recognised field",
        ),
        (
            {"amazonConnectParams": {"streamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/x"}},
            "amazonConnectParams.streamArn: must be a Kinesis Video Streams stream ARN",
        ),
        (
            {"amazonConnectParams": {"streamArn": STREAM_ARN, "startSelectorType": "LATEST"}},
            "amazonConnectParams.startSelectorType: Input should be 'NOW' or 'FRAGMENT_NUMBER'",
        ),
        (
            {"amazonConnectParams": {"streamArn": STREAM_ARN, "startSelectorType": "FRAGMENT_NUMBER"}},
            "amazonConnectParams: afterFragmentNumber is required when startSelectorType is FRAGMENT_NUMBER",
        ),
        (
            {"amazonConnectParams": {"streamArn": STREAM_ARN, "afterFragmentNumber": "123"}},
            "amazonConnectParams: afterFragmentNumber is only allowed when startSelectorType is FRAGMENT_NUMBER",
        ),
        (
            {
                "amazonConnectParams": {
                    "streamArn": STREAM_ARN,
                    "startSelectorType": "FRAGMENT_NUMBER",
                    "afterFragmentNumber": "12a",
                }
            },
            "amazonConnectParams.afterFragmentNumber: String should match pattern",
        ),
        ({"amazonConnectParams": None}, "amazonConnectParams: Input should be a valid dictionary"),
    ],
)
def test_each_bad_field_is_named_in_the_error(change: dict, expected: str) -> None:
    assert error_of(start_body(**change)).startswith(expected)


def test_missing_fields_are_all_reported() -> None:
    message = error_of({"namespace": "amazonconnect"})
    for field in ("guid", "customerId", "agentId", "amazonConnectParams"):
        assert f"{field}: is required" in message


def test_stop_request_needs_namespace_and_guid() -> None:
    with pytest.raises(ValidationError) as info:
        StopStreamingRequest.model_validate({"namespace": "amazonconnect"})
    assert describe_validation_error(info.value) == "guid: is required"
