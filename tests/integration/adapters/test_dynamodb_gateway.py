"""The gateway's DynamoDB state (moto): one owner per session, checkpoints, counters, idempotent messages."""

from __future__ import annotations

import boto3
import pytest
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.kvs import assumed_role_session
from connect_transcribe.models.api import Role
from connect_transcribe.models.gateway import Checkpoint, StreamCheckpoint
from connect_transcribe.models.session import SessionState
from connect_transcribe.models.utterance import UtteranceMessage, utterance_id
from moto import mock_aws

from tests.conftest import AwsResources


@pytest.fixture
def store(aws: AwsResources) -> DynamoDbGatewayStore:
    return DynamoDbGatewayStore(aws.table)


def checkpoint(sequence: int) -> Checkpoint:
    return Checkpoint(generation=1, origin_ts_ms=5, streams={Role.AGENT: StreamCheckpoint(sequence=sequence)})


def test_one_worker_owns_a_session_until_its_lease_expires(store: DynamoDbGatewayStore) -> None:
    assert store.acquire("g", "a", now_ms=1_000, lease_ms=20_000) is not None
    assert store.acquire("g", "b", now_ms=2_000, lease_ms=20_000) is None
    assert store.acquire("g", "a", now_ms=3_000, lease_ms=20_000) is not None  # re-entrant for its owner
    # When a's lease lapses, b takes over and a can no longer renew
    taken = store.acquire("g", "b", now_ms=23_001, lease_ms=20_000)
    assert taken is not None and taken.owner == "b"
    assert store.renew("g", "a", now_ms=23_002, lease_ms=20_000, checkpoint=checkpoint(9)) is False


def test_the_checkpoint_travels_with_the_lease(store: DynamoDbGatewayStore) -> None:
    store.acquire("g", "a", now_ms=0, lease_ms=1_000)
    assert store.renew("g", "a", now_ms=500, lease_ms=1_000, checkpoint=checkpoint(4))
    store.release("g", "a", checkpoint=checkpoint(5))
    lease = store.acquire("g", "b", now_ms=600, lease_ms=1_000)  # released: free at once
    assert lease is not None and lease.checkpoint == checkpoint(5)


def test_releasing_someone_elses_lease_changes_nothing(store: DynamoDbGatewayStore) -> None:
    store.acquire("g", "a", now_ms=0, lease_ms=1_000)
    store.release("g", "b", checkpoint=checkpoint(1))
    lease = store.lease("g")
    assert lease is not None and lease.owner == "a" and lease.checkpoint is None


def message(text: str) -> UtteranceMessage:
    return UtteranceMessage(
        utterance_id=utterance_id("g", "s", 1),
        guid="g",
        namespace="amazonconnect",
        generation=1,
        stream_id="s",
        role=Role.AGENT,
        external_id="agent",
        sequence=1,
        start_ms=0,
        end_ms=10,
        text=text,
        language="en-US",
        audio_timestamp_ms=10,
        published_at_ms=1_700_000_000_000,
    )


def test_messages_are_stored_once_per_utterance(store: DynamoDbGatewayStore, aws: AwsResources) -> None:
    store.put_message(message("first"))
    store.put_message(message("replayed after a takeover"))
    assert [m.text for m in store.messages("g")] == ["first"]
    item = next(i for i in aws.items() if i["sk"].startswith("MSG#"))
    assert item["createdDay"] == "2023-11-14" and item["expiresAt"] > 1_700_000_000


def test_cross_account_session_uses_assumed_role_credentials() -> None:
    with mock_aws():
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="kvs-reader", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        session = assumed_role_session(role, "external-id-1", region="us-east-1")
        credentials = session.get_credentials()
        assert credentials is not None
        assert credentials.access_key.startswith("ASIA")  # temporary credentials from sts:AssumeRole


def test_the_stop_check_reads_many_conversations_in_batches_of_100(aws: AwsResources) -> None:
    from connect_transcribe.adapters.dynamodb_store import conversation_item

    from tests.integration.gateway.test_stop_signal import conversation

    # Given 130 conversations, one of them stopping
    guids = [f"g-{i:03d}" for i in range(130)]
    for guid in guids:
        stopping = guid == "g-120"
        state = SessionState.STOPPING if stopping else SessionState.STREAMING
        aws.table.put_item(Item=conversation_item(conversation(guid, state, stop_at_ms=7 if stopping else None)))
    calls: list[int] = []
    aws.table.meta.client.meta.events.register(
        "provide-client-params.dynamodb.BatchGetItem",
        lambda params, **_: calls.append(sum(len(t["Keys"]) for t in params["RequestItems"].values())),
    )
    # When the worker reads them (plus a guid that has no conversation, and a duplicate)
    found = DynamoDbGatewayStore(aws.table).get_many([*guids, "missing", "g-000"])
    # Then two requests read them all (DynamoDB takes at most 100 keys per call), and the stop is there
    assert calls == [100, 31]
    assert sorted(found) == guids
    assert found["g-120"].state is SessionState.STOPPING and found["g-120"].stop_requested_at_ms == 7


def test_the_checkpoint_has_an_item_of_its_own_so_renewals_stay_small(
    store: DynamoDbGatewayStore, aws: AwsResources
) -> None:
    lease = store.acquire("g", "a", now_ms=0, lease_ms=20_000)
    assert lease is not None
    big = Checkpoint(generation=1, streams={Role.AGENT: StreamCheckpoint(vad_state="A" * 3_000)})
    assert store.renew("g", "a", now_ms=1, lease_ms=20_000, checkpoint=big, version=lease.version)
    assert store.renew("g", "a", now_ms=2, lease_ms=20_000, checkpoint=None, version=lease.version)
    items = {i["sk"]: i for i in aws.items() if i["pk"] == "CONV#g"}
    assert "checkpoint" not in items["LEASE"]  # what every heartbeat rewrites: well under 1 KB
    assert items["CHECKPOINT"]["leaseVersion"] == lease.version
    assert store.lease("g").checkpoint == big


def test_an_older_owners_checkpoint_never_replaces_a_newer_owners(store: DynamoDbGatewayStore) -> None:
    old = store.acquire("g", "a", now_ms=0, lease_ms=1_000)
    new = store.acquire("g", "b", now_ms=5_000, lease_ms=20_000)  # a's lease lapsed: b holds version 2
    assert old is not None and new is not None and new.version > old.version
    assert store.renew("g", "b", now_ms=5_001, lease_ms=20_000, checkpoint=checkpoint(7), version=new.version)
    # a still believes it owns the session: its renewal fails on the lease, and it writes no checkpoint
    assert not store.renew("g", "a", now_ms=5_002, lease_ms=1_000, checkpoint=checkpoint(3), version=old.version)
    # nor can a release (atomic with the owner check) carry its checkpoint over b's
    store.release("g", "a", checkpoint=checkpoint(2), version=old.version)
    assert store.lease("g").checkpoint == checkpoint(7)


def test_a_checkpoint_stored_on_the_lease_item_before_the_split_is_still_read(
    store: DynamoDbGatewayStore, aws: AwsResources
) -> None:
    # a session a worker of the previous release checkpointed, taken over during the deploy
    aws.table.put_item(
        Item={"pk": "CONV#g", "sk": "LEASE", "leaseExpiresAt": 0, "checkpoint": checkpoint(4).model_dump_json()}
    )
    lease = store.acquire("g", "b", now_ms=1, lease_ms=20_000)
    assert lease is not None and lease.checkpoint == checkpoint(4)
    assert store.renew("g", "b", now_ms=2, lease_ms=20_000, checkpoint=checkpoint(5), version=lease.version)
    assert store.lease("g").checkpoint == checkpoint(5)  # its own item wins from then on
