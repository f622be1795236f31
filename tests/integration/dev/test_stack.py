"""LocalDeployment's start: it returns once the media gateway worker takes jobs, and says so when the worker cannot;
the recordings bucket it creates, given to the API (recording links) and to the worker."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities import parameters
from connect_transcribe.models.recording import recording_key
from connect_transcribe_dev.stack import LocalDeployment

from tests.factories import start_body
from tests.integration.dev.local_up import environment


@pytest.fixture(autouse=True)
def _fresh_parameter_cache() -> None:
    parameters.clear_caches()  # see tests/e2e/conftest.py: the provider keeps the first stack's endpoint


def test_start_returns_once_the_worker_beats_and_stop_clears_its_liveness_file(tmp_path: Path) -> None:
    with LocalDeployment(worker_log=tmp_path / "worker.log") as stack:
        assert stack.worker is not None and stack.worker.poll() is None
        assert stack.health_file is not None and stack.health_file.is_file()
        stack.stop_worker()  # SIGTERM: the worker hands over, stops, and removes the file
        assert stack.worker.returncode == 0
        assert not stack.health_file.exists()


def test_a_worker_that_cannot_start_fails_the_start_with_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGINE", "no-such-engine")
    stack = LocalDeployment(worker_log=tmp_path / "worker.log")
    with pytest.raises(RuntimeError, match=r"worker exited with code 1 before it took jobs \(its log: .*worker.log\)"):
        stack.start()
    assert "no-such-engine" in (tmp_path / "worker.log").read_text()
    assert stack.worker is not None and stack.worker.poll() is not None


def test_the_recordings_bucket_is_the_workers_and_the_api_links_a_recording_stored_there(tmp_path: Path) -> None:
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64)
    with LocalDeployment(worker_log=tmp_path / "worker.log") as stack:
        # Given the local stack: its worker writes recordings to the bucket the endpoints name
        e = stack.endpoints
        assert stack.worker is not None
        assert environment(stack.worker.pid)["RECORDINGS_BUCKET"] == e.recordings_bucket
        # and a started conversation whose recording is stored there (as the worker joins it when the call ends)
        body = start_body()
        status, started = stack.api("POST", "/mg-autotranscribe/v1/start-streaming", body)
        assert status == 200, started
        s3 = boto3.client("s3", endpoint_url=e.aws_endpoint, region_name=e.region)
        s3.put_object(Bucket=e.recordings_bucket, Key=recording_key(body["guid"]), Body=wav)

        # When the messages API is asked for it
        status, listed = stack.api("GET", f"/conversation/v1/conversation/messages?externalId={body['guid']}")

        # Then the page links the recording on the local S3, and the link downloads it
        assert status == 200 and listed["recordingUrl"].startswith(f"{e.aws_endpoint}/{e.recordings_bucket}/")
        download = requests.get(listed["recordingUrl"], timeout=10)
        assert (download.status_code, download.content) == (200, wav)
