"""MKV parse benchmark: throughput of the streaming GetMedia parser in MB/s and in concurrent calls per core.

    .venv/bin/python -m bench.kvs.parse [--quick]

One Connect call is two 8 kHz 16-bit mono tracks, ~32 KB/s of audio; "calls per core" is how many seconds of
call audio one core parses per second, i.e. how many live calls one core could keep up with (parsing only).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from connect_transcribe.media.mkv import Frame, MkvStreamParser
from connect_transcribe.media.mkv_writer import WriterTrack, ebml_fragment

BLOCK_MS = 64
BLOCK_BYTES = 8 * BLOCK_MS * 2  # 8 kHz s16le mono: 1024 bytes per 64 ms
BLOCKS_PER_FRAGMENT = 16  # ~1 s fragments, as Connect writes them
CALL_BYTES_PER_S = 32_000  # both tracks
TARGET_CALLS_PER_CORE = 2_000
FIXTURE = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "kvs-getmedia" / "output_get_media.mkv"


FRAGMENT_MS = BLOCKS_PER_FRAGMENT * BLOCK_MS


def fragment_count(seconds: int) -> int:
    return (seconds * 1000 + FRAGMENT_MS - 1) // FRAGMENT_MS


def connect_call(seconds: int) -> bytes:
    """A Connect-shaped GetMedia body: customer and agent tracks, 64 ms PCM blocks, KVS tags around each fragment."""
    tracks = [WriterTrack(1, "AUDIO_FROM_CUSTOMER"), WriterTrack(2, "AUDIO_TO_CUSTOMER")]
    payload = bytes(range(256)) * (BLOCK_BYTES // 256)
    fragments = []
    for f in range(fragment_count(seconds)):
        start = 1_700_000_000_000 + f * FRAGMENT_MS
        number = str(91343852333181432392682062607743920146159169392 + f)
        fragments.append(
            ebml_fragment(
                tracks=tracks,
                tags=[
                    ("ContactId", "bench-contact"),
                    ("InstanceId", "arn:aws:connect:us-east-1:123456789012:instance/bench"),
                    ("MimeType", "audio/L16;rate=8000;channels=1;"),
                    ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", number),
                    ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", f"{start / 1000 + 0.2:.3f}"),
                    ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", f"{start / 1000:.3f}"),
                ],
                blocks=[(t, i * BLOCK_MS, payload) for i in range(BLOCKS_PER_FRAGMENT) for t in (1, 2)],
                cluster_timecode_ms=start,
                trailing_tags=[
                    ("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "100"),
                    ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", number),
                ],
            )
        )
    return b"".join(fragments)


@dataclass(frozen=True)
class Result:
    label: str
    chunk: int
    megabytes: float
    seconds: float
    frames: int

    @property
    def mb_per_s(self) -> float:
        return self.megabytes / self.seconds

    @property
    def calls_per_core(self) -> float:
        return self.mb_per_s * 1e6 / CALL_BYTES_PER_S


def measure(label: str, data: bytes, chunk: int, repeat: int) -> Result:
    """Feed `data` `repeat` times as one continuous stream in `chunk`-sized pieces; best of three runs."""
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    best = float("inf")
    frames = 0
    for _ in range(3):
        parser = MkvStreamParser()
        frames = 0
        started = time.perf_counter()
        for _ in range(repeat):
            for piece in pieces:
                for event in parser.feed(piece):
                    if type(event) is Frame:
                        frames += 1
        parser.close()
        best = min(best, time.perf_counter() - started)
    return Result(label, chunk, len(data) * repeat / 1e6, best, frames)


def run(*, seconds: int, target_mb: float, chunks: Sequence[int]) -> list[Result]:
    call = connect_call(seconds)
    repeat = max(1, round(target_mb * 1e6 / len(call)))
    results = [measure(f"Connect call, {seconds} s x {repeat}", call, chunk, repeat) for chunk in chunks]
    expected = repeat * fragment_count(seconds) * BLOCKS_PER_FRAGMENT * 2
    assert all(r.frames == expected for r in results), "parser lost or invented frames"
    if FIXTURE.is_file():
        video = FIXTURE.read_bytes()
        results.append(measure("real GetMedia recording (video)", video, 64 * 1024, max(1, repeat // 20)))
    return results


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few MB instead of ~100 MB")
    args = parser.parse_args(argv)

    results = run(seconds=60, target_mb=4 if args.quick else 100, chunks=(64 * 1024, 4 * 1024))
    print("# MKV parse benchmark (one core, pure Python)\n")
    print("| stream | chunk | MB parsed | MB/s | calls per core (32 KB/s each) | frames |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.label} | {r.chunk // 1024} KiB | {r.megabytes:.0f} | {r.mb_per_s:.0f} | "
            f"{r.calls_per_core:,.0f} | {r.frames:,} |"
        )
    worst = min(r.calls_per_core for r in results if r.label.startswith("Connect"))
    verdict = "meets" if worst >= TARGET_CALLS_PER_CORE else "MISSES"
    print(f"\nworst Connect case: {worst:,.0f} calls per core, {verdict} the target of {TARGET_CALLS_PER_CORE:,}")
    return results


if __name__ == "__main__":
    main()
