"""The heartbeat renews the lease every time and saves the checkpoint at most every `checkpoint_every_s`, and only
when it changed: DynamoDB bills a write by the item's size, and the checkpoint is the large item."""

from __future__ import annotations

from connect_transcribe.gateway.session import Session, SessionDeps, SessionSettings
from connect_transcribe.models.gateway import Checkpoint

from tests.unit.gateway.test_session_publish import FakeConversations, FakeLeases, ListMetrics, job


def test_the_checkpoint_rides_a_heartbeat_at_most_every_interval_and_only_when_changed() -> None:
    now = [1_000.0]
    leases = FakeLeases()
    session = Session(
        job("g-1"),
        SessionDeps(
            worker_id="worker-1",
            leases=leases,
            conversations=FakeConversations(),
            record_event=lambda *_: None,
            media=None,  # type: ignore[arg-type]  # the heartbeat reads no media
            engine=None,  # type: ignore[arg-type]
            sink=None,  # type: ignore[arg-type]
            metrics=ListMetrics(),
            monotonic=lambda: now[0],
        ),
        SessionSettings(checkpoint_every_s=15.0),
    )
    first, second = Checkpoint(generation=1, origin_ts_ms=1), Checkpoint(generation=1, origin_ts_ms=2)

    def beat(after_s: float, holding: Checkpoint) -> Checkpoint | None:
        now[0] += after_s
        session._checkpoint = holding  # what a running session holds as it reads
        assert session.heartbeat()
        return leases.renewed[-1]

    assert beat(0, first) == first  # the first heartbeat saves it
    assert beat(5, first) is None  # unchanged
    assert beat(5, second) is None  # changed, but 10 s since the last save
    assert beat(5, second) == second  # 15 s
    assert beat(5, second) is None
    assert beat(30, second) is None  # unchanged however long: the lease alone is renewed
    assert len(leases.renewed) == 6  # every heartbeat renewed the lease
