"""Silver rules: type a bronze frame, split it into silver rows and quarantine rows.

Every bronze row ends in exactly one place: silver (it passed every rule and is the latest delivery of its
key) or quarantine (with `_rules_failed` naming each rule it failed, or `superseded_by_later_delivery` when
a later delivery of the same key won). So bronze rows = silver rows + quarantine rows, always.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame

    from platform_assets.core.execution import TransformContext

SUPERSEDED = "superseded_by_later_delivery"
LINEAGE_COLUMNS = ("_source_file", "_row", "_ingested_at")
_TYPED = "__typed_"
_COLUMN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Rule:
    """A named rule; `fails` is a boolean Column, true on rows that break the rule."""

    name: str
    fails: "Column"


def typed(name: str) -> "Column":
    """The typed value of a column inside `split` (the raw string stays under its own name)."""
    from pyspark.sql import functions as F

    return F.col(f"{_TYPED}{name}")


def blank(name: str) -> "Column":
    """True when the raw value is null or only white space."""
    from pyspark.sql import functions as F

    return F.col(name).isNull() | (F.trim(F.col(name)) == "")


def parsed(name: str, type_name: str) -> "Column":
    """The trimmed text of column `name` as `type_name` (a Spark SQL type), null where it does not parse.

    `try_cast` through SQL: `Column.try_cast` is Spark 4 only, and a plain `cast` of unparseable text
    errors on Sail even with ANSI off, where classic Spark returns null."""
    from pyspark.sql import functions as F

    if not _COLUMN_NAME.match(name):
        raise ValueError(f"not a column name: {name!r}")
    return F.expr(f"try_cast(trim(`{name}`) as {type_name})")


def parsed_date(text: "Column", pattern: str) -> "Column":
    """`text` as a date in `pattern`, null where it is not one (`try_to_date` is Spark 4 only)."""
    from pyspark.sql import functions as F

    return F.to_date(F.try_to_timestamp(text, F.lit(pattern)))


def trimmed(name: str) -> "Column":
    """The raw text without surrounding white space; null when blank."""
    from pyspark.sql import functions as F

    return F.nullif(F.trim(F.col(name)), F.lit(""))


def identifier(name: str) -> "Column":
    """A key (an id of a user, order, product ...): its trimmed text. Keys are identifiers, not numbers:
    'u023' and '00042' are keys as good as '42' (spec: platform.md, Lake tables)."""
    return trimmed(name)


def as_long(name: str) -> "Column":
    return parsed(name, "long")


def as_int(name: str) -> "Column":
    from pyspark.sql import functions as F

    # Excel-sourced integers can arrive as '3.0'; a value with a fraction, or beyond the int range (which
    # a plain cast would wrap around), is not an integer.
    d = parsed(name, "double")
    return F.when((d == F.floor(d)) & d.between(-(2**31), 2**31 - 1), d.cast("int"))


def as_decimal(name: str, precision: int = 18, scale: int = 2) -> "Column":
    return parsed(name, f"decimal({precision},{scale})")


def as_timestamp(name: str) -> "Column":
    """ISO-8601 text (with 'T' or a space; naive = UTC) as a timestamp; unparseable: null."""
    from pyspark.sql import functions as F

    return F.try_to_timestamp(F.trim(F.col(name)))


def not_null_rule(name: str) -> Rule:
    return Rule(f"{name}_not_null", blank(name))


def type_rule(name: str, kind: str) -> Rule:
    """A present raw value that does not parse as `kind` (a blank one is the not-null rule's business)."""
    return Rule(f"{name}_is_{kind}", ~blank(name) & typed(name).isNull())


def split(
    bronze: "DataFrame",
    ctx: "TransformContext",
    *,
    raw_columns: Sequence[str],
    typed_columns: Mapping[str, "Column"],
    rules: Sequence[Rule],
    key: Sequence[str],
    silver_columns: Sequence[str] | None = None,
    order_first: Sequence["Column"] = (),
    quarantine_superseded: bool = True,
) -> tuple["DataFrame", "DataFrame"]:
    """(silver, quarantine) from a bronze frame.

    `typed_columns` are computed first (read them in rules with `typed(name)`); a row is valid when no rule
    fails; among valid rows of one `key` the latest delivery wins (`_ingested_at`, then `_source_file`,
    then `_row`, so a re-delivered file beats the original and the later row of a file beats an earlier
    one), after any `order_first` orderings (e.g. the latest snapshot). `silver_columns` name typed
    columns or other columns of the frame (default: the typed columns, lineage and `dt`); the quarantine keeps the raw columns as delivered plus
    lineage, `_rules_failed` and `dt`. Superseded deliveries go to quarantine too, unless
    `quarantine_superseded` is off (snapshots: an older snapshot is history, not a problem).

    The typed, judged and ranked rows are computed once (`ctx.checkpoint`): silver and quarantine are two
    filters of them, not two evaluations of every rule and of the window.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if silver_columns is None:
        silver_columns = [*typed_columns, *LINEAGE_COLUMNS, "dt"]
    df = bronze.withColumns({f"{_TYPED}{k}": v for k, v in typed_columns.items()})
    failed = (
        F.filter(F.array(*[F.when(r.fails, F.lit(r.name)) for r in rules]), lambda x: x.isNotNull())
        if rules
        else F.array().cast("array<string>")
    )
    df = df.withColumn("_rules_failed", failed)
    by_key = [typed(k) if k in typed_columns else F.col(k) for k in key]
    latest = Window.partitionBy(*by_key, F.size("_rules_failed") == 0).orderBy(
        *order_first, F.col("_ingested_at").desc(), F.col("_source_file").desc(), F.col("_row").desc()
    )
    df = df.withColumn("__rank", F.row_number().over(latest))
    df = df.withColumn(
        "_rules_failed",
        F.when((F.size("_rules_failed") == 0) & (F.col("__rank") > 1), F.array(F.lit(SUPERSEDED))).otherwise(
            F.col("_rules_failed")
        ),
    )
    keep = dict.fromkeys(
        [*raw_columns, *LINEAGE_COLUMNS, "_rules_failed", "dt"]
        + [f"{_TYPED}{c}" if c in typed_columns else c for c in silver_columns]
    )
    df = ctx.checkpoint(df.select(*keep), "split")
    ok = F.size("_rules_failed") == 0
    superseded = F.coalesce(F.array_contains("_rules_failed", SUPERSEDED), F.lit(False))
    dropped = ~ok if quarantine_superseded else (~ok & ~superseded)

    def pick(c: str) -> "Column":
        return typed(c).alias(c) if c in typed_columns else F.col(c)

    silver = df.where(ok).select(*[pick(c) for c in silver_columns])
    quarantine = df.where(dropped).select(
        *[F.col(c) for c in raw_columns], *LINEAGE_COLUMNS, "_rules_failed", "dt"
    )
    return silver, quarantine
