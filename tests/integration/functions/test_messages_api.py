"""After-call messages API through the real API handler against moto DynamoDB, messages stored by the gateway's
own write path: time order, the 1,000 default, pagination, errors, a signed GET over loopback HTTP, and the link to
a call's recording in a (moto) recordings bucket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.models.api import Role
from connect_transcribe.models.recording import recording_key, segment_key
from connect_transcribe.models.utterance import UtteranceMessage, utterance_id
from connect_transcribe_dev.api_gateway import LocalApiGateway, response_headers

from functions.api import handler as api_handler
from tests.clock import NOW
from tests.conftest import AwsResources
from tests.factories import START_PATH, api_event, lambda_context, start_body

MESSAGES_PATH = "/conversation/v1/conversation/messages"
T0 = int((NOW - timedelta(hours=13, minutes=30)).timestamp() * 1000)  # 2026-11-23T13:00:00Z: the call's first audio
# The handler reads the system clock: at NOW for every test (tests/clock.py), so retention decides nothing by date.
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def api(api_env: AwsResources) -> AwsResources:
    api_handler.messages.cache_clear()  # built from the settings of the moto resources of this test
    return api_env


def get(params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    result = api_handler.handler(api_event(f"{MESSAGES_PATH}?{urlencode(params)}", b"", "GET"), lambda_context("api"))
    return result["statusCode"], json.loads(result["body"]), response_headers(result)


def started_conversation(body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A conversation started through the API, as the Connect flow would: its META record exists."""
    body = body or start_body()
    result = api_handler.handler(api_event(START_PATH, body), lambda_context("api"))
    assert result["statusCode"] == 200, result["body"]
    reply = json.loads(result["body"])["autotranscribeResponse"]
    return {"guid": body["guid"], "customer": reply["customer"]["streamId"], "agent": reply["agent"]["streamId"]}


def utterance(
    conv: dict[str, Any], role: Role, sequence: int, start_ms: int, text: str, **extra: Any
) -> UtteranceMessage:
    stream = conv[role.value]
    return UtteranceMessage(
        utterance_id=utterance_id(conv["guid"], stream, sequence),
        guid=conv["guid"],
        namespace="amazonconnect",
        generation=1,
        stream_id=stream,
        role=role,
        external_id="cust-ef53245" if role is Role.CUSTOMER else "agent-7731",
        sequence=sequence,
        start_ms=start_ms,
        end_ms=start_ms + 1_500,
        text=text,
        language="en-US",
        audio_timestamp_ms=T0 + start_ms + 1_500,
        published_at_ms=T0 + start_ms + 1_820,
        **extra,
    )


def store_call(aws: AwsResources, conv: dict[str, Any], turns: int, text_bytes: int = 20) -> None:
    """Alternating turns (customer first), every one stored once through the media gateway's writer."""
    store = DynamoDbGatewayStore(aws.table)
    sequences = {Role.CUSTOMER: 0, Role.AGENT: 0}
    for turn in range(turns):
        role = Role.CUSTOMER if turn % 2 == 0 else Role.AGENT
        sequences[role] += 1
        text = f"turn {turn:05d} " + "x" * text_bytes
        store.put_message(utterance(conv, role, sequences[role], start_ms=2_000 * turn, text=text))


def test_stored_messages_come_back_in_spoken_order_in_the_documented_shape(api: AwsResources) -> None:
    # Given a conversation whose agent spoke first, stored out of time order, one utterance replayed after a takeover
    conv = started_conversation()
    store = DynamoDbGatewayStore(api.table)
    store.put_message(utterance(conv, Role.CUSTOMER, 1, 4_000, "I lost my card", unredacted_text=None))
    store.put_message(utterance(conv, Role.AGENT, 2, 9_000, "Let me block it"))
    store.put_message(utterance(conv, Role.AGENT, 1, 0, "Hello, how can I help?"))
    store.put_message(utterance(conv, Role.AGENT, 2, 9_000, "replayed copy"))

    # When the after-call API is asked for the contact's messages
    status, body, headers = get({"externalId": conv["guid"]})

    # Then all of them come back once, by time, in the mirrored shape plus our extras, and no token
    assert (status, headers.get("Content-Type")) == (200, "application/json")
    assert set(body) == {"items"}
    assert [(m["sender"]["role"], m["text"]) for m in body["items"]] == [
        ("agent", "Hello, how can I help?"),
        ("customer", "I lost my card"),
        ("agent", "Let me block it"),
    ]
    first = body["items"][0]
    assert first == {
        "text": "Hello, how can I help?",
        "sender": {"role": "agent", "externalId": "agent-7731"},
        "messageId": utterance_id(conv["guid"], conv["agent"], 1),
        "createdTimestamp": "2026-11-23T13:00:01.820Z",
        "clientTimestamp": "2026-11-23T13:00:01.500Z",
        "streamId": conv["agent"],
        "sequence": 1,
        "start": 0,
        "end": 1_500,
    }


def test_both_texts_are_returned_when_the_conversation_kept_the_unredacted_one(api: AwsResources) -> None:
    conv = started_conversation()
    DynamoDbGatewayStore(api.table).put_message(
        utterance(conv, Role.CUSTOMER, 1, 0, "my card is [PCI]", unredacted_text="my card is 4111")
    )

    _, body, _ = get({"externalId": conv["guid"]})

    [item] = body["items"]
    assert (item["text"], item["unredactedText"]) == ("my card is [PCI]", "my card is 4111")


def test_a_long_call_returns_1000_by_default_and_the_token_completes_it(api: AwsResources) -> None:
    # Given a long call: 1,234 messages of ~1 KB, more than one 1 MB DynamoDB page
    conv = started_conversation()
    store_call(api, conv, 1_234, text_bytes=1_000)

    # When listed without a limit, then with the returned token
    status, first, _ = get({"externalId": conv["guid"]})
    assert status == 200 and len(first["items"]) == 1_000 and first["nextToken"]
    status, rest, _ = get({"externalId": conv["guid"], "nextToken": first["nextToken"]})

    # Then the two pages hold every message exactly once, in time order, and the last page has no token
    assert status == 200 and "nextToken" not in rest
    turns = [m["text"][:10] for m in first["items"] + rest["items"]]
    assert turns == [f"turn {t:05d}" for t in range(1_234)]


def test_paging_with_a_limit_visits_every_message_once(api: AwsResources) -> None:
    conv = started_conversation()
    store_call(api, conv, 250)
    seen: list[str] = []
    sizes: list[int] = []
    params: dict[str, Any] = {"externalId": conv["guid"], "limit": 60}

    for _ in range(10):
        status, page, _ = get(params)
        assert status == 200
        sizes.append(len(page["items"]))
        seen += [m["text"][:10] for m in page["items"]]
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]

    assert sizes == [60, 60, 60, 60, 10]
    assert seen == [f"turn {t:05d}" for t in range(250)]


def test_a_started_conversation_without_messages_is_an_empty_list(api: AwsResources) -> None:
    conv = started_conversation()
    assert get({"externalId": conv["guid"]})[:2] == (200, {"items": []})


def test_messages_past_their_retention_are_not_returned_before_dynamodb_deletes_them(
    api: AwsResources, time_machine: Any
) -> None:
    # Given a conversation started at NOW, whose call 13.5 h before had two utterances published 3 s apart, with
    # 7 days' retention (the default): each item's TTL counts from its own write
    conv = started_conversation()
    store = DynamoDbGatewayStore(api.table, retention_days=7)
    store.put_message(utterance(conv, Role.CUSTOMER, 1, 0, "my card number is"))  # published at T0 + 1.82 s
    store.put_message(utterance(conv, Role.AGENT, 1, 3_000, "thank you"))  # published at T0 + 4.82 s
    assert len(get({"externalId": conv["guid"]})[1]["items"]) == 2

    # When the clock passes the first one's retention, while every item is still in the table (DynamoDB's TTL
    # deletes within days of the expiry, and moto never does)
    first_gone = datetime.fromtimestamp(T0 / 1000, UTC) + timedelta(days=7, seconds=3)
    time_machine.move_to(first_gone, tick=False)
    status, body, _ = get({"externalId": conv["guid"]})
    # Then only the unexpired one is listed
    assert status == 200 and [m["text"] for m in body["items"]] == ["thank you"]

    # and once the conversation record is past its retention too, the conversation is unknown, as after the deletion
    time_machine.move_to(NOW + timedelta(days=7, seconds=1), tick=False)
    status, body, _ = get({"externalId": conv["guid"]})
    assert status == 404 and body["error"]["code"] == "404-01", body
    assert api.table.scan(Select="COUNT")["Count"] > 0  # still stored: the API alone hid them


def test_an_unknown_conversation_is_404_in_the_error_shape(api: AwsResources) -> None:
    status, body, _ = get({"externalId": "no-such-contact"})

    assert status == 404
    assert set(body["error"]) == {"requestId", "code", "message"} and body["error"]["requestId"]
    assert body["error"]["code"] == "404-01"
    assert (
        body["error"]["message"] == "externalId: no conversation 'no-such-contact' is known (never started, or expired)"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "externalId: is required"),
        ({"externalId": "c", "limit": "0"}, "limit: must be a whole number from 1 to 1000, got '0'"),
        ({"externalId": "c", "limit": "1001"}, "limit: must be a whole number from 1 to 1000, got '1001'"),
        ({"externalId": "c", "nextToken": "garbage!"}, "nextToken: not a token this API issued"),
        ({"externalId": "c", "pageSize": "10"}, "pageSize: is not a recognised field"),
    ],
    ids=["missing externalId", "limit 0", "limit 1001", "bad token", "unknown parameter"],
)
def test_bad_queries_are_400_naming_the_parameter(api: AwsResources, params: dict[str, str], message: str) -> None:
    status, body, _ = get(params)
    assert (status, body["error"]["code"]) == (400, "400-02")
    assert body["error"]["message"].startswith(message), body["error"]["message"]


def test_a_dynamodb_outage_is_503_with_retry_after(api: AwsResources, monkeypatch: pytest.MonkeyPatch) -> None:
    table = api_handler.messages()._reader._table  # type: ignore[attr-defined]

    def failing(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "Query")

    monkeypatch.setattr(table, "query", failing)
    status, body, headers = get({"externalId": "any"})
    assert (status, body["error"]["code"], headers.get("Retry-After")) == (503, "503-01", "1")


def test_each_listing_counts_in_the_get_messages_metric(api: AwsResources, capsys: pytest.CaptureFixture[str]) -> None:
    conv = started_conversation()
    capsys.readouterr()

    get({"externalId": conv["guid"]})

    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m["GetMessages"] for m in emitted if "GetMessages" in m] == [[1.0]]


def test_a_signed_get_over_loopback_http(api: AwsResources) -> None:
    # Given the API served by the local gateway that, like API Gateway with AWS_IAM, refuses unsigned requests
    conv = started_conversation()
    store_call(api, conv, 3)
    with LocalApiGateway(api_handler.handler, require_sigv4=True) as gateway:
        url = f"{gateway.url}{MESSAGES_PATH}?{urlencode({'externalId': conv['guid']})}"
        request = AWSRequest(method="GET", url=url)
        SigV4Auth(Credentials("testing", "testing", "testing"), "execute-api", "us-east-1").add_auth(request)

        unsigned = requests.get(url, timeout=5)
        signed = requests.get(url, headers=dict(request.headers.items()), timeout=5)

    # Then only the signed request is answered, with the messages
    assert unsigned.status_code == 403
    assert signed.status_code == 200
    assert [m["text"][:10] for m in signed.json()["items"]] == ["turn 00000", "turn 00001", "turn 00002"]


# -- call recordings -------------------------------------------------------------------------------------------------

RECORDINGS_BUCKET = "connect-transcribe-recordings"


@pytest.fixture
def recordings(api: AwsResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The API deployed with a recordings bucket (links valid 10 min); returns an S3 client on that bucket."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=RECORDINGS_BUCKET)
    monkeypatch.setenv("RECORDINGS_BUCKET", RECORDINGS_BUCKET)
    monkeypatch.setenv("RECORDING_LINK_SECONDS", "600")
    api_handler.settings.cache_clear()
    api_handler.messages.cache_clear()
    yield s3
    api_handler.settings.cache_clear()
    api_handler.messages.cache_clear()


def test_a_recorded_call_lists_a_link_to_its_recording_and_an_unrecorded_one_none(
    api: AwsResources, recordings: Any
) -> None:
    # Given two finished calls with messages: the first recorded (its WAV joined), the second only half-way (a
    # segment, no WAV yet)
    recorded, unrecorded = started_conversation(), started_conversation()
    store_call(api, recorded, 3)
    store_call(api, unrecorded, 3)
    recordings.put_object(Bucket=RECORDINGS_BUCKET, Key=recording_key(recorded["guid"]), Body=b"RIFF....WAVE")
    recordings.put_object(Bucket=RECORDINGS_BUCKET, Key=segment_key(unrecorded["guid"], 0), Body=b"\x00" * 64)

    # When the after-call API lists each
    status, body, _ = get({"externalId": recorded["guid"]})
    other_status, other, _ = get({"externalId": unrecorded["guid"]})

    # Then the recorded call's page links its WAV (SigV4, the bucket's regional host, valid the configured 600 s,
    # signed at the test's clock), beside the same messages
    assert status == 200 and set(body) == {"items", "recordingUrl"}
    assert [m["text"][:10] for m in body["items"]] == ["turn 00000", "turn 00001", "turn 00002"]
    link = urlsplit(body["recordingUrl"])
    assert (link.scheme, link.netloc, link.path) == (
        "https",
        f"{RECORDINGS_BUCKET}.s3.us-east-1.amazonaws.com",
        f"/recordings/{recorded['guid']}.wav",
    )
    query = {name: values[0] for name, values in parse_qs(link.query).items()}
    assert (query["X-Amz-Algorithm"], query["X-Amz-Expires"]) == ("AWS4-HMAC-SHA256", "600")
    assert query["X-Amz-Date"].startswith(NOW.strftime("%Y%m%dT%H"))
    # and the other call's page is exactly as without recordings: no recordingUrl key
    assert other_status == 200 and set(other) == {"items"} and len(other["items"]) == 3


def test_a_transfer_lists_each_recorded_legs_link_by_its_contact_id(api: AwsResources, recordings: Any) -> None:
    # Given a call transferred once: leg 1 (the first contact) and leg 2 both transcribed, only leg 2 recorded
    first = started_conversation()
    leg_two = start_body()
    leg_two["amazonConnectParams"] = {**leg_two["amazonConnectParams"], "initialContactId": first["guid"]}
    second = started_conversation(leg_two)
    store_call(api, first, 2)
    store_call(api, second, 2)
    recordings.put_object(Bucket=RECORDINGS_BUCKET, Key=recording_key(second["guid"]), Body=b"RIFF....WAVE")

    # When the API is asked by the first contact id
    status, page, _ = get({"externalId": first["guid"]})

    # Then leg 2's link is listed under its contact id, and there is no recordingUrl (leg 1 was not recorded)
    assert status == 200 and set(page) == {"items", "legRecordingUrls"}
    assert list(page["legRecordingUrls"]) == [second["guid"]]
    assert urlsplit(page["legRecordingUrls"][second["guid"]]).path == f"/recordings/{second['guid']}.wav"
    assert {m["contactId"] for m in page["items"]} == {first["guid"], second["guid"]}
