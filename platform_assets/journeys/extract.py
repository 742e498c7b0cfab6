"""Extraction from the source database, and the write-back into it (SQLAlchemy, bound parameters only).

Bronze keeps every source value as delivered, as text, plus `_source_file` (the source table), `_row`
(position in the day's extract, ordered by primary key), `_ingested_at` (extraction time) and `dt`. The
sessions extract carries its `session_costs` row as `cost` (null when the session has none).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cache
from typing import TYPE_CHECKING, Sequence

from platform_assets.core.bronze import lineage_fields
from platform_assets.core.conventions import ISO_DATE_PATTERN
from platform_assets.journeys.sources import (
    CONVERSION_COLUMNS,
    CONVERSIONS,
    SESSION_COLUMNS,
    SESSION_COSTS,
    SESSION_SOURCES,
    WRITEBACK_ATTRIBUTION,
    WRITEBACK_REPORT,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

_DATE = re.compile(ISO_DATE_PATTERN)


@cache
def sessions_schema() -> pa.Schema:
    """bronze/journeys/sessions: the extracted text columns and the lineage columns of every bronze table."""
    import pyarrow as pa

    return pa.schema([pa.field(c, pa.string()) for c in (*SESSION_COLUMNS, "cost")] + list(lineage_fields()))


@cache
def conversions_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([pa.field(c, pa.string()) for c in CONVERSION_COLUMNS] + list(lineage_fields()))


def _text(value) -> str | None:
    return None if value is None else str(value)


def _tables():
    import sqlalchemy as sa

    s = sa.table(SESSION_SOURCES, *[sa.column(c) for c in SESSION_COLUMNS])
    costs = sa.table(SESSION_COSTS, sa.column("session_id"), sa.column("cost"))
    conv = sa.table(CONVERSIONS, *[sa.column(c) for c in CONVERSION_COLUMNS])
    return s, costs, conv


def _arrow(
    rows: list, columns: Sequence[str], date_column: str, source: str, schema: pa.Schema, now
) -> pa.Table:
    import pyarrow as pa

    out: dict[str, list] = {c: [] for c in schema.names}
    row_in_day: dict[str, int] = {}
    for r in rows:
        m = r._mapping
        dt = m[date_column]
        row_in_day[dt] = row_in_day.get(dt, 0) + 1
        for c in columns:
            out[c].append(_text(m[c]))
        out["_source_file"].append(source)
        out["_row"].append(row_in_day[dt])
        out["_ingested_at"].append(now)
        out["dt"].append(dt)
    return pa.table(out, schema=schema)


def extract(engine, days: Sequence[str]) -> dict[str, pa.Table]:
    """Bronze sessions (dt = event_date, with cost) and conversions (dt = conv_date) of `days`, in one
    read transaction (both extracts see the same database state)."""
    import sqlalchemy as sa

    days = sorted(set(days))
    s, costs, conv = _tables()
    wanted = sa.bindparam("days", expanding=True)
    sessions_q = (
        sa.select(*[s.c[c] for c in SESSION_COLUMNS], costs.c.cost)
        .select_from(s.outerjoin(costs, s.c.session_id == costs.c.session_id))
        .where(s.c.event_date.in_(wanted))
        .order_by(s.c.event_date, s.c.session_id)
    )
    conversions_q = (
        sa.select(*[conv.c[c] for c in CONVERSION_COLUMNS])
        .where(conv.c.conv_date.in_(wanted))
        .order_by(conv.c.conv_date, conv.c.conv_id)
    )
    now = datetime.now(timezone.utc)
    with engine.connect() as conn, conn.begin():
        sessions = conn.execute(sessions_q, {"days": days}).all() if days else []
        conversions = conn.execute(conversions_q, {"days": days}).all() if days else []
    return {
        "sessions": _arrow(
            sessions, (*SESSION_COLUMNS, "cost"), "event_date", SESSION_SOURCES, sessions_schema(), now
        ),
        "conversions": _arrow(
            conversions, CONVERSION_COLUMNS, "conv_date", CONVERSIONS, conversions_schema(), now
        ),
    }


def source_dates(url: str | None = None, start: str | None = None) -> list[str]:
    """Every session and conversion date in the source database, from the platform's first partition on
    (empty when the database or its tables do not exist yet). An unreachable database or a refused login
    raises: a run over "no dates" would look like success."""
    import sqlalchemy as sa

    from platform_assets import settings

    url = url or settings.journeys_db_url()
    start = start or settings.start_date()
    if url.startswith("sqlite:///"):
        from pathlib import Path

        if not Path(url.removeprefix("sqlite:///")).exists():
            return []
    s, _, conv = _tables()
    query = sa.union(
        sa.select(s.c.event_date.label("d")).distinct(), sa.select(conv.c.conv_date.label("d")).distinct()
    )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not (inspector.has_table(SESSION_SOURCES) and inspector.has_table(CONVERSIONS)):
                return []
            values = [r[0] for r in conn.execute(query)]
    finally:
        engine.dispose()
    return sorted(d for d in values if isinstance(d, str) and _DATE.match(d) and d >= start)


WRITEBACK_DDL = {
    WRITEBACK_ATTRIBUTION: (
        ("conv_id", "session_id"),
        {"conv_id": "text", "session_id": "text", "ihc": "float"},
    ),
    WRITEBACK_REPORT: (
        ("channel_name", "date"),
        {"channel_name": "text", "date": "text", "cost": "float", "ihc": "float", "ihc_revenue": "float"},
    ),
}


def _writeback_table(name: str):
    import sqlalchemy as sa

    key, columns = WRITEBACK_DDL[name]
    types = {"text": sa.Text, "float": lambda: sa.Float(53)}
    return sa.Table(
        name,
        sa.MetaData(),
        *[sa.Column(c, types[t](), primary_key=c in key, autoincrement=False) for c, t in columns.items()],
    )


def write_back(engine, attribution: pa.Table, report: pa.Table) -> dict[str, int]:
    """Upsert both tables into the source database in ONE transaction (bound parameters).

    `attribution_customer_journey` is upserted by conversion: the rows of every conversion written are
    replaced as a whole (a journey whose sessions changed leaves no stale session behind);
    `channel_reporting` by (channel_name, date). Keys gold no longer has are deleted, so the source tables
    mirror gold after every run. Tables are created (with those keys) when absent; a
    challenge database that already has them without a key is fine too: delete-then-insert by key never
    duplicates. Any failure rolls everything back."""
    import sqlalchemy as sa

    att_rows = attribution.select(["conv_id", "session_id", "ihc"]).to_pylist()
    rep_rows = report.select(["channel_name", "date", "cost", "ihc", "ihc_revenue"]).to_pylist()
    att, rep = _writeback_table(WRITEBACK_ATTRIBUTION), _writeback_table(WRITEBACK_REPORT)
    counts = {}
    with engine.begin() as conn:
        att.create(conn, checkfirst=True)
        rep.create(conn, checkfirst=True)
        # Keys written now, plus keys the database holds that gold no longer has (a conversion now excluded,
        # a channel and date without sessions any more): both tables end equal to gold.
        gold_convs = {r["conv_id"] for r in att_rows}
        held_convs = set(conn.execute(sa.select(att.c.conv_id).distinct()).scalars())
        convs = [{"k_conv": c} for c in sorted(gold_convs | held_convs)]
        if convs:
            conn.execute(sa.delete(att).where(att.c.conv_id == sa.bindparam("k_conv")), convs)
        if att_rows:
            conn.execute(sa.insert(att), att_rows)
        gold_keys = {(r["channel_name"], r["date"]) for r in rep_rows}
        held_keys = {tuple(r) for r in conn.execute(sa.select(rep.c.channel_name, rep.c.date).distinct())}
        keys = [{"k_channel": c, "k_date": d} for c, d in sorted(gold_keys | held_keys, key=str)]
        if keys:
            conn.execute(
                sa.delete(rep).where(
                    (rep.c.channel_name == sa.bindparam("k_channel")) & (rep.c.date == sa.bindparam("k_date"))
                ),
                keys,
            )
        if rep_rows:
            conn.execute(sa.insert(rep), rep_rows)
        counts[WRITEBACK_ATTRIBUTION] = conn.execute(sa.select(sa.func.count()).select_from(att)).scalar_one()
        counts[WRITEBACK_REPORT] = conn.execute(sa.select(sa.func.count()).select_from(rep)).scalar_one()
    counts.update({"attribution_rows_written": len(att_rows), "report_rows_written": len(rep_rows)})
    return counts
