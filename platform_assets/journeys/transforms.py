"""Spark transforms of the journeys domain: pure functions of their input DataFrames.

Registered by dotted path like every domain's, so they run in-process, under spark-submit and on AWS.
The docstrings are the Dagster asset descriptions. Attribution itself is not here: it scores whole
journey sets in Python on the driver (see `attribution.py` and docs/journeys.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.aggregates import deterministic_sum
from platform_assets.core.rules import split
from platform_assets.journeys.rules import conversion_rules, session_costs, typed_sessions
from platform_assets.journeys.sources import CONVERSION_COLUMNS, LOOKBACK_DAYS

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext

NO_SESSIONS = "no_sessions_in_lookback"
ONLY_IMPRESSIONS = "only_impression_sessions"


def customer_journeys(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Customer journeys (dt = conversion date): for each conversion, every session of the same user with
    `conv_ts - 30 days <= session_ts <= conv_ts` (the lookback), ordered by session_ts then session_id;
    `position` 1..n, `journey_length` n, `conversion` 1 on the last session only; revenue of the
    conversion and cost of the session (no cost row: 0). A conversion with no session in the lookback, or
    whose sessions are all impressions, is excluded from attribution and recorded in
    `quarantine/journeys/excluded_conversions` (`no_sessions_in_lookback`, `only_impression_sessions`),
    like a conversion breaking a rule (blank id or user, unparseable date/time, bad revenue)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    lookback = int(ctx.params.get("lookback_days", LOOKBACK_DAYS))
    bronze = inputs["conversions"]
    typed_columns, rules = conversion_rules()
    conversions, broken = split(
        bronze,
        ctx,
        raw_columns=CONVERSION_COLUMNS,
        typed_columns=typed_columns,
        rules=rules,
        key=["conv_id", "dt"],
        silver_columns=["conv_id", "user_id", "conv_ts", "revenue", "dt"],
    )
    sessions = typed_sessions(inputs["sessions"]).withColumnRenamed("user_id", "_s_user")
    in_lookback = (
        (F.col("_s_user") == F.col("user_id"))
        & (F.col("session_ts") <= F.col("conv_ts"))
        & (F.col("session_ts") >= F.col("conv_ts") - F.make_dt_interval(F.lit(lookback)))
    )
    joined = conversions.join(sessions, in_lookback, "left")
    per_conv = Window.partitionBy("conv_id", "dt")
    joined = joined.withColumns(
        {
            "_sessions": F.count("session_id").over(per_conv),
            "_clicks": F.sum(F.when(F.col("impression_interaction") == 0, 1).otherwise(0)).over(per_conv),
        }
    )
    reason = F.when(F.col("_sessions") == 0, F.lit(NO_SESSIONS)).when(
        F.col("_clicks") == 0, F.lit(ONLY_IMPRESSIONS)
    )
    joined = joined.withColumn("_excluded", reason)
    ordered = Window.partitionBy("conv_id", "dt").orderBy("session_ts", "session_id")
    journeys = (
        joined.where(F.col("_excluded").isNull())
        .withColumn("position", F.row_number().over(ordered))
        .select(
            "conv_id",
            "session_id",
            "user_id",
            "channel_name",
            "session_ts",
            "conv_ts",
            F.col("position").cast("int").alias("position"),
            F.col("_sessions").cast("int").alias("journey_length"),
            F.col("holder_engagement").cast("int").alias("holder_engagement"),
            F.col("closer_engagement").cast("int").alias("closer_engagement"),
            F.col("impression_interaction").cast("int").alias("impression_interaction"),
            F.when(F.col("position") == F.col("_sessions"), 1).otherwise(0).cast("int").alias("conversion"),
            F.coalesce(F.col("revenue"), F.lit(0.0)).alias("revenue"),
            F.col("session_cost").alias("session_cost"),
            "dt",
        )
    )
    excluded_ids = (
        joined.where(F.col("_excluded").isNotNull())
        .select(F.col("conv_id").alias("_x_id"), F.col("dt").alias("_x_dt"), "_excluded")
        .distinct()
    )
    excluded = bronze.join(
        excluded_ids, (F.trim(F.col("conv_id")) == F.col("_x_id")) & (F.col("dt") == F.col("_x_dt"))
    ).select(
        *CONVERSION_COLUMNS,
        "_source_file",
        "_row",
        "_ingested_at",
        F.array("_excluded").alias("_rules_failed"),
        "dt",
    )
    quarantine = broken.unionByName(excluded).withColumn("reason", F.array_join("_rules_failed", ", "))
    return {"silver": journeys, "quarantine": quarantine}


def channel_reporting(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Channel reporting (the challenge's table plus cpo and roas), one row per channel_name and date
    (the session's event_date) with a session cost or an attributed session: cost = the cost of every
    extracted session of that channel and date (attributed or not, in a journey or not; no cost row: 0), ihc = the attribution credit
    of those sessions, ihc_revenue = sum of ihc x the conversion's revenue, cpo = cost / ihc (null when
    ihc is 0), roas = ihc_revenue / cost (null when cost is 0). Over every extracted date. Reconciles:
    ihc sums to the attributed conversions, cost to the sources' session cost (blocking check)."""
    from pyspark.sql import functions as F

    cost = (
        session_costs(inputs["sessions"])
        .groupBy("channel_name", "date")
        .agg(deterministic_sum("session_cost").alias("cost"))
    )
    journeys = inputs["journeys"].select(
        "conv_id",
        "session_id",
        "channel_name",
        F.date_format("session_ts", "yyyy-MM-dd").alias("date"),
        "revenue",
    )
    credited = (
        inputs["attribution"]
        .select("conv_id", "session_id", "ihc")
        .join(journeys, ["conv_id", "session_id"])
        .groupBy("channel_name", "date")
        # A double sum depends on the order of its additions: added in sorted order, re-runs and engines agree.
        .agg(
            deterministic_sum("ihc").alias("ihc"),
            deterministic_sum(F.col("ihc") * F.col("revenue")).alias("ihc_revenue"),
        )
    )
    rows = cost.join(credited, ["channel_name", "date"], "full_outer")
    cost_, ihc_, revenue_ = (
        F.coalesce(F.col(c), F.lit(0.0)).cast("double") for c in ("cost", "ihc", "ihc_revenue")
    )
    return {
        "gold": rows.select(
            "channel_name",
            "date",
            cost_.alias("cost"),
            ihc_.alias("ihc"),
            revenue_.alias("ihc_revenue"),
            F.when(ihc_ > 0, cost_ / ihc_).alias("cpo"),
            F.when(cost_ > 0, revenue_ / cost_).alias("roas"),
        )
    }
