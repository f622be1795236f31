"""What the media gateway keeps per conversation: who owns it (lease) and where to resume (checkpoint)."""

from __future__ import annotations

from connect_transcribe.models.api import Role
from connect_transcribe.models.session import StoredModel


class StreamCheckpoint(StoredModel):
    """A participant's position: everything before `resume_ts_ms` is settled (published or silence)."""

    resume_ts_ms: int | None = None  # producer timestamp of the first frame still to feed; None = nothing read yet
    vad_state: str | None = None  # base64: the VAD's exact state at the resume frame
    floor_samples: int = 0  # within the resume frame: no utterance starts before this sample
    context: str | None = None  # the last published text (as stored): the next decode's context
    sequence: int = 0  # utterances published before the resume point
    audio_bytes: int = 0  # audio read before the resume point (all generations)
    audio_ms: int = 0


class Checkpoint(StoredModel):
    generation: int
    origin_ts_ms: int | None = None  # producer timestamp of the conversation's first audio: time 0 of start/end
    contact_id: str | None = None  # the ContactId tag the stream carried when we started reading it
    fragment_ts_ms: int | None = None  # producer timestamp of the fragment holding the earliest resume point
    continuation_token: str | None = None
    streams: dict[Role, StreamCheckpoint] = {}
    finished: bool = False  # this generation's media was fully processed (drained, ended or failed)
    # call recording (gateway/call_recording.py): the first segment not known to be written; a takeover reads KVS
    # again from its start. None: nothing recorded is pending.
    recording_segment: int | None = None

    def stream(self, role: Role) -> StreamCheckpoint:
        return self.streams.get(role) or StreamCheckpoint()


class Lease(StoredModel):
    guid: str
    owner: str | None  # worker id; None = released
    expires_at_ms: int
    version: int = 0
    checkpoint: Checkpoint | None = None
