"""Interim results through the whole local stack: the sample call with the deployment default on, transcript-interim
messages reaching the receiver while the call plays, each before its final and conforming to the documented schema,
and nothing interim in the after-call API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities import parameters
from connect_transcribe_dev.stack import LocalDeployment

from bench.speech.reference import Call
from tests.e2e.conftest import SPEED, api_transcript, check_against_reference, finish
from tests.webhook_schema import schema_errors


@pytest.fixture
def interim_stack(tmp_path: Path) -> Iterator[LocalDeployment]:
    parameters.clear_caches()
    try:
        with LocalDeployment(end_of_stream_s=3.0, worker_log=tmp_path / "worker.log", interim_results=True) as stack:
            yield stack
    finally:
        parameters.clear_caches()


def test_interims_arrive_live_before_their_finals_and_stay_out_of_the_after_call_api(
    interim_stack: LocalDeployment, call: Call
) -> None:
    stack = interim_stack
    played = stack.play(call.pcm("customer"), call.pcm("agent"), speed=SPEED)
    transcripts = finish(stack, played)

    # the finals are what they are without interims
    check_against_reference(transcripts, call)
    finals = {r.body["utteranceId"]: r for r in stack.receiver.received}
    interims = stack.receiver.interims
    assert len(interims) >= 5, f"only {len(interims)} interims for a 31 s call"
    for item in interims:
        body = item.body
        assert schema_errors(body) == [], schema_errors(body)
        assert item.signature_ok
        assert item.headers["Idempotency-Key"] == f"{body['utteranceId']}/interim/{body['revision']}"
        final = finals.get(body["utteranceId"])
        if final is not None:  # (an interim of noise the final's filter then dropped has no final)
            assert item.arrived_at <= final.arrived_at, "an interim arrived after its final"
            assert final.body["sequence"] == body["sequence"] and final.body["streamId"] == body["streamId"]
    assert sum(body["utteranceId"] in finals for body in (i.body for i in interims)) >= len(interims) * 0.8
    # the after-call API lists the finals only
    assert {t.utterance_id for t in api_transcript(stack, played.contact_id)} == set(finals)
