"""Landing sensors: watch `<landing>/<domain>/<source>/<YYYY-MM-DD>/` and request ingestion runs.

Each tick lists only the date folders that can hold something new (new folders, folders within
`lookback_days` of the newest one, folders left unfinished by the per-tick cap), maps every new file to the
daily partitions it feeds, and requests one run per contiguous range of dates. The scan is a pure function
(`scan_landing`) so it can be tested without Dagster.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypedDict

import dagster as dg

from platform_assets.core.conventions import DOMAIN_TAG, RANGE_END_TAG, RANGE_START_TAG
from platform_assets.core.landing import (
    LandingFile,
    LayoutError,
    is_iso_date,
    parse_landing_key,
    partitions_of,
)
from platform_assets.core.sources import Source
from platform_assets.core.storage import ObjectInfo, ObjectStore
from resources.object_store import ObjectStoreResource

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

MAX_FILES_PER_TICK = 1000
CURSOR_VERSION = 1


class FolderState(TypedDict, total=False):
    """What the sensor knows of one date folder: the last key read, whether it was read to the end, and
    (inside the lookback window) the key+etag digests of what it holds."""

    last: str | None
    done: bool
    seen: list[str]


class LandingCursor(TypedDict, total=False):
    """The sensor's cursor (JSON in Dagster): layout version, date -> FolderState, folders reported as
    not being dates (reported once)."""

    v: int
    folders: dict[str, FolderState]
    reported: list[str]


@dataclass
class ScanResult:
    """New files of one scan, the keys ignored (with reasons), date -> keys of new files, next cursor."""

    files: list[LandingFile]
    ignored: list[tuple[str, str]]
    partitions: dict[str, list[str]]
    cursor: LandingCursor
    capped: bool = False
    folders_listed: list[str] = field(default_factory=list)


def _digest(info: ObjectInfo) -> str:
    """Short fingerprint of one version of an object (a re-delivered file gets a new one)."""
    return hashlib.sha1(f"{info.key}@{info.etag}".encode()).hexdigest()[:12]


def scan_landing(
    store: ObjectStore,
    source: Source,
    cursor: LandingCursor,
    lookback_days: int = 7,
    max_files: int = MAX_FILES_PER_TICK,
) -> ScanResult:
    """Find the files of `source` not seen in `cursor`; the cursor is not modified (a new one is returned).

    Cursor: a LandingCursor. Folders within the lookback window are listed whole and compared with `seen` (key + etag digests), so
    a late file is caught whatever its name, and so is a file re-delivered in place. Older folders are not
    listed again once done; an unfinished one (cap reached) resumes after its `last` key.
    """
    old_folders: dict[str, FolderState] = cursor.get("folders", {})
    reported: list[str] = list(cursor.get("reported", []))
    ignored: list[tuple[str, str]] = []

    names = store.list_folders(source.prefix)
    dates = [n for n in names if is_iso_date(n)]
    for name in names:
        where = f"{source.prefix}{name}/"
        if name not in dates and where not in reported:
            reported.append(where)
            ignored.append((where, f"folder {name!r} is not a calendar date YYYY-MM-DD"))
    # Forget folders that are gone: a folder that comes back holds new deliveries.
    present = {f"{source.prefix}{n}/" for n in names}
    reported = [r for r in reported if r in present]
    folders: dict[str, FolderState] = {d: FolderState(**old_folders[d]) for d in dates if d in old_folders}

    files: list[LandingFile] = []
    partitions: dict[str, set[str]] = {}
    listed: list[str] = []
    budget = max_files
    capped = False
    window_start = (
        (date.fromisoformat(max(dates)) - timedelta(days=lookback_days)).isoformat() if dates else ""
    )
    for day in dates:
        state = folders.get(day)
        in_window = day >= window_start
        if state is not None and not in_window:
            state.pop("seen", None)  # never listed whole again: its digests are dead weight
            if state.get("done", True):
                continue
        if budget <= 0:
            capped = True
            break
        state = state if state is not None else FolderState(last=None, done=False)
        folders[day] = state
        listed.append(day)
        prefix = f"{source.prefix}{day}/"
        whole = in_window
        seen: set[str] = set(state.get("seen", []))
        if whole:
            objects = store.list(prefix)
        else:
            objects = store.list(prefix, start_after=state.get("last"))
        current: set[str] = set()
        exhausted = True
        for info in objects:
            digest = _digest(info)
            if whole:
                current.add(digest)
                # A folder tracked before its digests were (it came back into the window) knows its
                # keys up to `last`.
                known = digest in seen if "seen" in state else info.key <= (state["last"] or "")
                if known:
                    seen.add(digest)
                    continue
            if budget <= 0:
                exhausted, capped = False, True
                break
            budget -= 1
            seen.add(digest)
            if state["last"] is None or info.key > state["last"]:
                state["last"] = info.key
            problem = _classify(store, source, info, files, partitions)
            if problem is not None:
                ignored.append((info.key, problem))
        state["done"] = exhausted
        if whole:
            # Keep digests of what is still there (and, when cut short, of what was not reached).
            state["seen"] = sorted(seen & current if exhausted else seen)
        else:
            state.pop("seen", None)

    next_cursor = LandingCursor(v=CURSOR_VERSION, folders=folders, reported=reported)
    return ScanResult(
        files=files,
        ignored=ignored,
        partitions={d: sorted(keys) for d, keys in sorted(partitions.items())},
        cursor=next_cursor,
        capped=capped,
        folders_listed=listed,
    )


def _classify(
    store: ObjectStore,
    source: Source,
    info: ObjectInfo,
    files: list[LandingFile],
    partitions: dict[str, set[str]],
) -> str | None:
    """Record a new object as a landing file of `source`, or return why it is ignored."""
    try:
        landing_file = parse_landing_key(info)
    except LayoutError as exc:
        return str(exc)
    if (landing_file.domain, landing_file.source) != (source.domain, source.name):
        return f"not a file of {source.domain}/{source.name}"
    try:
        dates = partitions_of(store, landing_file)
    except FileNotFoundError:
        return "deleted before it could be read"
    files.append(landing_file)
    for day in dates:
        partitions.setdefault(day, set()).add(landing_file.key)
    return None


def contiguous_ranges(dates: list[str]) -> list[tuple[str, str]]:
    """Runs of consecutive days among ISO `dates`, as (first, last) pairs in order."""
    ranges: list[tuple[str, str]] = []
    previous: date | None = None
    for text in sorted(set(dates)):
        day = date.fromisoformat(text)
        if previous is not None and day == previous + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], text)
        else:
            ranges.append((text, text))
        previous = day
    return ranges


def landing_run_requests(source: Source, job_name: str, scan: ScanResult) -> list[dg.RunRequest]:
    """One run per contiguous range of affected dates; the run key fingerprints the files that feed it."""
    etags = {f.key: f.etag for f in scan.files}
    requests = []
    for start, end in contiguous_ranges(list(scan.partitions)):
        keys: set[str] = set()
        for day, day_keys in scan.partitions.items():
            if start <= day <= end:
                keys.update(day_keys)
        fingerprint = "\n".join(sorted(f"{k}@{etags[k]}" for k in keys))
        digest = hashlib.sha1(fingerprint.encode()).hexdigest()[:16]
        requests.append(
            dg.RunRequest(
                run_key=f"{source.domain}/{source.name}:{start}..{end}:{digest}",
                job_name=job_name,
                tags={
                    RANGE_START_TAG: start,
                    RANGE_END_TAG: end,
                    DOMAIN_TAG: source.domain,
                    "omnilake/source": source.name,
                },
            )
        )
    return requests


def _load_cursor(text: str | None) -> LandingCursor:
    if not text:
        return {}
    cursor = json.loads(text)
    # An unknown layout is started afresh: run keys are stable, so already-done ranges are not re-run.
    return cursor if isinstance(cursor, dict) and cursor.get("v") == CURSOR_VERSION else LandingCursor()


def build_landing_sensor(
    source: Source,
    job: dg.JobDefinition | UnresolvedAssetJobDefinition,
    *,
    lookback_days: int = 7,
    minimum_interval_seconds: int = 30,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
    max_files_per_tick: int = MAX_FILES_PER_TICK,
) -> dg.SensorDefinition:
    """A sensor that requests `job` runs for the date ranges fed by new files of `source`."""
    name = f"{source.domain}_{source.name}_landing"

    @dg.sensor(
        name=name,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=f"New files under <landing>/{source.prefix}<YYYY-MM-DD>/ -> runs of {job.name}.",
    )
    def _sensor(context: dg.SensorEvaluationContext, landing: ObjectStoreResource) -> dg.SensorResult:
        store = landing.store()
        scan = scan_landing(store, source, _load_cursor(context.cursor), lookback_days, max_files_per_tick)
        for where, reason in scan.ignored:
            context.log.warning(f"{name}: ignoring {where}: {reason}")
        if scan.capped:
            context.log.info(f"{name}: {max_files_per_tick} new files this tick; more next tick")
        cursor = json.dumps(scan.cursor, sort_keys=True, separators=(",", ":"))
        requests = landing_run_requests(source, job.name, scan)
        if not requests:
            message = (
                f"no new files under {store.root}/{source.prefix} "
                f"({len(scan.folders_listed)} date folders listed, {len(scan.ignored)} ignored)"
            )
            return dg.SensorResult(skip_reason=dg.SkipReason(message), cursor=cursor)
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return _sensor
