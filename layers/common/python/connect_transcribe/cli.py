"""The `connect-transcribe` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from connect_transcribe.gateway.redaction import Redactor
from connect_transcribe.models.enums import RedactionOutput
from connect_transcribe.speech.threads import pin_math_threads

# An extra command group: adds its sub-parsers, and runs the parsed arguments of its commands (local mode's `demo`
# and `local`, from the dev package, which the shipped runtime never imports).
Extension = tuple[Callable[[Any], None], Callable[[argparse.Namespace], int], frozenset[str]]


def main(argv: list[str] | None = None, *, extensions: Sequence[Extension] = ()) -> int:
    parser = argparse.ArgumentParser(prog="connect-transcribe", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    transcribe = commands.add_parser(
        "transcribe",
        help="transcribe a call recording through the live streaming path",
        description="Stereo WAV: channel 0 = customer, channel 1 = agent (mono: one participant, the customer). "
        "Any sample rate; audio is resampled to 8 kHz as the phone network would carry it. A saved Connect GetMedia "
        "recording (MKV) is read by track name.",
    )
    transcribe.add_argument("file", type=Path)
    transcribe.add_argument("--format", choices=("text", "json"), default="text")
    transcribe.add_argument("--redaction", choices=[m.value for m in RedactionOutput], default="redacted")
    transcribe.add_argument("--engine", default="tiny.en", help="tiny.en (default), base, or dir:/path/to/ct2-model")
    transcribe.add_argument("--language", default="en-US")
    transcribe.add_argument("--tokens", action="store_true", help="include word-level tokens (json)")

    kvs_inspect = commands.add_parser(
        "kvs-inspect",
        help="summarise a Kinesis Video Streams GetMedia body (MKV) fragment by fragment",
        description="Prints one JSON line per fragment: tags, tracks, blocks and bytes per track. "
        "FILE '-' reads stdin (streams: each line appears as soon as its fragment ends).",
    )
    kvs_inspect.add_argument("file", help="GetMedia output (MKV) or - for stdin")
    kvs_inspect.add_argument("--extract", type=Path, metavar="DIR", help="write each audio track to DIR/<name>.wav")

    redrive = commands.add_parser(
        "redrive-dlq",
        help="move undeliverable utterances from the delivery DLQ back to the utterances queue",
        description="Receives from the DLQ, sends each message to the queue with its body, stream (message group) "
        "and attributes minus the error ones, then deletes it from the DLQ. Prints a summary JSON line; "
        "--dry-run prints one JSON line per message (ids and last error, never the transcript) and moves nothing.",
    )
    redrive.add_argument("--from", dest="source", required=True, metavar="DLQ_URL")
    redrive.add_argument("--to", dest="target", required=True, metavar="QUEUE_URL")
    redrive.add_argument("--max", type=int, default=None, metavar="N", help="move at most N messages")
    redrive.add_argument("--dry-run", action="store_true", help="list what would move, move nothing")

    export = commands.add_parser(
        "export",
        help="export the utterances feed for a day or an interval, in this process (File Exporter run)",
        description="Reads the table's byExportSlot index and writes the utterances feed (gzip JSON Lines and "
        "Parquet) to the bucket, then swaps the day manifests, exactly as the deployed state machine does. For "
        "backfills and local mode; on AWS, the schedule or POST /fileexporter/v1/exports starts the same run. "
        "Prints the run's summary as JSON.",
    )
    export.add_argument("--table", required=True, help="the service's DynamoDB table (stack output TableName)")
    export.add_argument("--bucket", required=True, help="the feed bucket (stack output FeedBucketName)")
    when = export.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", help="a UTC day, YYYY-MM-DD")
    when.add_argument("--start", help="interval start, ISO-8601 with a zone (with --end); whole hours are exported")
    export.add_argument("--end", help="interval end (exclusive)")
    export.add_argument("--formats", default="jsonl,parquet", help="comma list of jsonl, parquet")
    export.add_argument("--max-file-rows", type=int, default=1_000_000, metavar="N")

    backfill = commands.add_parser(
        "backfill-export-index",
        help="put messages stored before the File Exporter was deployed into its index, so exports find them",
        description="Scans the table for message items without exportSlot and gives each the index attributes the "
        "gateway writes today (conditional updates: safe while the service runs, and to run again). "
        "Prints a summary JSON line; each message whose stored body is unreadable is named (its keys) on stderr "
        "and left as it is.",
    )
    backfill.add_argument("--table", required=True, help="the service's DynamoDB table (stack output TableName)")
    backfill.add_argument("--segments", type=int, default=4, metavar="N", help="parallel scan segments (default 4)")

    openapi = commands.add_parser(
        "openapi",
        help="print the OpenAPI 3.1 document of every route and of the webhook messages (docs/openapi.json)",
        description="Built from the request and response models: the JSON on the wire, camelCase. --webhook TYPE "
        "prints instead one webhook message's standalone JSON Schema (2020-12), for receivers that validate bodies.",
    )
    openapi.add_argument("--webhook", metavar="TYPE", help="a webhook message type, e.g. transcript")

    for add_commands, _, _ in extensions:
        add_commands(commands)
    args = parser.parse_args(argv)
    pin_math_threads()  # transcribe and local mode decode in this process; numpy has not loaded yet
    for _, run_extension, names in extensions:
        if args.command in names:
            return run_extension(args)
    run = {
        "transcribe": _transcribe,
        "kvs-inspect": _kvs_inspect,
        "redrive-dlq": _redrive_dlq,
        "export": _export,
        "backfill-export-index": _backfill_export_index,
        "openapi": _openapi,
    }[args.command]  # argparse accepts only these
    return run(args)


def _transcribe(args: argparse.Namespace) -> int:
    from connect_transcribe.media.connect_stream import KvsStreamError, UnsupportedAudio
    from connect_transcribe.media.mkv import MkvError
    from connect_transcribe.media.wav import WavError
    from connect_transcribe.speech.engine import EngineSettings, UnsupportedLanguage, WhisperEngine
    from connect_transcribe.speech.offline import transcribe_file
    from connect_transcribe.speech.weights import ModelError

    try:
        engine = WhisperEngine(EngineSettings(engine=args.engine))
    except ModelError as exc:
        print(f"connect-transcribe: {exc}", file=sys.stderr)
        return 2
    try:
        result = transcribe_file(
            engine,
            args.file,
            language=args.language,
            tokens=args.tokens,
            progress=sys.stderr,
        )
    except (WavError, UnsupportedLanguage, FileNotFoundError, MkvError, KvsStreamError, UnsupportedAudio) as exc:
        print(f"connect-transcribe: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.close()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)

    redactor = Redactor()
    mode = RedactionOutput(args.redaction)
    items: list[dict[str, object]] = []
    lines: list[str] = []
    for role, utt in result.utterances:
        out = redactor.output(utt.text, mode)
        item: dict[str, object] = {"role": role, "start": utt.start_ms, "end": utt.end_ms, "text": out.text}
        if out.unredacted is not None:
            item["unredactedText"] = out.unredacted
        if args.tokens:
            texts = redactor.output_tokens(utt.text, [t.text for t in utt.tokens], mode)
            item["tokens"] = [
                {"text": text, "start": t.start_ms, "end": t.end_ms, "confidence": t.confidence}
                for text, t in zip(texts, utt.tokens, strict=True)
            ]
        items.append(item)
        lines.append(f"[{_clock(utt.start_ms)} - {_clock(utt.end_ms)}] {role:>8}: {out.text}")
    if args.format == "json":
        json.dump({"utterances": items}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(lines))
    return 0


def _kvs_inspect(args: argparse.Namespace) -> int:
    from connect_transcribe.media.inspect import run

    if args.file == "-":
        return run(sys.stdin.buffer, sys.stdout, sys.stderr, args.extract)
    try:
        source = open(args.file, "rb")  # noqa: SIM115 - closed below; a with-block would hide the open error
    except OSError as exc:
        print(f"connect-transcribe: {exc}", file=sys.stderr)
        return 2
    with source:
        return run(source, sys.stdout, sys.stderr, args.extract)


def _redrive_dlq(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from connect_transcribe.delivery.redrive import redrive_dlq
    from connect_transcribe.wiring.delivery import redrive_queues

    if args.max is not None and args.max < 1:
        print("connect-transcribe: --max must be at least 1", file=sys.stderr)
        return 2
    source, target = redrive_queues(args.source, args.target)
    try:
        summary = redrive_dlq(source, target, max_messages=args.max, dry_run=args.dry_run)
    except (ClientError, BotoCoreError) as exc:
        print(f"connect-transcribe: {exc}", file=sys.stderr)
        return 2
    print(summary.to_json())
    return 1 if summary.failed else 0


def _export(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError
    from pydantic import ValidationError

    from connect_transcribe.export.plan import InvalidExport
    from connect_transcribe.export.runs import ExportFailed
    from connect_transcribe.models.feed import ExportRequest
    from connect_transcribe.settings import ExportSettings
    from connect_transcribe.wiring import exporter

    try:
        request = ExportRequest.model_validate({"date": args.date, "start": args.start, "end": args.end})
        settings = ExportSettings.model_validate(
            {
                "TABLE_NAME": args.table,
                "FEED_BUCKET": args.bucket,
                "EXPORT_FORMATS": args.formats,
                "EXPORT_MAX_FILE_ROWS": args.max_file_rows,
            }
        )
        result = exporter.export_service(settings).run(request)
    except (ValidationError, InvalidExport, ExportFailed, ClientError, BotoCoreError) as exc:
        print(f"connect-transcribe: {exc}", file=sys.stderr)
        return 2
    print(result.model_dump_json())
    return 0


def _backfill_export_index(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from connect_transcribe.wiring.exporter import export_index_backfill

    if args.segments < 1:
        print("connect-transcribe: --segments must be at least 1", file=sys.stderr)
        return 2

    def report(key: dict[str, dict[str, str]], reason: str) -> None:
        print(json.dumps({"corrupt": {"pk": key["pk"]["S"], "sk": key["sk"]["S"]}, "error": reason}), file=sys.stderr)

    backfill = export_index_backfill(args.table, segments=args.segments, on_corrupt=report)
    try:
        summary = backfill.run()
    except (ClientError, BotoCoreError) as exc:
        print(f"connect-transcribe: {exc}", file=sys.stderr)
        return 2
    print(summary.to_json())
    return 1 if summary.corrupt else 0


def _openapi(args: argparse.Namespace) -> int:
    from connect_transcribe.api.openapi import WEBHOOK_MESSAGES, build_document, render, webhook_schema

    if args.webhook is None:
        sys.stdout.write(render())
        return 0
    if args.webhook not in WEBHOOK_MESSAGES:
        print(
            f"connect-transcribe: no webhook message {args.webhook!r} (known: {', '.join(WEBHOOK_MESSAGES)})",
            file=sys.stderr,
        )
        return 2
    json.dump(webhook_schema(build_document(), args.webhook), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _clock(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes:02d}:{rest / 1000:06.3f}"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
