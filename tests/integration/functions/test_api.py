"""The API Lambda handler against moto DynamoDB + SQS: what is stored, queued and answered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from connect_transcribe_dev.api_gateway import response_headers

from functions.api.handler import handler
from tests.conftest import AwsResources
from tests.factories import OTHER_STREAM_ARN, START_PATH, STOP_PATH, api_event, lambda_context, start_body, stop_body


def call(path: str, body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    result = handler(api_event(path, body), lambda_context("api"))
    return result["statusCode"], json.loads(result["body"]), response_headers(result)


def stream_ids(body: dict[str, Any]) -> tuple[str, str]:
    return body["autotranscribeResponse"]["customer"]["streamId"], body["autotranscribeResponse"]["agent"]["streamId"]


def test_start_records_conversation_and_streams_and_queues_a_session_job(api_env: AwsResources) -> None:
    body = start_body("8c259fea-8764-4a92-adc4-73572e9cf016")

    status, reply, _ = call(START_PATH, body)

    assert status == 200
    customer_id, agent_id = stream_ids(reply)
    items = {item["sk"]: item for item in api_env.items()}
    assert set(items) == {"META", "STREAM#customer", "STREAM#agent"}
    meta = items["META"]
    assert (meta["pk"], meta["state"], meta["customer_stream_id"], meta["agent_stream_id"]) == (
        "CONV#8c259fea-8764-4a92-adc4-73572e9cf016",
        "STARTING",
        customer_id,
        agent_id,
    )
    assert int(meta["expiresAt"]) > 0
    [job] = [json.loads(b) for b in api_env.jobs()]
    assert job["guid"] == body["guid"] and job["generation"] == 1
    assert job["stream_arn"] == body["amazonConnectParams"]["streamArn"]
    assert {s["role"]: s["stream_id"] for s in job["streams"]} == {"customer": customer_id, "agent": agent_id}


def test_repeated_start_returns_same_stream_ids_and_starts_nothing_new(api_env: AwsResources) -> None:
    body = start_body()
    _, first, _ = call(START_PATH, body)
    status, again, _ = call(START_PATH, body)
    assert status == 200
    assert stream_ids(again) == stream_ids(first)
    assert len(api_env.jobs()) == 1
    assert len(api_env.items()) == 3


def test_stop_makes_the_stop_request_visible_to_the_media_gateway(api_env: AwsResources) -> None:
    body = start_body()
    call(START_PATH, body)

    status, reply, _ = call(STOP_PATH, stop_body(body["guid"]))

    assert status == 200
    meta = api_env.table.get_item(Key={"pk": f"CONV#{body['guid']}", "sk": "META"}, ConsistentRead=True)["Item"]
    assert meta["state"] == "STOPPING" and int(meta["stop_requested_at_ms"]) > 0
    for role in ("customer", "agent"):
        assert set(reply["autotranscribeResponse"][role]["summary"]) == {
            "totalAudioBytes",
            "audioDurationMs",
            "streamingSeconds",
            "transcripts",
        }


def test_repeated_stop_returns_200_with_the_same_summary(api_env: AwsResources) -> None:
    body = start_body()
    call(START_PATH, body)
    first = call(STOP_PATH, stop_body(body["guid"]))
    again = call(STOP_PATH, stop_body(body["guid"]))
    assert (again[0], again[1]) == (200, first[1])


def test_stop_of_an_unknown_guid_is_404_in_the_error_shape(api_env: AwsResources) -> None:
    status, reply, _ = call(STOP_PATH, stop_body("no-such-contact"))
    assert status == 404
    assert reply["error"]["code"] == "404-01"
    assert reply["error"]["message"] == "guid: no conversation 'no-such-contact' has been started"
    assert reply["error"]["requestId"]
    assert api_env.items() == []


def test_pause_and_resume_keep_stream_ids_and_queue_the_next_generation(api_env: AwsResources) -> None:
    body = start_body()
    _, first, _ = call(START_PATH, body)
    call(STOP_PATH, stop_body(body["guid"]))

    status, resumed, _ = call(START_PATH, body)

    assert status == 200
    assert stream_ids(resumed) == stream_ids(first)
    jobs = [json.loads(b) for b in api_env.jobs()]
    assert [j["generation"] for j in jobs] == [1, 2]
    assert {s["stream_id"] for s in jobs[1]["streams"]} == set(stream_ids(first))


BAD_INPUTS = [
    ("malformed JSON", START_PATH, '{"namespace": "amazonconnect",', 400, "400-01", "body: not valid JSON"),
    ("empty body", START_PATH, "", 400, "400-01", "body: a JSON object is required"),
    ("not an object", START_PATH, "[1, 2]", 400, "400-01", "body: must be a JSON object, got list"),
    (
        "missing field",
        START_PATH,
        {k: v for k, v in start_body().items() if k != "agentId"},
        400,
        "400-02",
        "agentId: is required",
    ),
    (
        "mistyped field",
        START_PATH,
        start_body(customerId=12345),
        400,
        "400-02",
        "customerId: Input should be a valid string",
    ),
    (
        "bad ARN",
        START_PATH,
        start_body(amazonConnectParams={"streamArn": "arn:aws:s3:::bucket"}),
        400,
        "400-02",
        "amazonConnectParams.streamArn: must be a Kinesis Video Streams stream ARN",
    ),
    (
        "other namespace",
        START_PATH,
        start_body(namespace="asapp"),
        400,
        "400-02",
        "namespace: unsupported namespace 'asapp'; this deployment serves 'amazonconnect'",
    ),
    (
        "fragment selector without fragment",
        START_PATH,
        start_body(amazonConnectParams={"streamArn": OTHER_STREAM_ARN, "startSelectorType": "FRAGMENT_NUMBER"}),
        400,
        "400-02",
        "amazonConnectParams: afterFragmentNumber is required",
    ),
    (
        "unsupported language",
        START_PATH,
        start_body(autotranscribeParams={"language": "de-DE"}),
        422,
        "422-01",
        "autotranscribeParams.language: 'de-DE' is not supported",
    ),
    ("oversized body", START_PATH, start_body(customerId="x" * 200, padding="y" * 20_000), 413, "413-01", "body: 20"),
    ("stop without guid", STOP_PATH, {"namespace": "amazonconnect"}, 400, "400-02", "guid: is required"),
    (
        "unknown route",
        "/mg-autotranscribe/v1/pause-streaming",
        start_body(),
        404,
        "404-02",
        "no route for POST /mg-autotranscribe/v1/pause-streaming",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "message"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_is_rejected_precisely_and_nothing_is_stored(
    api_env: AwsResources, path: str, body: Any, status: int, code: str, message: str
) -> None:
    got_status, reply, headers = call(path, body)

    assert got_status == status
    assert set(reply) == {"error"} and set(reply["error"]) == {"requestId", "code", "message"}
    assert reply["error"]["code"] == code
    assert reply["error"]["message"].startswith(message), reply["error"]["message"]
    assert headers.get("Content-Type") == "application/json"
    assert api_env.items() == []
    assert api_env.jobs() == []


def test_conflicting_start_while_streaming_is_409_and_changes_nothing(api_env: AwsResources) -> None:
    body = start_body()
    call(START_PATH, body)
    before = api_env.items()

    status, reply, _ = call(START_PATH, {**body, "amazonConnectParams": {"streamArn": OTHER_STREAM_ARN}})

    assert (status, reply["error"]["code"]) == (409, "409-01")
    assert reply["error"]["message"].startswith("amazonConnectParams.streamArn: conversation")
    assert api_env.items() == before


def test_queue_outage_is_503_and_the_retried_start_queues_the_job(api_env: AwsResources, monkeypatch) -> None:
    from functions.api import handler as api_handler

    sqs = api_handler.service()._jobs._sqs
    real_send = sqs.send_message
    failing = {"left": 1}

    def send(**kwargs: Any) -> Any:
        if failing["left"]:
            failing["left"] -= 1
            raise ClientError({"Error": {"Code": "KMS.KMSInvalidStateException", "Message": "x"}}, "SendMessage")
        return real_send(**kwargs)

    monkeypatch.setattr(sqs, "send_message", send)
    body = start_body()

    status, reply, headers = call(START_PATH, body)
    assert (status, reply["error"]["code"], headers.get("Retry-After")) == (503, "503-01", "1")
    assert "SQS request failed (KMS.KMSInvalidStateException)" in reply["error"]["message"]

    status, _, _ = call(START_PATH, body)
    assert status == 200
    assert len(api_env.jobs()) == 1


def test_dynamodb_throttling_is_429_with_retry_after(api_env: AwsResources, monkeypatch) -> None:
    from functions.api import handler as api_handler

    table = api_handler.service()._store._table

    def throttled(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "GetItem")

    monkeypatch.setattr(table, "get_item", throttled)
    status, reply, headers = call(START_PATH, start_body())
    assert (status, reply["error"]["code"], headers.get("Retry-After")) == (429, "429-01", "1")
