"""Spark transforms of the purchases domain: pure functions of their input DataFrames (and, for the
incremental summary, of versions of the lake tables they read).

Where a purchase lives
----------------------
`silver/purchases/purchases` is partitioned by ingestion date `dt` and holds, per day, the valid rows of that
day's files, one per purchase_id (a purchase_id repeated within a day: the latest delivery wins, ties the
later row of the file). A day's partition is only ever rewritten by a run of that day, so a re-run or a
late file never touches other days. A purchase corrected on a later ingestion date therefore has one row
in each day it was delivered; the purchase *is* its latest row: the greatest (dt, _ingested_at,
_source_file, _row). `latest_purchases` applies that rule, and the gold summary is built from it only.

The summary is incremental by *watermark*: each commit of gold records the silver version it reflects.
The next run compares the partition files of that version with the current one; only the customers whose
purchases lie in a changed partition (before or after the change), or who share a purchase_id with such a
row, are recomputed (found with Arrow on the driver from silver's two key columns; their purchases read
from silver with one Spark scan) and merged (delta-rs MERGE). The result equals a full recomputation by
construction; without a usable watermark the summary is recomputed in full.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from platform_assets.core.conventions import MONEY
from platform_assets.core.execution import Upsert
from platform_assets.core.rules import LINEAGE_COLUMNS, split
from platform_assets.purchases import rules
from platform_assets.purchases.sources import FX_RATES, PURCHASES

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext

WATERMARK = "omnilake.watermark"
# The latest delivery of a purchase: later ingestion date, then later file delivery, then later row.
INGESTION_ORDER = ("dt", "_ingested_at", "_source_file", "_row")
SUMMARY_COLUMNS = (
    "customer_id",
    "full_name",
    "email",
    "purchases",
    "total_spent_aud",
    "first_purchase_date",
    "last_purchase_date",
)


def silver_fx_rates(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """FX rates to AUD: one row per currency and date, the latest delivery winning (a later folder, then a
    later file). AUD needs no row: its rate is 1 by definition."""
    from pyspark.sql import functions as F

    typed_columns, fx_rules = rules.fx_rates()
    silver, quarantine = split(
        inputs["bronze"],
        ctx,
        raw_columns=FX_RATES.columns,
        typed_columns=typed_columns,
        rules=fx_rules,
        key=["currency", "date"],
        silver_columns=[*typed_columns, *LINEAGE_COLUMNS],
        order_first=[F.col("dt").desc()],
    )
    return {"silver": silver, "quarantine": quarantine}


def daily_rates(rates: DataFrame, last_day: str) -> DataFrame:
    """(currency, day) -> the latest rate on or before that day, for every day from a currency's first
    rate to `last_day` (an as-of join becomes an equi-join on a small table)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_date = Window.partitionBy("currency").orderBy("date")
    spans = rates.where(F.col("currency") != rules.AUD).select(
        "currency", "date", "aud_per_unit", F.lead("date").over(by_date).alias("_next")
    )
    end = F.coalesce(F.date_sub("_next", 1), F.greatest(F.col("date"), F.to_date(F.lit(last_day))))
    return spans.select(
        F.col("currency").alias("_fx_currency"),
        F.explode(F.sequence(F.col("date"), end)).alias("_fx_day"),
        F.col("aud_per_unit").alias("_fx_rate"),
        F.col("date").alias("_fx_date"),
    )


def silver_purchases(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Purchases per ingestion date: names trimmed, email trimmed and lower-cased, typed and checked,
    amount_aud = round(amount x the latest rate on or before purchase_date, 2) (AUD: 1). One row per
    purchase_id and day (latest delivery wins); across days the latest ingested row is the purchase
    (see the gold summary)."""
    from pyspark.sql import functions as F

    rates = inputs["fx_rates"]
    listed = (
        rates.select(F.col("currency").alias("_listed_currency"))
        .union(ctx.spark.createDataFrame([(rules.AUD,)], "_listed_currency string"))
        .distinct()
        .withColumn("_currency_listed", F.lit(True))
    )
    # Rows dated after their ingestion day are quarantined, so the run's last day bounds every rate lookup.
    last_day = max(ctx.dts) if ctx.dts else "9999-12-31"
    calendar = daily_rates(rates, last_day)
    currency = rules.currency_code("currency")
    bronze = (
        inputs["bronze"]
        .withColumn("_pcurrency", currency)
        .withColumn("_pdate", rules.iso_date("purchase_date"))
        .join(F.broadcast(listed), F.col("_pcurrency") == F.col("_listed_currency"), "left")
        .join(
            F.broadcast(calendar),
            (F.col("_pcurrency") == F.col("_fx_currency")) & (F.col("_pdate") == F.col("_fx_day")),
            "left",
        )
        .withColumn("_currency_listed", F.coalesce("_currency_listed", F.lit(False)))
        .withColumn(
            "_aud_per_unit",
            F.when(F.col("_pcurrency") == rules.AUD, F.lit(1).cast(rules.RATE)).otherwise(F.col("_fx_rate")),
        )
        .withColumn("_fx_rate_date", F.when(F.col("_pcurrency") != rules.AUD, F.col("_fx_date")))
    )
    typed_columns, purchase_rules = rules.purchases()
    silver, quarantine = split(
        bronze,
        ctx,
        raw_columns=PURCHASES.columns,
        typed_columns=typed_columns,
        rules=purchase_rules,
        key=["purchase_id", "dt"],
    )
    return {"silver": silver, "quarantine": quarantine}


def latest_purchases(rows: DataFrame) -> DataFrame:
    """The purchase each purchase_id is: its latest ingested row (needs every row of each purchase_id)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    latest = Window.partitionBy("purchase_id").orderBy(*[F.col(c).desc() for c in INGESTION_ORDER])
    return rows.withColumn("_rank", F.row_number().over(latest)).where("_rank = 1").drop("_rank")


def summarize(purchases: DataFrame) -> DataFrame:
    """The summary of each customer from their purchases (one row per purchase): name and email of the
    customer's latest purchase (latest purchase_date, then latest ingested, then highest purchase_id)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    totals = purchases.groupBy("customer_id").agg(
        F.count(F.lit(1)).alias("purchases"),
        F.sum("amount_aud").alias("total_spent_aud"),
        F.min("purchase_date").alias("first_purchase_date"),
        F.max("purchase_date").alias("last_purchase_date"),
    )
    newest = Window.partitionBy("customer_id").orderBy(
        F.col("purchase_date").desc(),
        *[F.col(c).desc() for c in INGESTION_ORDER],
        F.col("purchase_id").desc(),
    )
    who = (
        purchases.withColumn("_rank", F.row_number().over(newest))
        .where("_rank = 1")
        .select(
            "customer_id",
            F.nullif(F.concat_ws(" ", "first_name", "last_name"), F.lit("")).alias("full_name"),
            "email",
        )
    )
    return totals.join(who, "customer_id").select(
        F.col("customer_id").cast("long"),
        "full_name",
        "email",
        F.col("purchases").cast("long"),
        F.col("total_spent_aud").cast(MONEY),
        "first_purchase_date",
        "last_purchase_date",
    )


def full_summary(silver: DataFrame) -> DataFrame:
    """The summary recomputed from every silver row (what the incremental path must always equal)."""
    return summarize(latest_purchases(silver))


def customer_purchase_summary(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, Upsert]:
    """Customer purchase summary over every ingestion date: purchases, total spent in AUD, first and last
    purchase date, and the name and email of the latest purchase. A purchase counts once, as its latest
    ingested row, so a double delivery or a re-run never double counts. Incremental: a run recomputes only
    the customers touched by the silver partitions that changed since the last run, and merges them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyspark.sql import functions as F

    spark, lake = ctx.spark, ctx.lake
    silver_table, gold_table = ctx.tables["purchases"], ctx.tables["gold"]
    current = lake.delta(silver_table)
    version, table_id = current.version(), current.metadata().id
    silver = _pinned(inputs["purchases"], lake, spark, silver_table, current)
    metadata = {WATERMARK: json.dumps({"table": silver_table, "id": table_id, "version": version})}

    reason = _no_increment(lake, gold_table, table_id, version, ctx.params.get("full_refresh", False))
    if reason is None and not _same_columns(lake.arrow_schema(gold_table), full_summary(silver).schema):
        reason = "the summary's columns changed"
    since = None
    if reason is None:
        since = json.loads(lake.commit_value(gold_table, WATERMARK))["version"]
        try:
            changed = lake.changed_partitions(silver_table, since, version)
            # Eager (the partitions of one run are small): a vacuumed old version fails here, not later.
            before = lake.read_arrow(
                silver_table, changed, version=since, columns=["purchase_id", "customer_id"]
            )
        except Exception as exc:  # noqa: BLE001 - any unreadable old version: recompute everything
            reason = f"silver v{since} is no longer readable ({type(exc).__name__})"
    if reason is not None:
        facts = {"mode": "full", "reason": reason, "silver_version": version}
        return {"gold": Upsert(full_summary(silver), full=True, commit_metadata=metadata, facts=facts)}

    facts = {
        "mode": "incremental",
        "silver_version": version,
        "since_silver_version": since,
        "changed_partitions": changed[:31],
        "changed_partition_count": len(changed),
    }
    if not changed:
        empty = spark.createDataFrame([], full_summary(silver).schema)
        return {"gold": Upsert(empty, commit_metadata=metadata, facts={**facts, "customers_recomputed": 0})}

    # Which customers to recompute, on the driver with Arrow: the (purchase_id, customer_id) of all of silver
    # is two integer columns (16 MB a million rows) and spares Spark two scans of every silver file.
    keys = lake.read_arrow(silver_table, version=version, columns=["purchase_id", "customer_id"])
    new_keys = lake.read_arrow(silver_table, changed, version=version, columns=["purchase_id", "customer_id"])
    touched = pc.unique(
        pa.chunked_array([*new_keys["purchase_id"].chunks, *before["purchase_id"].chunks], pa.int64())
    )
    # Every customer with a row (before or after) of a purchase whose rows changed: the owners of rows of
    # the changed days, and the owners of the same purchase_ids on other days (an update may move a
    # purchase between customers, or supersede a row delivered earlier).
    owners = keys.filter(pc.is_in(keys["purchase_id"], value_set=touched))["customer_id"]
    affected_ids = pc.unique(
        pa.chunked_array([*owners.chunks, *before["customer_id"].chunks], pa.int64())
    ).drop_null()
    their_ids = pc.unique(keys.filter(pc.is_in(keys["customer_id"], value_set=affected_ids))["purchase_id"])
    affected = spark.createDataFrame(pa.table({"customer_id": affected_ids}).to_pandas(), "customer_id long")
    their_purchases = spark.createDataFrame(
        pa.table({"purchase_id": their_ids}).to_pandas(), "purchase_id long"
    )
    candidates = silver.join(F.broadcast(their_purchases), "purchase_id", "left_semi")
    winners = latest_purchases(candidates).join(F.broadcast(affected), "customer_id", "left_semi")
    rows = summarize(winners)
    gone = affected.join(rows.select("customer_id"), "customer_id", "left_anti")
    facts["customers_recomputed"] = len(affected_ids)
    return {"gold": Upsert(rows, delete_keys=gone, commit_metadata=metadata, facts=facts)}


def _no_increment(lake, gold_table: str, table_id: str, version: int, full_refresh: bool) -> str | None:
    """Why this run must recompute the whole summary, or None when the watermark allows an increment."""
    if full_refresh:
        return "full refresh requested"
    if not lake.exists(gold_table):
        return "first build"
    raw = lake.commit_value(gold_table, WATERMARK)
    if raw is None:
        return "no watermark in the recent commits of the summary"
    mark = json.loads(raw)
    if mark.get("id") != table_id:
        return "silver purchases was recreated since the last run"
    if not isinstance(mark.get("version"), int) or mark["version"] > version:
        return "the watermark is ahead of silver purchases"
    return None


def _same_columns(table_schema, spark_schema) -> bool:
    """Whether the summary table has the columns (names and types) the transform now produces."""
    from pyspark.sql.pandas.types import to_arrow_schema

    produced = to_arrow_schema(spark_schema)
    return [(f.name, f.type) for f in table_schema] == [(f.name, f.type) for f in produced]


def _pinned(given: DataFrame, lake, spark, table: str, current) -> DataFrame:
    """Silver purchases exactly as of `current` (the version the watermark records): the input the job
    already read when it holds the same files (reading a table lists every file, seconds for hundreds of
    files), else a fresh read of that version."""
    import os

    def norm(paths) -> set[str]:
        return {os.path.normpath(p.removeprefix("file://").removeprefix("file:")) for p in paths}

    from platform_assets.core.spark import is_connect

    # A Connect engine reads a pinned Delta version lazily (no file listing to save): read it again.
    if lake.is_local and not is_connect(spark) and norm(given.inputFiles()) == norm(current.file_uris()):
        return given
    return lake.read(spark, table, version=current.version())
