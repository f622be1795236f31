"""The DynamoDB store enforces the state machine with conditional writes (moto)."""

from __future__ import annotations

import pytest
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
