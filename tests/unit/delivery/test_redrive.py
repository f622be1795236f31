"""DLQ redrive logic on in-memory queues: stream order when a send fails, dry runs, de-duplication ids."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from connect_transcribe.delivery.ports import MessageAttribute, QueuedLetter, QueueSendFailed
from connect_transcribe.delivery.redrive import MAX_DEDUP_ID, redrive_dedup_id, redrive_dlq


def letter(n: int, group: str | None = "stream-a", **attributes: str) -> QueuedLetter:
    return QueuedLetter(
        message_id=f"m-{n}",
        receipt=f"r-{n}",
        body=f"secret words {n}",
        group_id=group,
        dedup_id=f"u-{n}",
        attributes={name: MessageAttribute("String", value) for name, value in attributes.items()},
    )


@dataclass
class Dlq:
    letters: list[QueuedLetter]
    url: str = "dlq.fifo"
    deleted: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)

    def receive(self, max_messages: int) -> list[QueuedLetter]:
        batch, self.letters = self.letters[:max_messages], self.letters[max_messages:]
        return batch

    def delete(self, letters: list[QueuedLetter]) -> None:
        self.deleted += [m.receipt for m in letters]

    def release(self, letters: list[QueuedLetter]) -> None:
        self.released += [m.receipt for m in letters]

    def depth(self) -> int:
        return len(self.letters)


@dataclass
class Queue:
    refuse: set[str] = field(default_factory=set)  # bodies the queue refuses
    url: str = "utterances.fifo"
    fifo: bool = True
    sent: list[tuple[str, dict[str, str | None], str | None, str | None]] = field(default_factory=list)

    def send(
        self,
        body: str,
        attributes: Mapping[str, MessageAttribute],
        *,
        group_id: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        if body in self.refuse:
            raise QueueSendFailed("ClientError: throttled")
        self.sent.append((body, {k: v.string_value for k, v in attributes.items()}, group_id, dedup_id))


def test_a_message_that_cannot_be_moved_holds_back_its_stream_but_not_the_others() -> None:
    # Given two streams on the DLQ, and a queue that refuses the first message of stream a
    dlq = Dlq([letter(1), letter(2, "stream-b"), letter(3), letter(4, "stream-b")])
    queue = Queue(refuse={"secret words 1"})

    # When they are redriven
    summary = redrive_dlq(dlq, queue, out=lambda line: None)

    # Then stream b moved, stream a stayed on the DLQ behind its failed message, and the failure is reported
    assert [body for body, *_ in queue.sent] == ["secret words 2", "secret words 4"]
    assert dlq.deleted == ["r-2", "r-4"]
    assert (summary.moved, summary.failed) == (2, [{"messageId": "m-1", "error": "ClientError: throttled"}])


def test_the_error_attributes_stay_behind_and_the_stream_and_a_fresh_dedup_id_go_along() -> None:
    dlq = Dlq([letter(1, utteranceId="u-1", lastError="HTTP 400 from the webhook", attempts="1")])
    queue = Queue()

    redrive_dlq(dlq, queue, out=lambda line: None)

    assert queue.sent == [("secret words 1", {"utteranceId": "u-1"}, "stream-a", "u-1-redrive-m-1")]


def test_a_dry_run_lists_without_bodies_moves_nothing_and_releases_what_it_saw() -> None:
    dlq = Dlq([letter(1, lastError="timeout"), letter(2, "stream-b")])
    queue, lines = Queue(), []

    summary = redrive_dlq(dlq, queue, dry_run=True, out=lines.append)

    assert [json.loads(line) for line in lines] == [
        {"messageId": "m-1", "groupId": "stream-a", "lastError": "timeout"},
        {"messageId": "m-2", "groupId": "stream-b"},
    ]
    assert not any("secret words" in line for line in lines)
    assert queue.sent == [] and dlq.deleted == []
    assert dlq.released == ["r-1", "r-2"]
    assert (summary.listed, summary.moved) == (2, 0)


def test_a_fifo_queue_refuses_a_message_without_a_stream() -> None:
    summary = redrive_dlq(Dlq([letter(1, group=None)]), Queue(), out=lambda line: None)

    assert summary.failed == [
        {"messageId": "m-1", "error": "no MessageGroupId to send to a FIFO queue (the DLQ is not FIFO)"}
    ]


def test_the_redrive_dedup_id_is_stable_per_dlq_message_and_never_too_long() -> None:
    once = letter(1)
    again = QueuedLetter("m-2", "r-2", "b", "stream-a", dedup_id=redrive_dedup_id(once))  # redriven, dead again

    assert redrive_dedup_id(once) == redrive_dedup_id(once) == "u-1-redrive-m-1"
    assert redrive_dedup_id(again) == "u-1-redrive-m-2"
    assert len(redrive_dedup_id(QueuedLetter("m-3", "r-3", "b", dedup_id="x" * 128))) == MAX_DEDUP_ID
