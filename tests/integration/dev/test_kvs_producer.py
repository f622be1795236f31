"""The Connect-shaped producer: what it writes into a local KVS stream, read back through GetMedia."""

from __future__ import annotations

import itertools
import random
import time
import wave
from pathlib import Path

from connect_transcribe_dev.kvs_producer import KvsProducer
from connect_transcribe_dev.kvs_server import LocalKvs

from tests.integration.dev.media import T0_MS, WireFragment, open_reader, parse_fragments

SAMPLE_CALL = Path(__file__).parents[2] / "fixtures" / "calls" / "sample-01-balance-check.wav"


def pcm(seconds: float, seed: int) -> bytes:
    return random.Random(seed).randbytes(int(seconds * 8000) * 2)


def read_stream(kvs: LocalKvs, arn: str) -> list[WireFragment]:
    return parse_fragments(open_reader(kvs, arn, {"StartSelectorType": "EARLIEST"}).join_data())


def track_audio(fragments: list[WireFragment], track: int) -> bytes:
    return b"".join(f.payload for fragment in fragments for f in fragment.frames if f.track == track)


def test_play_pcm_writes_connect_shaped_fragments(kvs: LocalKvs) -> None:
    # Given 2.5 s of customer audio and 1.9 s of agent audio, on tracks numbered the way this contact has them
    arn = kvs.create_stream("connect-contact")
    customer, agent = pcm(2.5, 1), pcm(1.9, 2)
    producer = KvsProducer(kvs.stream(arn), contact_id="contact-1", speed=0, track_numbers=(3, 7), start_ms=T0_MS)

    # When the producer plays them as fast as possible
    producer.play_pcm(customer, agent)
    fragments = read_stream(kvs, arn)

    # Then there are ceil(40 blocks / 16) fragments of 16 x 64 ms, numbered as the producer reported
    assert producer.done.is_set()
    assert [f.number for f in fragments] == producer.fragment_numbers
    assert producer.first_fragment_number == producer.fragment_numbers[0] and len(fragments) == 3
    assert [f.tags["AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"] for f in fragments] == [
        "1700000000.000",
        "1700000001.024",
        "1700000002.048",
    ]
    # And each carries Connect's tags and two named tracks
    for fragment in fragments:
        assert fragment.tags["ContactId"] == "contact-1"
        assert fragment.tags["InstanceId"] == "arn:aws:connect:us-east-1:123456789012:instance/local-instance"
        assert fragment.tags["MimeType"] == "audio/L16;rate=8000;channels=1;"
        assert {n: (t.name, t.codec_id) for n, t in fragment.tracks.items()} == {
            3: ("AUDIO_FROM_CUSTOMER", "A_AAC"),
            7: ("AUDIO_TO_CUSTOMER", "A_AAC"),
        }
    # And the blocks interleave customer/agent at 64 ms steps, and the PCM round-trips byte for byte
    frames = [f for fragment in fragments for f in fragment.frames]
    assert [(f.track, f.timecode_ms - T0_MS) for f in frames[:4]] == [(3, 0), (7, 0), (3, 64), (7, 64)]
    assert all(len(f.payload) == 1024 for f in frames[:-2])
    assert track_audio(fragments, 3) == customer
    assert track_audio(fragments, 7) == agent + bytes(len(customer) - len(agent))


def test_play_at_a_given_speed_paces_blocks_in_real_time(kvs: LocalKvs) -> None:
    arn = kvs.create_stream("paced")
    producer = KvsProducer(kvs.stream(arn), contact_id="c", speed=4)

    began = time.monotonic()
    producer.play_pcm(pcm(1.024, 3), pcm(1.024, 4))  # 16 blocks of 64 ms = 1.024 s of audio
    elapsed = time.monotonic() - began

    assert 0.25 <= elapsed < 0.9  # 1.024 s / 4, clearly faster than real time
    assert abs(kvs.stream(arn).fragments[0].producer_timestamp_ms - time.time() * 1000) < 5000  # default: now


def test_play_wav_sends_channel_0_as_customer_and_1_as_agent(kvs: LocalKvs) -> None:
    arn = kvs.create_stream("wav")
    producer = KvsProducer(kvs.stream(arn), contact_id="c", speed=0, track_numbers=(2, 1))

    producer.play_wav(SAMPLE_CALL)
    fragments = read_stream(kvs, arn)

    with wave.open(str(SAMPLE_CALL), "rb") as handle:
        frames = handle.readframes(handle.getnframes())
    stereo = [frames[i : i + 4] for i in range(0, len(frames), 4)]
    assert track_audio(fragments, 2) == b"".join(s[:2] for s in stereo)
    assert track_audio(fragments, 1) == b"".join(s[2:] for s in stereo)
    blocks = -(-len(stereo) // 512)
    assert len(fragments) == len(producer.fragment_numbers) == -(-blocks // 16)


def test_stop_hangs_up_a_producer_playing_in_the_background(kvs: LocalKvs) -> None:
    # Given a ten-second call playing in real time
    arn = kvs.create_stream("hang-up")
    producer = KvsProducer(kvs.stream(arn), contact_id="c")
    thread = producer.start(pcm(10, 5), pcm(10, 6))
    assert producer.started.wait(1)

    # When it is stopped shortly after its first fragment began
    producer.stop()
    thread.join(1)

    # Then it ended that fragment and played nothing more
    assert producer.done.is_set()
    [fragment] = kvs.stream(arn).fragments
    assert fragment.complete and fragment.number == producer.first_fragment_number


def test_live_pcm_fed_in_uneven_pieces_becomes_whole_blocks(kvs: LocalKvs) -> None:
    arn = kvs.create_stream("live-pcm")
    producer = KvsProducer(kvs.stream(arn), contact_id="c", start_ms=T0_MS)
    customer, agent = pcm(1.5, 7), pcm(1.5, 8)
    cuts = [0, 10, 999, 1000, 5000, 7777, 20_000, len(customer)]

    for a, b in itertools.pairwise(cuts):
        producer.feed(customer[a:b], agent[a:b])
    producer.finish()
    fragments = read_stream(kvs, arn)

    assert track_audio(fragments, 1) == customer and track_audio(fragments, 2) == agent
    assert [len(f.frames) for f in fragments] == [32, 16]  # 24 blocks: 16 + 8 per track (last one short)
    assert producer.done.is_set()
