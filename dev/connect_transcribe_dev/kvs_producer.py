"""Play call audio into a local KVS stream the way Amazon Connect does: two named 8 kHz PCM tracks in ~64 ms
blocks, ~1 s fragments tagged with ContactId/InstanceId/MimeType, in real time or faster."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from connect_transcribe.media.mkv_writer import WriterTrack
from connect_transcribe.media.wav import read_wav, to_pcm16

from connect_transcribe_dev.kvs_store import LocalStream

logger = logging.getLogger(__name__)

RATE = 8000
BYTES_PER_MS = RATE * 2 // 1000  # s16le mono
MIME_TYPE = "audio/L16;rate=8000;channels=1;"
CUSTOMER_TRACK = "AUDIO_FROM_CUSTOMER"
AGENT_TRACK = "AUDIO_TO_CUSTOMER"


class KvsProducer:
    """One contact's audio into `stream`. Connect reuses streams across contacts: a new producer with another
    contact_id on the same stream simply continues it."""

    def __init__(
        self,
        stream: LocalStream,
        *,
        contact_id: str,
        instance_id: str = "local-instance",
        fragment_ms: int = 1000,
        block_ms: int = 64,
        speed: float = 1.0,
        track_numbers: tuple[int, int] = (1, 2),
        start_ms: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if block_ms <= 0 or fragment_ms < block_ms:
            raise ValueError("need 0 < block_ms <= fragment_ms")
        if speed < 0:
            raise ValueError("speed must be >= 0 (0 = as fast as possible)")
        if track_numbers[0] == track_numbers[1]:
            raise ValueError("the customer and agent tracks need different numbers")
        self.stream = stream
        self.contact_id = contact_id
        self.fragment_ms = fragment_ms
        self.block_ms = block_ms
        self.speed = speed
        self.start_ms = start_ms
        self._clock = clock
        self.customer_track, self.agent_track = track_numbers
        self.tracks = (WriterTrack(self.customer_track, CUSTOMER_TRACK), WriterTrack(self.agent_track, AGENT_TRACK))
        self.tags = (
            ("ContactId", contact_id),
            ("InstanceId", _instance_arn(stream.arn, instance_id)),
            ("MimeType", MIME_TYPE),
        )
        self.first_fragment_number: str | None = None
        self.fragment_numbers: list[str] = []
        self.started = threading.Event()  # the first fragment has begun (first_fragment_number is set)
        self.done = threading.Event()
        self._stop = threading.Event()
        self._next_ms: int | None = None  # producer timestamp of the next block
        self._fragment_start_ms: int | None = None  # of the open fragment
        self._pending = (b"", b"")  # fed but not yet a whole block

    @property
    def fragment_span_ms(self) -> int:
        """A fragment holds whole blocks: fragment_ms rounded up to them (1000 -> 1024 ms with 64 ms blocks)."""
        return -(-self.fragment_ms // self.block_ms) * self.block_ms

    # -- whole recordings -----------------------------------------------------------------------------------------

    def play_pcm(self, customer: bytes, agent: bytes) -> None:
        """Blocking. s16le 8 kHz mono per participant; the shorter one is padded with silence."""
        try:
            customer, agent = _same_length(customer, agent)
            size = self.block_ms * BYTES_PER_MS
            began = time.monotonic()
            for k, offset in enumerate(range(0, len(customer), size)):
                if self.speed > 0:
                    # A block exists once its last sample has been spoken: send it at the end of its interval.
                    due = began + (k + 1) * self.block_ms / 1000 / self.speed
                    if self._stop.wait(max(0.0, due - time.monotonic())):
                        break
                elif self._stop.is_set():
                    break
                self._block(customer[offset : offset + size], agent[offset : offset + size])
            self._end_fragment()
        finally:
            self.done.set()

    def play_wav(self, path: Path) -> None:
        """Channel 0 is the customer, channel 1 the agent (a mono file is customer only); other rates are resampled."""
        audio = read_wav(path)
        if len(audio.channels) > 2:
            raise ValueError(f"{path}: {len(audio.channels)} channels; expected stereo (customer, agent)")
        channels = audio.channels
        if audio.rate != RATE:
            from connect_transcribe.speech.audio import to_phone_rate  # scipy: only when a file needs it

            logger.warning("%s is %d Hz; resampling to 8000 Hz as the phone network would", path, audio.rate)
            channels = [to_phone_rate(c, audio.rate) for c in channels]
        pcm = [to_pcm16(c) for c in channels]
        self.play_pcm(pcm[0], pcm[1] if len(pcm) > 1 else b"")

    def start(self, customer: bytes, agent: bytes) -> threading.Thread:
        """play_pcm in a background thread; wait on `done` (or `started` for the first fragment number)."""
        thread = threading.Thread(target=self.play_pcm, args=(customer, agent), name="kvs-producer", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Hang up: a playing producer ends its current fragment and returns."""
        self._stop.set()

    # -- live audio -----------------------------------------------------------------------------------------------

    def feed(self, customer: bytes, agent: bytes) -> None:
        """Live PCM, paced by the caller: every whole block that the fed audio completes is sent at once."""
        customer, agent = self._pending[0] + customer, self._pending[1] + agent
        size = self.block_ms * BYTES_PER_MS
        whole = min(len(customer), len(agent)) // size * size
        for offset in range(0, whole, size):
            self._block(customer[offset : offset + size], agent[offset : offset + size])
        self._pending = (customer[whole:], agent[whole:])

    def finish(self) -> None:
        """End live audio: send what is left as a last short block and close the fragment."""
        customer, agent = _same_length(*self._pending)
        self._pending = (b"", b"")
        if customer:
            self._block(customer, agent)
        self._end_fragment()
        self.done.set()

    # -- fragments ------------------------------------------------------------------------------------------------

    def _block(self, customer: bytes, agent: bytes) -> None:
        if self._next_ms is None:
            self._next_ms = self.start_ms if self.start_ms is not None else round(self._clock() * 1000)
        at = self._next_ms
        if self._fragment_start_ms is not None and at - self._fragment_start_ms >= self.fragment_ms:
            self._end_fragment()
        if self._fragment_start_ms is None:
            number = self.stream.begin_fragment(producer_timestamp_ms=at, tracks=self.tracks, tags=self.tags)
            self._fragment_start_ms = at
            self.fragment_numbers.append(number)
            if self.first_fragment_number is None:
                self.first_fragment_number = number
                self.started.set()
        # Both participants' blocks for the same instant, in timestamp order, as Connect interleaves them.
        self.stream.add_block(self.customer_track, at, customer)
        self.stream.add_block(self.agent_track, at, agent)
        self._next_ms = at + len(customer) // BYTES_PER_MS

    def _end_fragment(self) -> None:
        if self._fragment_start_ms is not None:
            self.stream.end_fragment()
            self._fragment_start_ms = None


def _same_length(customer: bytes, agent: bytes) -> tuple[bytes, bytes]:
    if len(customer) % 2 or len(agent) % 2:
        raise ValueError("s16le PCM needs an even number of bytes")
    size = max(len(customer), len(agent))
    return customer.ljust(size, b"\0"), agent.ljust(size, b"\0")


def _instance_arn(stream_arn: str, instance_id: str) -> str:
    """Connect tags the full instance ARN; build one in the stream's region and account from a bare id."""
    if instance_id.startswith("arn:"):
        return instance_id
    _, partition, _, region, account, _ = stream_arn.split(":", 5)
    return f"arn:{partition}:connect:{region}:{account}:instance/{instance_id}"
