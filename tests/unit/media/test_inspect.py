"""`connect-transcribe kvs-inspect`: one JSON line per fragment, audio extraction, precise errors."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connect_transcribe.cli import main
from connect_transcribe.media.inspect import inspect_stream
from connect_transcribe.media.mkv_writer import WriterTrack, ebml_fragment

from tests.unit.media.streams import AGENT, CUSTOMER, connect_call, fragment_number, pcm


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_each_fragment_is_one_json_line_with_tags_tracks_and_block_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a Connect-shaped GetMedia body of 3 fragments, customer on track 5 and agent on track 2
    path = tmp_path / "call.mkv"
    path.write_bytes(connect_call(fragments=3, blocks=16, numbers=(5, 2), contact_id="c-42"))

    # When it is inspected
    status = main(["kvs-inspect", str(path)])

    # Then one line per fragment says what it carried
    out = lines(capsys.readouterr().out)
    assert status == 0
    assert [o["fragment"] for o in out] == [0, 1, 2]
    assert [o["fragmentNumber"] for o in out] == [fragment_number(i) for i in range(3)]
    first = out[0]
    assert [name for name, _ in first["tags"]] == [
        "ContactId",
        "InstanceId",
        "MimeType",
        "AWS_KINESISVIDEO_FRAGMENT_NUMBER",
        "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
        "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP",
        "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW",
        "AWS_KINESISVIDEO_CONTINUATION_TOKEN",
    ]
    assert first["tags"][0] == ["ContactId", "c-42"]
    assert first["tracks"] == [
        {"number": 2, "name": AGENT, "codec": "A_AAC"},
        {"number": 5, "name": CUSTOMER, "codec": "A_AAC"},
    ]
    assert first["blocks"] == {
        "2": {"name": AGENT, "blocks": 16, "bytes": 16 * 1024},
        "5": {"name": CUSTOMER, "blocks": 16, "bytes": 16 * 1024},
    }
    assert "error" not in first


def test_stdin_is_read_with_a_dash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(connect_call(fragments=2, blocks=1))))

    status = main(["kvs-inspect", "-"])

    assert status == 0
    assert [o["fragment"] for o in lines(capsys.readouterr().out)] == [0, 1]


def test_error_tags_surface_as_an_error_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "error.mkv"
    path.write_bytes(
        ebml_fragment(
            tracks=[WriterTrack(1, CUSTOMER)],
            tags=[
                ("AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE", "4504"),
                ("AWS_KINESISVIDEO_EXCEPTION_MESSAGE", "Missing fragment"),
            ],
            blocks=[],
            cluster_timecode_ms=0,
        )
    )

    main(["kvs-inspect", str(path)])

    (out,) = lines(capsys.readouterr().out)
    assert out["error"] == {"code": "4504", "message": "Missing fragment"}
    assert out["fragmentNumber"] is None


def test_extract_writes_each_participant_as_an_8khz_wav(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a two-fragment call
    path = tmp_path / "call.mkv"
    path.write_bytes(connect_call(fragments=2, blocks=3, numbers=(1, 2)))

    # When its audio is extracted
    status = main(["kvs-inspect", str(path), "--extract", str(tmp_path / "audio")])

    # Then each participant's PCM is in its own WAV, in order, at 8 kHz mono 16-bit
    assert status == 0
    for track, name in ((1, CUSTOMER), (2, AGENT)):
        with wave.open(str(tmp_path / "audio" / f"{name}.wav"), "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
            assert wav.readframes(wav.getnframes()) == b"".join(pcm(track, i) for i in range(6))
    assert "wrote" in capsys.readouterr().err


def test_corrupt_input_prints_what_was_seen_then_a_json_error_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = connect_call(fragments=2, blocks=2)
    second = len(data) // 2
    path = tmp_path / "broken.mkv"
    path.write_bytes(data[: second + 60] + b"\x00\x00\x00")

    status = main(["kvs-inspect", str(path)])

    captured = capsys.readouterr()
    assert status == 2
    assert [o["fragment"] for o in lines(captured.out)] == [0, 1]
    (error,) = lines(captured.err)
    assert error["error"] == "MkvError"
    assert error["offset"] >= second
    assert error["element"]
    assert f"at offset {error['offset']}" in error["message"]


def test_truncated_input_is_reported_as_truncated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cut.mkv"
    path.write_bytes(connect_call(fragments=1, blocks=2)[:-5])

    assert main(["kvs-inspect", str(path)]) == 2
    assert json.loads(capsys.readouterr().err)["error"] == "MkvTruncated"


def test_a_missing_file_is_a_message_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kvs-inspect", str(tmp_path / "nope.mkv")]) == 2
    assert "nope.mkv" in capsys.readouterr().err


def test_a_fragment_line_comes_out_as_soon_as_the_next_fragment_starts() -> None:
    # Given a source that hands over one fragment at a time
    data = connect_call(fragments=3, blocks=2)
    third = len(data) // 3
    emitted: list[dict[str, Any]] = []
    seen_when_fed: list[int] = []

    def source() -> Iterator[bytes]:
        for i in range(3):
            seen_when_fed.append(len(emitted))
            yield data[i * third : (i + 1) * third]

    # When it is inspected
    inspect_stream(source(), emitted.append)

    # Then fragment n is reported before fragment n + 2 is read, and the last at the end
    assert seen_when_fed == [0, 0, 1]
    assert [e["fragment"] for e in emitted] == [0, 1, 2]


def test_the_real_get_media_recording_is_summarised(kvs_fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kvs-inspect", str(kvs_fixtures / "output_get_media.mkv")]) == 0

    out = lines(capsys.readouterr().out)
    assert len(out) == 5
    assert all(o["blocks"]["1"]["blocks"] == 60 for o in out)
    assert out[0]["tracks"] == [{"number": 1, "name": None, "codec": "V_MPEG4/ISO/AVC"}]
    assert out[0]["fragmentNumber"] == "91343852333181432392682062607743920146159169392"
