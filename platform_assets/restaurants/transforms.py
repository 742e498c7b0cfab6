"""Spark transforms of the restaurants silver tables: pure functions of their input DataFrames.

Each is registered once, by its dotted path, and runs unchanged in-process, under spark-submit and on AWS.
The docstrings are the Dagster asset descriptions. The gold marts are in `marts.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.conventions import MONEY
from platform_assets.core.rules import LINEAGE_COLUMNS, split
from platform_assets.restaurants import rules
from platform_assets.restaurants.sources import BRONZE_ORDER_ITEMS, DATE_DIM, ORDER_ITEM_OPTIONS

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame

    from platform_assets.core.execution import TransformContext

# An option row is identified by all of its delivered columns (two identical rows are one option).
OPTION_COLUMNS = ORDER_ITEM_OPTIONS.columns


def _money(col) -> "Column":
    from pyspark.sql import functions as F

    return F.coalesce(col, F.lit(0)).cast(MONEY)


def silver_order_lines(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Order lines: one row per lineitem_id (a repeated one keeps the latest delivery), dt = the UTC date
    of the order. user_id is null for guests; card_token/card_last4 as tokenised at ingestion.
    item_amount = ITEM_PRICE, the source's line total (never multiplied by the quantity again);
    option_amount = sum(option_price x option_quantity) of the line's options (an exact duplicate option
    row counts once); discount_amount = -(sum of the negative option amounts); net_amount = item_amount +
    option_amount. Only USD is in scope: other currencies are quarantined (`currency_usd`)."""
    from pyspark.sql import functions as F

    typed_columns, item_rules = rules.order_items()
    lines, items_quarantine = split(
        inputs["order_items"],
        ctx,
        raw_columns=BRONZE_ORDER_ITEMS,
        typed_columns=typed_columns,
        rules=item_rules,
        key=["lineitem_id", "dt"],
    )
    known = lines.select(
        F.col("lineitem_id").alias("_lid"), F.col("dt").alias("_ldt"), F.lit(True).alias("_line_in_silver")
    )
    bronze_options = (
        inputs["order_item_options"]
        .join(known, (F.trim(F.col("lineitem_id")) == F.col("_lid")) & (F.col("dt") == F.col("_ldt")), "left")
        .withColumn("_line_in_silver", F.coalesce("_line_in_silver", F.lit(False)))
    )
    option_columns, option_rules = rules.order_item_options()
    options, options_quarantine = split(
        bronze_options,
        ctx,
        raw_columns=ORDER_ITEM_OPTIONS.columns,
        typed_columns=option_columns,
        rules=option_rules,
        # An exact duplicate option row is the same option delivered twice: it counts once.
        key=[*OPTION_COLUMNS, "dt"],
    )
    amount = F.col("option_price") * F.col("option_quantity")
    per_line = options.groupBy("lineitem_id", "dt").agg(
        F.sum(amount).alias("_option_amount"),
        # abs, not unary minus (Sail 0.7.2 mistypes a negated decimal), and both branches decimal (Sail
        # refuses a when/otherwise mixing decimal and int).
        F.sum(F.when(amount < 0, F.abs(amount)).otherwise(F.lit(0).cast(MONEY))).alias("_discount_amount"),
        F.count(F.lit(1)).alias("_options"),
    )
    out = lines.join(per_line, ["lineitem_id", "dt"], "left").select(
        "lineitem_id",
        "order_id",
        "restaurant_id",
        "app_name",
        "user_id",
        "card_token",
        "card_last4",
        "is_loyalty",
        "currency",
        "order_ts",
        "item_category",
        "item_name",
        "item_quantity",
        "item_amount",
        F.coalesce("_options", F.lit(0)).cast("int").alias("options"),
        _money(F.col("_option_amount")).alias("option_amount"),
        _money(F.col("_discount_amount")).alias("discount_amount"),
        (F.col("item_amount") + _money(F.col("_option_amount"))).cast(MONEY).alias("net_amount"),
        *LINEAGE_COLUMNS,
        "dt",
    )
    return {"silver": out, "quarantine_items": items_quarantine, "quarantine_options": options_quarantine}


def silver_orders(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Orders: one row per order_id and day from its lines. is_loyalty = any line; order_ts = the earliest
    line; items = sum of item_quantity; gross_amount = item amounts + positive option amounts;
    discount_amount and net_amount = sums of the lines'; is_discounted = discount_amount > 0."""
    from pyspark.sql import functions as F

    lines = inputs["order_lines"]
    positive_options = F.col("option_amount") + F.col("discount_amount")
    orders = lines.groupBy("order_id", "dt").agg(
        F.max("restaurant_id").alias("restaurant_id"),
        F.max("app_name").alias("app_name"),
        F.max("user_id").alias("user_id"),
        F.max(F.col("is_loyalty").cast("int")).alias("_loyal"),
        F.min("order_ts").alias("order_ts"),
        F.count(F.lit(1)).alias("lines"),
        F.sum("item_quantity").alias("items"),
        F.sum(F.col("item_amount") + positive_options).alias("gross_amount"),
        F.sum("discount_amount").alias("discount_amount"),
        F.sum("net_amount").alias("net_amount"),
    )
    out = orders.select(
        "order_id",
        "restaurant_id",
        "app_name",
        "user_id",
        (F.col("_loyal") == 1).alias("is_loyalty"),
        "order_ts",
        F.col("lines").cast("int"),
        F.col("items").cast("long"),
        F.col("gross_amount").cast(MONEY),
        F.col("discount_amount").cast(MONEY),
        F.col("net_amount").cast(MONEY),
        (F.col("discount_amount") > 0).alias("is_discounted"),
        "dt",
    )
    return {"silver": out}


def silver_dim_date(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """The calendar: one row per date (date_key DD-MM-YYYY parsed), the latest snapshot winning; weekday
    name, ISO week, weekend and holiday flags typed. It may cover fewer years than the orders."""
    from pyspark.sql import functions as F

    typed_columns, dim_rules = rules.date_dim()
    silver, quarantine = split(
        inputs["bronze"].withColumn("_snapshot", F.col("dt")),
        ctx,
        raw_columns=DATE_DIM.columns,
        typed_columns=typed_columns,
        rules=dim_rules,
        key=["date"],
        silver_columns=[*typed_columns, "_snapshot", *LINEAGE_COLUMNS],
        order_first=[F.col("_snapshot").desc()],
        quarantine_superseded=False,
    )
    return {"silver": silver.withColumnRenamed("_snapshot", "snapshot_date"), "quarantine": quarantine}
