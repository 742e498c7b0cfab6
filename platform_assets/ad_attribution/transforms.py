"""Spark transforms of the ad_attribution domain: pure functions of their input DataFrames.

Each is registered once, by its dotted path, and runs unchanged in-process, under spark-submit and on AWS.
The docstrings are the Dagster asset descriptions.

Partitions. Bronze `dt` is the landing folder date, which platform.md makes the UTC business date of the
file. Silver `dt` is the UTC date of the event/order timestamp, as the spec asks; the two agree for every
row that reaches silver, because a row whose timestamp falls on another UTC day than its folder is
quarantined (`event_date_matches_partition` / `order_date_matches_partition`) instead of being written to
a partition that no run of its folder would refresh. So silver[D] depends on bronze[D] only, a file
landing in folder D touches silver[D] only, and a late event (a file that lands in folder D after D was
processed) touches order_attribution/campaign_roas[D..D+7] only: exactly what the partition mapping
`ad_events[D-7..D] -> order_attribution[D]` says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.ad_attribution import rules
from platform_assets.ad_attribution.sources import AD_EVENTS, ORDERS
from platform_assets.core.conventions import MONEY
from platform_assets.core.rules import split

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext

COST = "decimal(18,6)"
MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND
CLICK_WINDOW_SECONDS = 7 * 86_400
VIEW_WINDOW_SECONDS = 86_400


def silver_ad_events(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Ad events, typed: one row per event_id and day (a re-delivered event counts once, the latest
    delivery winning); `dt` is the UTC date of event_ts. Channel and event_type lower-cased, cost in USD
    (missing: 0)."""
    typed_columns, event_rules = rules.ad_events()
    silver, quarantine = split(
        inputs["bronze"],
        ctx,
        raw_columns=AD_EVENTS.columns,
        typed_columns=typed_columns,
        rules=event_rules,
        # Per day, so the result does not depend on how a range of days is split into runs; an event's
        # day is fixed by its timestamp (see the module docstring), so this is per event_id.
        key=["event_id", "dt"],
    )
    return {"silver": silver, "quarantine": quarantine}


def silver_orders(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Orders, typed: one row per order_id and day, the latest delivery winning; `dt` is the UTC date of
    order_ts. A blank SKU (`sku_not_null`) or a currency other than USD (`currency_usd`) goes to
    quarantine."""
    typed_columns, order_rules = rules.orders()
    silver, quarantine = split(
        inputs["bronze"],
        ctx,
        raw_columns=ORDERS.columns,
        typed_columns=typed_columns,
        rules=order_rules,
        key=["order_id", "dt"],
    )
    return {"silver": silver, "quarantine": quarantine}


def attribute(orders: DataFrame, events: DataFrame) -> DataFrame:
    """One row per order with its touch (or nulls): the join of `order_attribution`, on plain frames.

    Candidates are the same user's events with `order_ts - 7 days <= event_ts <= order_ts` for clicks and
    `order_ts - 1 day <= event_ts <= order_ts` for impressions (both ends inclusive, to the microsecond).
    The touch is the first candidate by (click before impression, latest event_ts, greatest event_id as
    text), so an order has one touch at most and a click anywhere in its 7 days beats any impression.
    Orders are silver's: `order_id` never null and unique per `dt` (the touch joins back by both).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    o = orders.select("order_id", "user_id", "order_ts", "amount", "dt")
    keys = o.select(
        F.col("order_id").alias("_o_id"),
        F.col("dt").alias("_o_dt"),
        F.col("user_id").alias("_o_user"),
        F.col("order_ts").alias("_o_ts"),
    )
    e = events.select(
        F.col("user_id").alias("_e_user"),
        F.col("event_id").alias("_e_id"),
        F.col("campaign_id").alias("_e_campaign"),
        F.col("channel").alias("_e_channel"),
        F.col("event_type").alias("_e_type"),
        F.col("event_ts").alias("_e_ts"),
    )
    lag = F.unix_micros(F.col("_o_ts")) - F.unix_micros(F.col("_e_ts"))
    # Impressions are most events and count for one day only: joining them by user AND day (the order's day
    # or the one before, as the first microsecond of the day since the epoch: integer arithmetic, no time
    # zone involved) keeps a heavy user's other days out of the join, which is most of its cost. Clicks are
    # few and join by user over 7 days.
    day = F.lit(MICROS_PER_DAY)
    order_micros, event_micros = F.unix_micros(F.col("_o_ts")), F.unix_micros(F.col("_e_ts"))
    order_day = order_micros - F.pmod(order_micros, day)
    impressions = keys.withColumn("_day", F.explode(F.array(order_day, order_day - day))).join(
        e.where(F.col("_e_type") == "impression").withColumn(
            "_e_day", event_micros - F.pmod(event_micros, day)
        ),
        (F.col("_o_user") == F.col("_e_user")) & (F.col("_day") == F.col("_e_day")),
    )
    views = impressions.where((lag >= 0) & (lag <= F.lit(VIEW_WINDOW_SECONDS * MICROS_PER_SECOND)))
    clicks = keys.join(e.where(F.col("_e_type") == "click"), F.col("_o_user") == F.col("_e_user")).where(
        (lag >= 0) & (lag <= F.lit(CLICK_WINDOW_SECONDS * MICROS_PER_SECOND))
    )
    candidates = views.drop("_day", "_e_day").unionByName(clicks).withColumn("_lag_us", lag)
    best = Window.partitionBy("_o_id", "_o_dt").orderBy(
        (F.col("_e_type") == "click").desc(), F.col("_e_ts").desc(), F.col("_e_id").desc()
    )
    touch = (
        candidates.withColumn("_rank", F.row_number().over(best))
        .where(F.col("_rank") == 1)
        .drop("_rank", "_o_user", "_o_ts", "_e_user")
    )
    touched = o.join(touch, (F.col("order_id") == F.col("_o_id")) & (F.col("dt") == F.col("_o_dt")), "left")
    return touched.select(
        "order_id",
        "user_id",
        "order_ts",
        F.col("amount").cast(MONEY).alias("amount"),
        F.col("_e_campaign").alias("campaign_id"),
        F.col("_e_channel").alias("channel"),
        F.col("_e_id").alias("touch_event_id"),
        F.when(F.col("_e_type") == "click", F.lit("click"))
        .when(F.col("_e_type") == "impression", F.lit("view"))
        .alias("touch_type"),
        (F.col("_lag_us") / F.lit(float(MICROS_PER_SECOND))).cast("double").alias("touch_lag_seconds"),
        "dt",
    )


def order_attribution(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Order attribution (partition = order date): every silver order with its last touch, click beating
    view. Among the user's clicks in `[order_ts - 7 days, order_ts]` the latest wins; with none, the
    latest impression in `[order_ts - 1 day, order_ts]` (touch_type `view`); ties on event_ts go to the
    greater event_id. No touch: campaign_id, channel and touch_* are null. Reads orders[D] and
    ad_events[D-7..D], so an ad event landing late for day D re-materializes days D..D+7."""
    return {"gold": attribute(inputs["orders"], inputs["ad_events"])}


def roas(events: DataFrame, attribution: DataFrame) -> DataFrame:
    """campaign_roas on plain frames: events and attributed orders of the same days."""
    from pyspark.sql import functions as F

    keys = ["dt", "campaign_id", "channel"]
    spend = events.groupBy(*keys).agg(
        F.count(F.when(F.col("event_type") == "impression", 1)).alias("impressions"),
        F.count(F.when(F.col("event_type") == "click", 1)).alias("clicks"),
        F.sum("cost").alias("spend"),
    )
    credited = (
        attribution.where(F.col("campaign_id").isNotNull())
        .groupBy(*keys)
        .agg(F.count(F.lit(1)).alias("attributed_orders"), F.sum("amount").alias("attributed_revenue"))
    )
    campaigns = spend.join(credited, keys, "full_outer")
    # One row for the day's orders that no touch claims: campaign_id and channel null.
    unattributed = (
        attribution.where(F.col("campaign_id").isNull())
        .groupBy("dt")
        .agg(F.count(F.lit(1)).alias("attributed_orders"), F.sum("amount").alias("attributed_revenue"))
        .select(
            "dt",
            F.lit(None).cast("string").alias("campaign_id"),
            F.lit(None).cast("string").alias("channel"),
            F.lit(None).cast("long").alias("impressions"),
            F.lit(None).cast("long").alias("clicks"),
            F.lit(None).cast(COST).alias("spend"),
            "attributed_orders",
            "attributed_revenue",
        )
    )
    rows = campaigns.select(
        "dt",
        "campaign_id",
        "channel",
        "impressions",
        "clicks",
        "spend",
        "attributed_orders",
        "attributed_revenue",
    ).unionByName(unattributed)
    spend_ = F.coalesce(F.col("spend"), F.lit(0)).cast(COST)
    orders_ = F.coalesce(F.col("attributed_orders"), F.lit(0)).cast("long")
    revenue_ = F.coalesce(F.col("attributed_revenue"), F.lit(0)).cast(MONEY)
    return rows.select(
        "campaign_id",
        "channel",
        F.coalesce(F.col("impressions"), F.lit(0)).cast("long").alias("impressions"),
        F.coalesce(F.col("clicks"), F.lit(0)).cast("long").alias("clicks"),
        spend_.alias("spend"),
        orders_.alias("attributed_orders"),
        revenue_.alias("attributed_revenue"),
        F.when(spend_ > 0, revenue_.cast("double") / spend_.cast("double")).alias("roas"),
        F.when(orders_ > 0, (spend_ / orders_).cast(COST)).alias("cpa"),
        "dt",
    )


def campaign_roas(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Campaign ROAS per day: one row per (dt, campaign_id, channel) with an event or an attributed order
    that day (impressions, clicks, spend = sum of event cost, attributed_orders, attributed_revenue),
    plus one row with campaign_id and channel null for the day's unattributed orders (present when there
    are any). roas = attributed_revenue / spend (null when spend is 0); cpa = spend / attributed_orders
    (null when 0). Money is decimal: revenue (18,2), spend and cpa (18,6); roas is a double. The day's
    attributed_revenue, unattributed row included, equals its silver order revenue (a blocking check)."""
    return {"gold": roas(inputs["ad_events"], inputs["attribution"])}
