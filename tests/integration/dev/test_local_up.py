"""`local up` as other tools drive it: `--json` (the endpoints, one object on stdout) and `--kvs-endpoint` (the worker
reads another KVS endpoint, or the real KVS of the developer's AWS credentials)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from connect_transcribe_dev import cli, demo
from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs
from connect_transcribe_dev.signed_api import call_api
from connect_transcribe_dev.stack import LocalDeployment, LocalModeError

from tests.integration.dev.local_up import RecordingProxy, environment, local_up_json, worker_of

START = "/mg-autotranscribe/v1/start-streaming"
STOP = "/mg-autotranscribe/v1/stop-streaming"
MESSAGES = "/conversation/v1/conversation/messages"
FIRST_SECONDS = 12  # of the sample call: an agent utterance, then a customer's


def start_body(contact_id: str, stream_arn: str) -> dict[str, object]:
    """What a script sends to transcribe a stream it knows (a Connect flow's Lambda sends the same)."""
    return {
        "namespace": "amazonconnect",
        "guid": contact_id,
        "customerId": "customer-1",
        "agentId": "agent-1",
        "amazonConnectParams": {"streamArn": stream_arn, "startSelectorType": "NOW"},
    }


def test_local_up_json_prints_the_endpoints_a_script_drives_a_call_through_on_another_kvs_endpoint(
    make_kvs: Callable[..., LocalKvs], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given another KVS-compatible endpoint (a second local KVS server), and `local up --json` pointed at it
    other_kvs = make_kvs(idle_close_s=5.0)
    with local_up_json("--kvs-endpoint", other_kvs.endpoint_url, tmp_path=tmp_path) as up:
        e = up.endpoints
        assert (e.kvs_source, e.kvs_endpoint, e.region) == ("url", other_kvs.endpoint_url, "us-east-1")
        assert e.worker_log == str(tmp_path / "worker.log") and (tmp_path / "worker.log").is_file()
        assert e.control_url is not None
        assert requests.get(e.control_url, timeout=5).json() == e.model_dump(mode="json", by_alias=True)
        stand_ins = boto3.Session(
            aws_access_key_id=e.aws_access_key_id,
            aws_secret_access_key=e.aws_secret_access_key,
            aws_session_token=e.aws_session_token,
            region_name=e.region,
        )
        assert stand_ins.client("dynamodb", endpoint_url=e.aws_endpoint).describe_table(TableName=e.table_name)
        status, _ = call_api("POST", f"{e.file_exporter_url}/static/listfeeds", {}, region=e.region)
        assert status == 200

        # When a call streams into that endpoint, and a script starts and stops its transcription through the API
        contact_id = f"kvs-endpoint-{uuid.uuid4()}"
        customer, agent = demo.load_call(demo.SAMPLE_CALL)
        cut = FIRST_SECONDS * 8000 * 2
        arn = other_kvs.create_stream(f"connect-contact-{contact_id}")
        producer = KvsProducer(other_kvs.stream(arn), contact_id=contact_id, speed=4.0)
        producer.start(customer[:cut], agent[:cut])
        assert producer.started.wait(10)
        status, started = call_api("POST", f"{e.api_url}{START}", start_body(contact_id, arn), region=e.region)
        assert status == 200, started
        assert producer.done.wait(30)
        stop = {"namespace": "amazonconnect", "guid": contact_id}
        status, stopped = call_api("POST", f"{e.api_url}{STOP}", stop, region=e.region)
        assert status == 200, stopped

        # Then the worker read the call from that endpoint, and its transcript arrives
        assert [call["status"] for call in other_kvs.get_media_log if call["stream"] == f"connect-contact-{contact_id}"]
        assert wait_for_messages(e.api_url, contact_id)

        # and `local play`, which can only stream into the bundled KVS server, says so
        assert demo.play(demo.SAMPLE_CALL, control_port=int(e.control_url.rsplit(":", 1)[1])) == 1
        assert "without --kvs-endpoint" in capsys.readouterr().out
    people = up.stderr.read_text()
    assert "KVS endpoint        " + other_kvs.endpoint_url in people and "local play is off" in people


def test_kvs_endpoint_aws_has_the_worker_read_real_kvs_with_the_developer_credentials_and_the_rest_local(
    tmp_path: Path,
) -> None:
    # Given a developer's AWS configuration (AWS is not reachable from the tests: an HTTPS proxy records where the
    # worker goes instead)
    with RecordingProxy() as proxy:
        developer = {
            **os.environ,
            "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "AKIADEVELOPER",
            "AWS_SECRET_ACCESS_KEY": "developer-secret",
            "AWS_SESSION_TOKEN": "developer-token",
            "HTTPS_PROXY": proxy.url,
        }

        # When `local up --kvs-endpoint aws` runs
        with local_up_json("--kvs-endpoint", "aws", tmp_path=tmp_path, env=developer) as up:
            e = up.endpoints
            assert (e.kvs_source, e.kvs_endpoint, e.region) == ("aws", None, "eu-west-1")

            # Then its worker has the developer's credentials and no endpoint for KVS, only for DynamoDB, SQS and S3
            worker = environment(worker_of(up.process.pid))
            assert (worker["AWS_ACCESS_KEY_ID"], worker["AWS_SECRET_ACCESS_KEY"], worker["AWS_SESSION_TOKEN"]) == (
                "AKIADEVELOPER",
                "developer-secret",
                "developer-token",
            )
            assert "AWS_ENDPOINT_URL" not in worker and "KVS_ENDPOINT_URL" not in worker
            assert worker["AWS_ENDPOINT_URL_DYNAMODB"] == worker["AWS_ENDPOINT_URL_SQS"] == e.aws_endpoint
            # and S3, where it writes call recordings (the local recordings bucket)
            assert (worker["AWS_ENDPOINT_URL_S3"], worker["RECORDINGS_BUCKET"]) == (e.aws_endpoint, e.recordings_bucket)
            assert worker["AWS_REGION"] == "eu-west-1"

            # and transcribing a Connect call's stream takes the job from the local queue, then asks the real KVS
            # of the developer's region for it
            arn = "arn:aws:kinesisvideo:eu-west-1:123456789012:stream/connect-contact-1/1700000000000"
            status, started = call_api("POST", f"{e.api_url}{START}", start_body("aws-1", arn), region=e.region)
            assert status == 200, started
            proxy.wait_for("CONNECT kinesisvideo.eu-west-1.amazonaws.com:443")
    assert "Kinesis Video Streams in eu-west-1, with your AWS credentials" in up.stderr.read_text()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("localhost:4567", "the scheme must be http or https"),
        ("ftp://127.0.0.1:4567", "the scheme must be http or https"),
        ("http://", "it has no host"),
        ("http://127.0.0.1:99999", "its port is not a number"),
        ("http://127.0.0.1:4567/?stream=1", "no query or fragment"),
    ],
)
def test_a_malformed_kvs_endpoint_is_refused_before_anything_starts(
    value: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["local", "up", "--kvs-endpoint", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"--kvs-endpoint must be 'aws' or an http(s) URL such as http://127.0.0.1:4567, not {value!r}" in err
    assert problem in err
    with pytest.raises(LocalModeError, match=problem):
        LocalDeployment(kvs_endpoint=value)


def test_kvs_endpoint_aws_without_a_region_says_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    assert cli.main(["local", "up", "--kvs-endpoint", "aws", "--worker-log", str(tmp_path / "worker.log")]) == 2
    assert "--kvs-endpoint aws needs a region: set AWS_REGION" in capsys.readouterr().err


def wait_for_messages(api_url: str, contact_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """The after-call transcript (messages API) once it holds something, or nothing at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = call_api("GET", f"{api_url}{MESSAGES}?externalId={contact_id}", region="us-east-1")
        items = body.get("items", []) if status == 200 else []
        if items or time.monotonic() > deadline:
            return items
        time.sleep(0.5)
