"""Stop signals on moto (adapters/dynamodb_stop_signals.py): a signal reaches the mailbox of the lease's owner, is
taken once, survives a take that raced with it, and goes nowhere when nobody holds the lease."""

from __future__ import annotations

from typing import Any

from connect_transcribe.adapters.dynamodb_gateway import DynamoDbGatewayStore
from connect_transcribe.adapters.dynamodb_stop_signals import MAILBOX_TTL_S, DynamoDbStopSignals, mailbox_key

from tests.conftest import AwsResources

NOW_S = 1_800_000_000


def signals(aws: AwsResources) -> DynamoDbStopSignals:
    return DynamoDbStopSignals(aws.table, now_s=lambda: NOW_S)


def test_a_signal_reaches_the_lease_owner_once(aws: AwsResources) -> None:
    leases = DynamoDbGatewayStore(aws.table)
    assert leases.acquire("g-1", "worker-a", now_ms=0, lease_ms=20_000) is not None
    assert leases.acquire("g-2", "worker-b", now_ms=0, lease_ms=20_000) is not None
    s = signals(aws)
    s.notify("g-1")
    s.notify("g-2")
    s.notify("g-1")  # a repeated stop: one entry
    assert s.take("worker-a") == {"g-1"}
    assert s.take("worker-a") == set()  # taken once
    assert s.take("worker-b") == {"g-2"}
    item = aws.table.get_item(Key=mailbox_key("worker-a"))["Item"]
    assert int(item["expiresAt"]) == NOW_S + MAILBOX_TTL_S  # a dead worker's mailbox expires


def test_nobody_holding_the_lease_means_no_signal(aws: AwsResources) -> None:
    leases = DynamoDbGatewayStore(aws.table)
    s = signals(aws)
    s.notify("never-taken")
    assert leases.acquire("g-1", "worker-a", now_ms=0, lease_ms=20_000) is not None
    leases.release("g-1", "worker-a", checkpoint=None)
    s.notify("g-1")  # released (handed over): the next owner reads the conversation when it takes the lease
    assert aws.table.scan()["Items"] == [aws.table.get_item(Key={"pk": "CONV#g-1", "sk": "LEASE"})["Item"]]


def test_a_signal_sent_during_a_take_is_kept_for_the_next(aws: AwsResources, monkeypatch: Any) -> None:
    leases = DynamoDbGatewayStore(aws.table)
    for guid in ("g-1", "g-2"):
        assert leases.acquire(guid, "worker-a", now_ms=0, lease_ms=20_000) is not None
    s = signals(aws)
    s.notify("g-1")
    read = aws.table.get_item

    def read_then_signal(**kwargs: Any) -> Any:
        found = read(**kwargs)
        monkeypatch.setattr(aws.table, "get_item", read)
        s.notify("g-2")  # lands between the take's read and its delete
        return found

    monkeypatch.setattr(aws.table, "get_item", read_then_signal)
    assert s.take("worker-a") == {"g-1"}
    assert s.take("worker-a") == {"g-2"}
