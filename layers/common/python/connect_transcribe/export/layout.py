"""Where the File Exporter keeps things in the feed bucket (pure key arithmetic, shared by exporter and API).

utterances/version=1/format=<fmt>/dt=<date>/hr=<HH>/<file>     data files (the feed)
_manifests/utterances/version=1/dt=<date>.json                 the day's manifest: the files that count
_symlinks/utterances/version=1/format=<fmt>/dt=<date>/hr=<HH>/symlink.txt
                                                               the same list for Athena (SymlinkTextInputFormat)
_runs/<run id>/<YYYY-MM-DDTHH>.json                            an exported hour waiting for its run's commit
"""

from __future__ import annotations

from connect_transcribe.models.feed import FEED, VERSION, FeedFormat

EXTENSIONS = {FeedFormat.JSONL: "jsonl.gz", FeedFormat.PARQUET: "parquet"}
MANIFESTS_PREFIX = f"_manifests/{FEED}/version={VERSION}/"
RUNS_PREFIX = "_runs/"


def data_prefix(fmt: FeedFormat, slot: str) -> str:
    day, hour = slot.split("T")
    return f"{FEED}/version={VERSION}/format={fmt.value}/dt={day}/hr={hour}/"


def file_name(fmt: FeedFormat, slot: str, run_id: str, part: int) -> str:
    return f"{FEED}-{slot}-{run_id}-{part:05d}.{EXTENSIONS[fmt]}"


def file_key(fmt: FeedFormat, slot: str, name: str) -> str:
    return data_prefix(fmt, slot) + name


def manifest_key(day: str) -> str:
    return f"{MANIFESTS_PREFIX}dt={day}.json"


def manifest_date(key: str) -> str | None:
    """The date of a manifest key, or None for anything else under the prefix."""
    name = key.removeprefix(MANIFESTS_PREFIX)
    if name == key or not name.startswith("dt=") or not name.endswith(".json"):
        return None
    return name[3:-5]


def symlink_key(fmt: FeedFormat, slot: str) -> str:
    return f"_symlinks/{data_prefix(fmt, slot)}symlink.txt"


def run_result_key(run_id: str, slot: str) -> str:
    return f"{RUNS_PREFIX}{run_id}/{slot}.json"
