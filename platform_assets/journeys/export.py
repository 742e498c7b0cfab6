"""The channel report as CSV, for a date range, to a local path or an S3 URI (through the object store)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from platform_assets import settings
from platform_assets.core.lake import Lake
from platform_assets.journeys.sources import GOLD_REPORT

COLUMNS = ("channel_name", "date", "cost", "ihc", "ihc_revenue", "cpo", "roas")


def default_path() -> str:
    return f"{settings.home()}/reports/channel_reporting.csv"


def report_rows(lake: Lake, start: str | None = None, end: str | None = None) -> pa.Table:
    """gold channel_reporting between `start` and `end` (inclusive, either open), by channel then date."""
    table = lake.read_arrow(GOLD_REPORT).select(list(COLUMNS))
    if start:
        table = table.filter(pc.greater_equal(table["date"], start))
    if end:
        table = table.filter(pc.less_equal(table["date"], end))
    return table.sort_by([("channel_name", "ascending"), ("date", "ascending")])


def to_csv(table: pa.Table) -> bytes:
    """UTF-8, header row, LF; empty cells for null cpo/roas (no sentinel like 'inf' or 'N/A')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in table.to_pylist():
        writer.writerow(
            [
                "" if row[c] is None else (repr(row[c]) if isinstance(row[c], float) else row[c])
                for c in COLUMNS
            ]
        )
    return buffer.getvalue().encode("utf-8")


def write_report(
    data: bytes, out: str, endpoint_url: str | None = None, sse_kms_key_id: str | None = None
) -> str:
    """Write `data` to a local path or `s3://bucket/key` atomically (object store); returns where."""
    from platform_assets.core.storage import open_store

    if settings.is_s3(out):
        root, _, key = out.rstrip("/").rpartition("/")
        if root in ("s3:", "s3:/"):
            raise ValueError(f"{out!r} names no object key")
        store = open_store(root, endpoint_url=endpoint_url, sse_kms_key_id=sse_kms_key_id)
    else:
        path = Path(out).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        store, key = open_store(str(path.parent)), path.name
    store.write_bytes(key, data)
    return store.uri(key)


def export_channel_reporting(
    lake: Lake,
    out: str | None = None,
    start: str | None = None,
    end: str | None = None,
    endpoint_url: str | None = None,
    sse_kms_key_id: str | None = None,
) -> dict:
    table = report_rows(lake, start, end)
    where = write_report(to_csv(table), out or default_path(), endpoint_url, sse_kms_key_id)
    return {"path": where, "rows": table.num_rows, "from": start, "to": end}
