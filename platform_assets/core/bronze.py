"""Bronze ingestion: landing files of one source, as delivered, into `bronze/<domain>/<source>`.

Every value stays the string that was delivered; `_rescued_data` (the values of columns beyond the source's
declared ones, a JSON object per row), `_source_file`, `_row`, `_ingested_at` (the file's delivery time,
so a re-run writes identical rows) and `dt` (the partition the file or sheet feeds) are added. What
cannot be parsed (a whole file, or one malformed row) goes to `quarantine/<domain>/<source>_unparsed` with
the file, row and reason, and the run goes on.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from platform_assets.core.execution import TransformContext, load_object
from platform_assets.core.landing import (
    RESCUED_COLUMN,
    LayoutError,
    Reject,
    parse_landing_key,
    partitions_of,
    read_landing_file,
)
from platform_assets.core.quality import SCHEMA_DRIFT_CHECK
from platform_assets.core.sources import Source

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame

# The Arrow schemas are built on first use, not at import: pyarrow (and numpy under it) stays out of the
# code location's load.


@cache
def lineage_fields() -> tuple[pa.Field, ...]:
    """Where a bronze row came from; a table extracted by a fixed query (journeys) has these and no rescued
    data."""
    import pyarrow as pa

    return (
        pa.field("_source_file", pa.string()),
        pa.field("_row", pa.int64()),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC")),
        pa.field("dt", pa.string()),
    )


@cache
def unparsed_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("file", pa.string()),
            pa.field("row", pa.int64()),
            pa.field("reason", pa.string()),
            pa.field("raw", pa.string()),
            pa.field("_ingested_at", pa.timestamp("us", tz="UTC")),
            pa.field("dt", pa.string()),
        ]
    )


def bronze_schema(source: Source) -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [pa.field(c, pa.string()) for c in source.columns]
        + [pa.field(RESCUED_COLUMN, pa.string()), *lineage_fields()]
    )


def ingest(inputs: dict, ctx: TransformContext) -> dict[str, "DataFrame"]:
    """Transform `bronze`: parse every landing file of the source that feeds a partition in `ctx.dts`."""
    import pyarrow as pa

    declared = ctx.params["source"]
    source = Source(**{k: tuple(v) if isinstance(v, list) else v for k, v in declared.items()})
    wanted = set(ctx.dts or [])
    store = ctx.landing
    tables: list[pa.Table] = []
    rejects: list[tuple[Reject, object]] = []
    drift: dict[str, list[str]] = {}
    # Workbooks feed the dates of their sheets wherever they lie, so the whole source prefix is listed
    # (names only); files are read only when they feed a wanted partition.
    for info in store.list(source.prefix):
        try:
            landing_file = parse_landing_key(info)
        except LayoutError:
            continue  # reported by the landing sensor; not part of any partition
        if ctx.dts is not None and not wanted.intersection(partitions_of(store, landing_file)):
            continue
        parsed = read_landing_file(store, landing_file, source, ctx.dts)
        if parsed.table.num_rows:
            tables.append(parsed.table)
        if parsed.extra_columns and parsed.table.num_rows:
            drift[landing_file.key] = list(parsed.extra_columns)
        rejects.extend(
            (r, landing_file.modified) for r in parsed.rejects if ctx.dts is None or r.dt in wanted
        )

    schema = bronze_schema(source)
    data = pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()
    unparsed = pa.table(
        {
            "file": [r.file for r, _ in rejects],
            "row": [r.row for r, _ in rejects],
            "reason": [r.reason for r, _ in rejects],
            "raw": [r.raw for r, _ in rejects],
            "_ingested_at": [m for _, m in rejects],
            "dt": [r.dt for r, _ in rejects],
        },
        schema=unparsed_schema(),
    )
    ctx.notes[SCHEMA_DRIFT_CHECK] = drift
    if source.bronze_transform:
        data, unparsed = load_object(source.bronze_transform)(data, unparsed)
        schema = data.schema
    return {
        "bronze": ctx.from_arrow(data),
        "unparsed": ctx.from_arrow(unparsed),
    }
