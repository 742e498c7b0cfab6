"""Data-quality checks every source gets: the share of its rows set aside, its unparsed files, and the
columns a delivery added (schema drift). Plain functions of a job's DataFrames (no Dagster), attached by
the medallion builders; thresholds default here and are overridden beside a source (`Source.quality`).

Why shares and not counts: one bad row in a million is noise, a day whose rows are mostly quarantined is a
broken delivery (a changed key format, a new export tool) that must not publish an empty or partial day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Sequence

from platform_assets.core.rules import SUPERSEDED

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext
    from platform_assets.core.lake import Lake, TableRef

QUARANTINE_SHARE_CHECK = "quarantine_share"
UNPARSED_CHECK = "unparsed_files"
SCHEMA_DRIFT_CHECK = "schema_drift"
# Metadata key of a blocking check's failure: the days it holds back (the others of the run are committed).
HELD_DAYS = "held_days"
_SAMPLE = 20
# ctx.notes key under which the share check leaves the run's rows of the quality history.
HISTORY_NOTE = "quality_history"
ALL_RULES = "(all)"
HISTORY_KEY = ("run_id", "table_path", "rule", "dt")
# A run tag an operator sets to accept a known-bad delivery: this run's ERROR share (e.g. "0.6").
ACCEPT_SHARE_TAG = "omnilake/accept_quarantine_share"


def history_schema() -> "pa.Schema":
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("run_id", pa.string()),
            pa.field("table_path", pa.string()),
            pa.field("rule", pa.string()),
            pa.field("dt", pa.string()),
            pa.field("rows_in", pa.int64()),
            pa.field("passed", pa.int64()),
            pa.field("quarantined", pa.int64()),
            pa.field("rescued", pa.int64()),
            pa.field("held", pa.bool_()),
            pa.field("recorded_at", pa.timestamp("us", tz="UTC")),
        ]
    )


def history_table(domain: str) -> "TableRef":
    """`quality/<domain>/rule_results`: per run, silver table, rule and day, the rows in, passed,
    quarantined and rescued (rule `(all)`: the day's totals). Query it: `omnilake query "select * from
    quality_<domain>_rule_results"`."""
    from platform_assets.core.lake import TableRef

    return TableRef("quality", domain, "rule_results")


@dataclass(frozen=True)
class QuarantineThresholds:
    """Share of a source's rows (per run and per day) in quarantine above which its silver check warns,
    and above which it fails and holds the day back (nothing of that day is published)."""

    warn: float = 0.05
    error: float = 0.50

    def __post_init__(self) -> None:
        if not 0 <= self.warn <= self.error <= 1:
            raise ValueError(
                f"quarantine thresholds need 0 <= warn <= error <= 1, got {self.warn}, {self.error}"
            )


DEFAULT_THRESHOLDS = QuarantineThresholds()


@dataclass(frozen=True)
class Freshness:
    """How often a landing source delivers (hours) and how late a delivery may be before its bronze table
    is stale: it warns after `every_hours` without an update and fails after `every_hours + grace_hours`."""

    every_hours: float = 24.0
    grace_hours: float = 6.0

    def __post_init__(self) -> None:
        if not (self.every_hours > 0 and self.grace_hours > 0):
            raise ValueError(f"freshness needs every_hours > 0 and grace_hours > 0, got {self}")


DAILY_DELIVERIES = Freshness()


def _share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def quarantine_counts(
    quarantine: "DataFrame", bronze: "DataFrame", source: str, *, latest_only: bool = False
) -> tuple[dict[str, int], dict[str, int], dict[str, dict[str, int]], dict[str, int]]:
    """(rows in, rows quarantined, rows per rule, rows with rescued columns), each per day, of one source.
    A superseded delivery (a later delivery of the key won) is history, not a row in: it counts in neither.
    `latest_only`: only the newest day (a snapshot source: its latest snapshot is what the table becomes).
    Unpartitioned inputs count under the day ''."""
    from pyspark.sql import functions as F

    from platform_assets.core.landing import RESCUED_COLUMN

    day = F.col("dt") if "dt" in bronze.columns else F.lit("")
    qday = F.col("dt") if "dt" in quarantine.columns else F.lit("")
    if latest_only and "dt" in bronze.columns:
        newest = bronze.agg(F.max("dt")).first()[0]
        bronze = bronze.where(F.col("dt") == F.lit(newest))
        quarantine = quarantine.where(qday == F.lit(newest)) if "dt" in quarantine.columns else quarantine
    has_rescued = RESCUED_COLUMN in bronze.columns
    counted = (
        bronze.groupBy(day.alias("d"))
        .agg(
            F.count(F.lit(1)).alias("n"),
            F.count(F.col(RESCUED_COLUMN) if has_rescued else F.lit(None)).alias("rescued"),
        )
        .collect()
    )
    superseded = F.coalesce(F.array_contains("_rules_failed", SUPERSEDED), F.lit(False))
    by_kind = (
        quarantine.groupBy(qday.alias("d"), superseded.alias("superseded"))
        .agg(F.count(F.lit(1)).alias("n"))
        .collect()
    )
    history = {r["d"]: int(r["n"]) for r in by_kind if r["superseded"]}
    quarantined = {r["d"]: int(r["n"]) for r in by_kind if not r["superseded"]}
    rows_in = {r["d"]: int(r["n"]) - history.get(r["d"], 0) for r in counted}
    rescued = {r["d"]: int(r["rescued"]) for r in counted}
    by_rule = (
        quarantine.where(~superseded)
        .select(qday.alias("d"), F.explode("_rules_failed").alias("rule"))
        .groupBy("d", "rule")
        .agg(F.count(F.lit(1)).alias("n"))
        .collect()
    )
    rules: dict[str, dict[str, int]] = {}
    for r in by_rule:
        rules.setdefault(f"{source}:{r['rule']}", {})[r["d"]] = int(r["n"])
    return rows_in, quarantined, rules, rescued


def quarantine_share(
    outputs: dict[str, "DataFrame"],
    inputs: dict[str, "DataFrame"],
    ctx: "TransformContext",
    *,
    pairs: Sequence[Sequence[str]],
    warn: float,
    error: float,
    per_day: bool = True,
    table: str = "",
) -> tuple[bool, dict[str, Any], str]:
    """Share of the rows in that went to quarantine (a rule failed), per run and per day, for each
    (quarantine output, bronze input) pair of the job (a small source is not hidden behind a large one).
    WARN above `warn`; ERROR above `error`. `per_day` (daily outputs): a day above `error` in any source is
    held back and the other days of the run are committed; else (a table rebuilt from every snapshot) the
    newest snapshot decides."""
    rows_in: dict[str, int] = {}
    quarantined: dict[str, int] = {}
    rules: dict[str, dict[str, int]] = {}
    rescued: dict[str, int] = {}
    held: set[str] = set()
    over_error = over_warn = False
    by_source: dict[str, dict[str, Any]] = {}
    for output, source in pairs:
        n_in, n_q, by_rule, n_rescued = quarantine_counts(
            outputs[output], inputs[source], source, latest_only=not per_day
        )
        source_shares = {d: _share(n_q.get(d, 0), n_in.get(d, 0)) for d in set(n_in) | set(n_q)}
        total = _share(sum(n_q.values()), sum(n_in.values()))
        if per_day:
            held |= {d for d, share in source_shares.items() if d and share > error}
        over_error |= total > error or any(share > error for share in source_shares.values())
        over_warn |= total > warn or any(share > warn for share in source_shares.values())
        by_source[source] = {"rows_in": sum(n_in.values()), "quarantined": sum(n_q.values()), "share": total}
        for d, n in n_in.items():
            rows_in[d] = rows_in.get(d, 0) + n
        for d, n in n_q.items():
            quarantined[d] = quarantined.get(d, 0) + n
        for d, n in n_rescued.items():
            rescued[d] = rescued.get(d, 0) + n
        rules.update(by_rule)
    total_in, total_q = sum(rows_in.values()), sum(quarantined.values())
    days = sorted(set(rows_in) | set(quarantined))
    by_day = {
        d: {
            "rows_in": rows_in.get(d, 0),
            "quarantined": quarantined.get(d, 0),
            "share": _share(quarantined.get(d, 0), rows_in.get(d, 0)),
        }
        for d in days
    }
    severity = "ERROR" if over_error else "WARN"
    metadata: dict[str, Any] = {
        "rows_in": total_in,
        "quarantined": total_q,
        "share": _share(total_q, total_in),
        "warn_above": warn,
        "error_above": error,
        "by_source": by_source,
        "by_day": {d or "all": v for d, v in by_day.items()},
        "by_rule": {rule: sum(n.values()) for rule, n in sorted(rules.items())},
        "by_rule_and_day": {
            rule: {d or "all": n for d, n in sorted(v.items())} for rule, v in sorted(rules.items())
        },
        "days_over_warn": [d for d in days if d and by_day[d]["share"] > warn],
    }
    if held:
        metadata[HELD_DAYS] = sorted(held)
    if over_error:
        worst = max(rules.items(), key=lambda kv: sum(kv[1].values()))[0] if rules else "?"
        top = max([v["share"] for v in by_day.values()] + [s["share"] for s in by_source.values()])
        metadata["summary"] = (
            f"{_pct(top)} of rows quarantined (above {_pct(error)}), mostly by rule {worst}"
            + (f"; days held back: {', '.join(sorted(held))}" if held else "")
        )
    ctx.notes.setdefault(HISTORY_NOTE, []).extend(
        _history_rows(table, days, rows_in, quarantined, rules, rescued, held)
    )
    return not (over_error or over_warn), metadata, severity


def _history_rows(table, days, rows_in, quarantined, rules, rescued, held) -> list[dict[str, Any]]:
    rows = []
    for d in days:
        n_in, n_q = rows_in.get(d, 0), quarantined.get(d, 0)
        base = {
            "table_path": table,
            "dt": d,
            "rows_in": n_in,
            "passed": n_in - n_q,
            "rescued": rescued.get(d, 0),
            "held": d in held,
        }
        rows.append({**base, "rule": ALL_RULES, "quarantined": n_q})
        for rule, by_day in sorted(rules.items()):
            if d in by_day:
                rows.append({**base, "rule": rule, "quarantined": by_day[d]})
    return rows


def record_history(lake: "Lake", domain: str, run_id: str, rows: list[dict[str, Any]]) -> int:
    """Upsert a run's rows into the domain's quality history by (run, table, rule, day): a retried step
    replaces its rows, a new run adds its own. Returns the rows written."""
    if not rows:
        return 0
    import pyarrow as pa

    now = datetime.now(timezone.utc)
    data = pa.Table.from_pylist(
        [{**r, "run_id": run_id, "recorded_at": now} for r in rows], schema=history_schema()
    )
    ref = history_table(domain)
    if lake.exists(ref):
        lake.merge(data, ref, list(HISTORY_KEY))
    else:
        lake.write_arrow(data, ref, None, partitioned=False)
    return data.num_rows


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def unparsed_files(
    outputs: dict[str, "DataFrame"],
    inputs: dict,
    ctx: "TransformContext",
    *,
    output: str,
    bronze: str = "bronze",
    warn: float = DEFAULT_THRESHOLDS.warn,
    error: float = DEFAULT_THRESHOLDS.error,
) -> tuple[bool, dict[str, Any], str]:
    """Files and rows of the source that could not be parsed (file, rows, reason). WARN when there are any;
    ERROR, holding the day back, when most of a day's delivery could not be read (a whole file or a share
    of its rows above `error`): a broken delivery must not replace a good day with an empty or partial one.
    A rejected file counts as one row (its row count is unknown)."""
    from pyspark.sql import functions as F

    rows = outputs[output]
    files = (
        rows.groupBy("file")
        .agg(F.count(F.lit(1)).alias("n"), F.min("reason").alias("reason"))
        .orderBy("file")
    )
    listed = files.limit(_SAMPLE).collect()
    if not listed:
        return True, {"unparsed_rows": 0, "files": []}, "WARN"
    rejected = {r["dt"]: int(r["n"]) for r in rows.groupBy("dt").agg(F.count(F.lit(1)).alias("n")).collect()}
    parsed = {
        r["dt"]: int(r["n"])
        for r in outputs[bronze].groupBy("dt").agg(F.count(F.lit(1)).alias("n")).collect()
    }
    shares = {d: _share(n, n + parsed.get(d, 0)) for d, n in rejected.items()}
    held = sorted(d for d, share in shares.items() if share > error)
    metadata: dict[str, Any] = {
        "unparsed_rows": sum(rejected.values()),
        "files": [{"file": r["file"], "rows": int(r["n"]), "reason": r["reason"]} for r in listed],
        "by_day": {
            d: {"unparsed": rejected[d], "parsed": parsed.get(d, 0), "share": shares[d]}
            for d in sorted(shares)
        },
        "warn_above": warn,
        "error_above": error,
    }
    if held:
        metadata[HELD_DAYS] = held
        metadata["summary"] = (
            f"most of the delivery could not be read on {', '.join(held)} ({listed[0]['file']}: "
            f"{listed[0]['reason']}); those days keep their previous version"
        )
    return False, metadata, "ERROR" if held else "WARN"


def schema_drift(
    outputs: dict[str, "DataFrame"], inputs: dict, ctx: "TransformContext", *, output: str
) -> tuple[bool, dict[str, Any]]:
    """Columns the delivered files have beyond the source's declared ones (kept in `_rescued_data`)."""
    from platform_assets.core.landing import RESCUED_COLUMN

    drift: dict[str, list[str]] = ctx.notes.get(SCHEMA_DRIFT_CHECK, {})
    columns = sorted({c for cols in drift.values() for c in cols})
    rescued = 0
    if drift:
        from pyspark.sql import functions as F

        from platform_assets.core.spark import count_rows

        rescued = count_rows(outputs[output].where(F.col(RESCUED_COLUMN).isNotNull()))
    return not drift, {
        "new_columns": columns,
        "files": [{"file": f, "columns": cols} for f, cols in sorted(drift.items())[:_SAMPLE]],
        "files_with_drift": len(drift),
        "rows_rescued": rescued,
    }
