"""The DynamoDB store enforces the state machine with conditional writes (moto)."""

from __future__ import annotations

import pytest
from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.dynamodb_store import DynamoDbConversationStore
from connect_transcribe.errors import AlreadyExists, StaleWrite
from connect_transcribe.models.api import AutotranscribeParams, Role, StartSelectorType
from connect_transcribe.models.session import Conversation, SessionState, StartSelector, StreamRecord

from tests.conftest import AwsResources
from tests.factories import STREAM_ARN


def conversation(**changes: object) -> Conversation:
    base = Conversation(
        guid="c-1",
        namespace="amazonconnect",
        state=SessionState.STARTING,
        customer_id="cust",
        agent_id="agent",
        customer_stream_id="s-c",
        agent_stream_id="s-a",
        stream_arn=STREAM_ARN,
        start_selector=StartSelector(type=StartSelectorType.NOW),
        settings=AutotranscribeParams(),
        created_at_ms=1,
        updated_at_ms=1,
        active_since_ms=1,
        expires_at=2_000_000_000,
    )
    return base.model_copy(update=changes)


@pytest.fixture
def store(aws: AwsResources) -> DynamoDbConversationStore:
    return DynamoDbConversationStore(aws.table)


def streams() -> list[StreamRecord]:
    return [
        StreamRecord(guid="c-1", role=Role.CUSTOMER, stream_id="s-c"),
        StreamRecord(guid="c-1", role=Role.AGENT, stream_id="s-a"),
    ]


def test_round_trip_keeps_every_field(store: DynamoDbConversationStore) -> None:
    conv = conversation()
    store.create(conv, streams())
    assert store.get("c-1") == conv
    assert sorted(s.role for s in store.streams("c-1")) == ["agent", "customer"]


def test_second_create_of_the_same_guid_is_refused_atomically(store: DynamoDbConversationStore, aws) -> None:
    store.create(conversation(), streams())
    with pytest.raises(AlreadyExists):
        store.create(conversation(customer_stream_id="other"), streams())
    assert store.get("c-1").customer_stream_id == "s-c"
    assert len(aws.items()) == 3


def test_replace_requires_the_version_and_state_that_were_read(store: DynamoDbConversationStore) -> None:
    conv = conversation()
    store.create(conv, streams())
    stopping = conv.model_copy(update={"state": SessionState.STOPPING, "version": 2})
    store.replace(stopping, expected_version=1, expected_state=SessionState.STARTING)

    # a second writer that read version 1 loses, whatever it wanted to do
    with pytest.raises(StaleWrite):
        store.replace(
            conv.model_copy(update={"state": SessionState.STREAMING, "version": 2}),
            expected_version=1,
            expected_state=SessionState.STARTING,
        )
    # right version but a state it did not read also loses
    with pytest.raises(StaleWrite):
        store.replace(
            stopping.model_copy(update={"version": 3}), expected_version=2, expected_state=SessionState.STREAMING
        )
    assert store.get("c-1").state is SessionState.STOPPING


def test_unknown_guid_reads_as_none(store: DynamoDbConversationStore) -> None:
    assert store.get("missing") is None
    assert store.streams("missing") == []


def test_the_stop_summary_takes_the_running_counters_on_the_lease_when_they_are_ahead(
    store: DynamoDbConversationStore, aws: AwsResources
) -> None:
    store.create(conversation(), streams())
    leases = DynamoDbGatewayStore(aws.table)
    assert leases.acquire("c-1", "worker-a", now_ms=0, lease_ms=20_000) is not None

    def counters(ms: int, transcripts: int) -> list[StreamRecord]:
        return [
            StreamRecord(
                guid="c-1",
                role=role,
                stream_id=sid,
                total_audio_bytes=ms * 16,
                audio_duration_ms=ms,
                transcripts=transcripts,
            )
            for role, sid in ((Role.CUSTOMER, "s-c"), (Role.AGENT, "s-a"))
        ]

    # a running worker's renewal carries its counters: the summary reports them, not the zeros written at start
    assert leases.renew("c-1", "worker-a", now_ms=1, lease_ms=20_000, checkpoint=None, counters=counters(4_000, 2))
    assert {(s.role, s.audio_duration_ms, s.transcripts) for s in store.streams("c-1")} == {
        (Role.CUSTOMER, 4_000, 2),
        (Role.AGENT, 4_000, 2),
    }
    # the run ends (its final counters stored): those are ahead of the last renewal's and win
    leases.save_streams(counters(5_500, 3))
    assert {s.audio_duration_ms for s in store.streams("c-1")} == {5_500}
    assert {s.total_audio_bytes for s in store.streams("c-1")} == {88_000}
