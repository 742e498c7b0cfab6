"""Spark transforms of the ecommerce domain: pure functions of their input DataFrames.

Each is registered once, by its dotted path, and runs unchanged in-process, under spark-submit and on AWS.
The docstrings are the Dagster asset descriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.conventions import MONEY
from platform_assets.core.rules import LINEAGE_COLUMNS, identifier, split
from platform_assets.core.spark import count_rows
from platform_assets.ecommerce import rules
from platform_assets.ecommerce.sources import ORDER_ITEMS, ORDERS, PRODUCTS

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext


def silver_products(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Products: the latest snapshot of each product_id (department is the name, not department_id)."""
    from pyspark.sql import functions as F

    typed_columns, product_rules = rules.products()
    silver, quarantine = split(
        inputs["bronze"].withColumn("_snapshot", F.col("dt")),
        ctx,
        raw_columns=PRODUCTS.columns,
        typed_columns=typed_columns,
        rules=product_rules,
        key=["product_id"],
        silver_columns=[*typed_columns, "_snapshot", *LINEAGE_COLUMNS],
        # The latest snapshot wins, whatever the delivery times; older snapshots stay in bronze only.
        order_first=[F.col("_snapshot").desc()],
        quarantine_superseded=False,
    )
    silver = silver.withColumnRenamed("_snapshot", "snapshot_date")
    return {"silver": silver, "quarantine": quarantine}


def silver_orders(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Orders: one row per order_id and day, the latest delivery winning; typed and checked."""
    typed_columns, order_rules = rules.orders()
    silver, quarantine = split(
        inputs["bronze"],
        ctx,
        raw_columns=ORDERS.columns,
        typed_columns=typed_columns,
        rules=order_rules,
        # Per day, so the result does not depend on how a range of days is split into runs.
        key=["order_id", "dt"],
    )
    return {"silver": silver, "quarantine": quarantine}


def silver_order_items(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Order items: one row per id and day; an unknown product goes to quarantine (`product_exists`)."""
    from pyspark.sql import functions as F

    known = inputs["products"].select(F.col("product_id").alias("_pid"), F.lit(True).alias("_known_product"))
    bronze = inputs["bronze"].join(F.broadcast(known), identifier("product_id") == F.col("_pid"), "left")
    typed_columns, item_rules = rules.order_items()
    silver, quarantine = split(
        bronze,
        ctx,
        raw_columns=ORDER_ITEMS.columns,
        typed_columns=typed_columns,
        rules=item_rules,
        key=["id", "dt"],
    )
    return {"silver": silver, "quarantine": quarantine}


def orphan_items(outputs: dict[str, DataFrame], inputs: dict[str, DataFrame], ctx: "TransformContext"):
    """WARN check: items whose order_id is not (yet) in silver orders of the same days."""
    items = outputs["silver"]
    orphans = items.join(inputs["orders"].select("order_id", "dt"), ["order_id", "dt"], "left_anti")
    n = count_rows(orphans)
    sample = [
        r["order_id"] for r in orphans.select("order_id").distinct().orderBy("order_id").limit(10).collect()
    ]
    return n == 0, {"orphan_items": n, "sample_order_ids": sample}


def daily_sales(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Daily sales: orders, items, customers, revenue, average order value and reorder rate per day."""
    from pyspark.sql import functions as F

    orders = (
        inputs["orders"]
        .groupBy("dt")
        .agg(
            F.count("order_id").alias("orders"),
            F.countDistinct("user_id").alias("customers"),
            F.sum("total_amount").alias("revenue"),
        )
    )
    items = (
        inputs["order_items"]
        .groupBy("dt")
        .agg(F.count(F.lit(1)).alias("items"), F.avg("reordered").alias("reorder_rate"))
    )
    day = orders.join(items, "dt", "full_outer")
    out = day.select(
        F.coalesce("orders", F.lit(0)).cast("long").alias("orders"),
        F.coalesce("items", F.lit(0)).cast("long").alias("items"),
        F.coalesce("customers", F.lit(0)).cast("long").alias("customers"),
        F.coalesce("revenue", F.lit(0)).cast(MONEY).alias("revenue"),
        F.when(F.col("orders") > 0, F.round(F.col("revenue") / F.col("orders"), 2))
        .cast(MONEY)
        .alias("avg_order_value"),
        F.col("reorder_rate").cast("double").alias("reorder_rate"),
        "dt",
    )
    return {"gold": out}


def product_performance(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Product performance per day: units, distinct orders, reorder rate and mean add-to-cart position."""
    from pyspark.sql import functions as F

    items = inputs["order_items"]
    products = inputs["products"].select("product_id", "product_name", "department")
    per_product = items.groupBy("dt", "product_id").agg(
        F.count(F.lit(1)).alias("units"),
        F.countDistinct("order_id").alias("orders"),
        F.avg("reordered").alias("reorder_rate"),
        F.avg("add_to_cart_order").alias("avg_add_to_cart_order"),
    )
    out = per_product.join(F.broadcast(products), "product_id", "left").select(
        "product_id",
        "product_name",
        "department",
        F.col("units").cast("long"),
        F.col("orders").cast("long"),
        F.col("reorder_rate").cast("double"),
        F.col("avg_add_to_cart_order").cast("double"),
        "dt",
    )
    # Clustered by product_id within each day's files (a one-column Z-order); the weekly maintenance job
    # Z-orders with delta-rs as well.
    return {"gold": out.repartition("dt").sortWithinPartitions("dt", "product_id")}


def department_analytics(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Department analytics per day: units, orders, distinct products, reorder rate, share of the day's units."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    items = inputs["order_items"].join(
        F.broadcast(inputs["products"].select("product_id", "department")), "product_id", "left"
    )
    per_dept = items.groupBy("dt", "department").agg(
        F.count(F.lit(1)).alias("units"),
        F.countDistinct("order_id").alias("orders"),
        F.countDistinct("product_id").alias("distinct_products"),
        F.avg("reordered").alias("reorder_rate"),
    )
    day_units = F.sum("units").over(Window.partitionBy("dt"))
    out = per_dept.select(
        "department",
        F.col("units").cast("long"),
        F.col("orders").cast("long"),
        F.col("distinct_products").cast("long"),
        F.col("reorder_rate").cast("double"),
        (F.col("units") / day_units).cast("double").alias("unit_share"),
        "dt",
    )
    return {"gold": out}


def customer_insights(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Customer insights over all days: orders, spend, order value, first/last order, cadence, reorders and
    favourite department (most units; ties alphabetical). A customer is a user with at least one order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    orders = (
        inputs["orders"]
        .groupBy("user_id")
        .agg(
            F.countDistinct("order_id").alias("orders"),
            F.sum("total_amount").alias("total_spent"),
            F.min(F.to_date("order_timestamp")).alias("first_order_date"),
            F.max(F.to_date("order_timestamp")).alias("last_order_date"),
        )
    )
    items = inputs["order_items"]
    item_stats = items.groupBy("user_id").agg(
        F.avg("days_since_prior_order").alias("avg_days_since_prior_order"),
        F.avg("reordered").alias("reorder_rate"),
    )
    by_dept = (
        items.join(F.broadcast(inputs["products"].select("product_id", "department")), "product_id", "left")
        .where(F.col("department").isNotNull())
        .groupBy("user_id", "department")
        .agg(F.count(F.lit(1)).alias("units"))
    )
    best = Window.partitionBy("user_id").orderBy(F.col("units").desc(), F.col("department").asc())
    favorite = (
        by_dept.withColumn("_rank", F.row_number().over(best))
        .where("_rank = 1")
        .select("user_id", F.col("department").alias("favorite_department"))
    )
    out = (
        orders.join(item_stats, "user_id", "left")
        .join(favorite, "user_id", "left")
        .select(
            "user_id",
            F.col("orders").cast("long"),
            F.col("total_spent").cast(MONEY),
            F.round(F.col("total_spent") / F.col("orders"), 2).cast(MONEY).alias("avg_order_value"),
            "first_order_date",
            "last_order_date",
            F.col("avg_days_since_prior_order").cast("double"),
            F.col("reorder_rate").cast("double"),
            "favorite_department",
        )
    )
    return {"gold": out}
