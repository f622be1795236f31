"""The whole product on one machine: a two-party call played into the local KVS as Connect streams it, through the
flow Lambdas, the media gateway worker process and webhook delivery, to the receiver and the after-call API."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime

import requests
from connect_transcribe_dev.stack import LocalDeployment

from bench.speech.reference import Call
from tests.e2e.conftest import SPEED, api_transcript, check_against_reference, check_same_as_api, finish


def test_a_call_reaches_the_webhook_live_and_the_after_call_api_as_spoken(stack: LocalDeployment, call: Call) -> None:
    # Given the local stack and the sample call streaming into a new KVS stream
    # When the flow starts streaming (connect_start), the call plays to its end and the flow stops (connect_stop)
    call_began = datetime.now(UTC)
    played = stack.play(call.pcm("customer"), call.pcm("agent"), speed=SPEED)
    call_ended_at = time.time()
    transcripts = finish(stack, played)

    # Then the flow Lambdas answered as the flow expects
    assert played.start["status"] == "ok" and played.stop is not None and played.stop["status"] == "ok"
    streams = {"customer": played.start["customerStreamId"], "agent": played.start["agentStreamId"]}
    # and every reference utterance reached the webhook with its role, times within 300 ms and text within the bar,
    # on the stream ids connect_start returned
    check_against_reference(transcripts, call)
    assert all(t.stream_id == streams[t.role] for t in transcripts)
    # live (during the call, not after it), signed, once each, in sequence order per stream
    deliveries = stack.receiver.received
    # (the stack starts once its worker takes jobs, so the worker's start-up is not in this; the first utterance
    # ends 2.2 s into the 7.8 s playback and arrives about 0.6 s later on an idle machine)
    first_at = min(r.arrived_at for r in deliveries)
    assert first_at < call_ended_at, f"the first transcript arrived {first_at - call_ended_at:.2f} s after the call"
    assert all(r.signature_ok for r in deliveries)
    assert stack.receiver.duplicates == 0 and stack.receiver.refused == 0
    for role in streams:
        arrived = [t.sequence for t in transcripts if t.role == role]
        assert arrived == sorted(arrived)
    # and the after-call API returns the same messages, in the order they were spoken
    check_same_as_api(transcripts, stack, played.contact_id)
    starts = [t.start_ms for t in api_transcript(stack, played.contact_id)]
    assert starts == sorted(starts)

    # and a repeated stop reports each participant's whole audio and transcript count
    summary = stack.stop_summary(played.contact_id)
    assert summary["isOk"] is True
    for role, stream_id in streams.items():
        participant = summary["autotranscribeResponse"][role]
        assert participant["streamId"] == stream_id
        assert participant["status"]["code"] == 1000
        assert participant["summary"]["totalAudioBytes"] == len(call.pcm(role))
        assert participant["summary"]["audioDurationMs"] == call.duration_ms
        assert participant["summary"]["transcripts"] == len([t for t in transcripts if t.role == role])

    # and an on-demand File Exporter run puts exactly those utterances in the batch feed, with a working link
    feed = exported_rows(stack, call_began)
    assert sorted(r["utterance_id"] for r in feed) == sorted(t.utterance_id for t in transcripts)
    webhook_text = {t.utterance_id: t.text for t in transcripts}
    assert all(r["text"] == webhook_text[r["utterance_id"]] and r["conversation_id"] == played.contact_id for r in feed)


def exported_rows(stack: LocalDeployment, since: datetime) -> list[dict]:
    """Exports [since, now] through the File Exporter API, then downloads every JSON Lines file it lists."""
    state = stack.export_feed(since)
    assert state["status"] == "SUCCEEDED", state
    rows: list[dict] = []
    for day in sorted({since.date().isoformat(), datetime.now(UTC).date().isoformat()}):
        for url in stack.feed_links(day).values():
            body = requests.get(url, timeout=10)
            assert body.status_code == 200
            rows += [json.loads(line) for line in gzip.decompress(body.content).splitlines()]
    assert state["result"]["rows"] == len(rows)
    return rows
