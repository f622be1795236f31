"""Small interfaces the media gateway depends on; adapters implement them for AWS and for local runs."""

from __future__ import annotations

from typing import IO, Protocol

from connect_transcribe.models.gateway import Checkpoint, Lease
from connect_transcribe.models.session import Conversation, ReceivedJob, SessionJob, StreamRecord
from connect_transcribe.models.utterance import InterimMessage, UtteranceMessage


class LeaseStore(Protocol):
    def acquire(self, guid: str, owner: str, *, now_ms: int, lease_ms: int) -> Lease | None:
        """Take the lease if it is free, expired or already ours; None if another live worker holds it."""
        ...

    def renew(
        self,
        guid: str,
        owner: str,
        *,
        now_ms: int,
        lease_ms: int,
        checkpoint: Checkpoint | None,
        counters: list[StreamRecord] | None = None,
        version: int = 0,
    ) -> bool:
        """Extend our lease (with the running counters the stop API reports) and save the checkpoint if one is given,
        as the owner of lease `version`; False if we no longer hold it."""
        ...

    def release(self, guid: str, owner: str, *, checkpoint: Checkpoint | None, version: int = 0) -> None:
        """Free our lease and save the checkpoint, atomically; nothing if another worker holds the lease."""
        ...

    def save_streams(self, streams: list[StreamRecord]) -> None:
        """Write the per-participant counters the stop API reports, when a run ends."""
        ...


class MessageStore(Protocol):
    """Where an utterance is stored before it is enqueued (adapters/dynamodb_gateway.py); the sink's first write."""

    def put_message(self, message: UtteranceMessage) -> None: ...


class UtteranceSink(Protocol):
    def publish(self, message: UtteranceMessage) -> None:
        """Store and enqueue one utterance; idempotent on utterance_id. Raises on failure."""
        ...

    def publish_interim(self, message: InterimMessage) -> None:
        """Enqueue one interim for delivery, behind the stream's earlier messages; never stored. Raises on failure."""
        ...


class ConversationReader(Protocol):
    def get(self, guid: str) -> Conversation | None: ...


class ConversationBatchReader(Protocol):
    """The supervisor's stop check: every running session's conversation in one request per pass, not one each."""

    def get_many(self, guids: list[str]) -> dict[str, Conversation]:
        """The conversations of `guids` that exist, read strongly consistent; raises if the store fails."""
        ...


class StopSignals(Protocol):
    """The control plane's per-worker signals: which sessions' conversations changed (stopped, paused)."""

    def take(self, worker_id: str) -> set[str]:
        """The sessions signalled to `worker_id` since the last take, removed as read; raises if the store fails."""
        ...


class JobSource(Protocol):
    def receive(self, max_jobs: int, wait_s: float) -> list[ReceivedJob]: ...

    def extend(self, receipt: str, seconds: int) -> None:
        """Keep the job invisible to other workers for `seconds` more (we are working on it)."""
        ...

    def retry_later(self, receipt: str, seconds: int) -> None:
        """Hand the job back: visible to any worker after `seconds` (0 = now)."""
        ...

    def delete(self, receipt: str) -> None: ...

    def resend(self, job: SessionJob) -> None:
        """Put a copy of the job on the queue (a message may stay in flight at most 12 hours)."""
        ...


class Metrics(Protocol):
    def count(self, name: str, value: float = 1) -> None: ...

    def observe(self, name: str, value: float, unit: str = "Milliseconds") -> None: ...


class Liveness(Protocol):
    """The worker's sign of life for the container health check (adapters/alive_file.py; gateway/health.py reads it)."""

    def beat(self) -> None: ...

    def clear(self) -> None: ...


class RecordingStore(Protocol):
    """Where call recordings are kept (adapters/s3_recordings.py; key layout in models/recording.py)."""

    def get_segment(self, guid: str, index: int) -> bytes | None:
        """The segment's interleaved stereo s16le PCM, or None if it was never written."""
        ...

    def put_segment(self, guid: str, index: int, pcm: bytes) -> None: ...

    def segment_indexes(self, guid: str) -> list[int]: ...

    def put_recording(self, guid: str, wav: IO[bytes]) -> None:
        """Store the joined WAV (replacing an earlier one), read from `wav` to its end."""
        ...
