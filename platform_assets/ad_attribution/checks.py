"""Data contracts and custom checks of the ad_attribution silver and gold tables.

Each pandera model is a blocking asset check on its table (pyspark API): a table that breaks its contract
is not committed and nothing downstream runs. The custom checks are `fn(outputs, inputs, ctx, **params)`
functions evaluated by the Spark job before it commits (write-audit-publish).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from platform_assets.core.contracts import DT, MONEY, Lineage
from platform_assets.core.spark import count_rows

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext

COST = T.DecimalType(18, 6)
CLICK_WINDOW_SECONDS = 7 * 86_400


class SilverAdEvents(Lineage):
    event_id: T.StringType() = Field(
        nullable=False,
        description="Ad event identifier, unique per event (a re-delivered event counts once).",
    )
    user_id: T.StringType() = Field(nullable=False, description="Identifier of the user the ad was shown to.")
    campaign_id: T.StringType() = Field(nullable=False, description="Ad campaign of the event.")
    channel: T.StringType() = Field(
        nullable=False, description="Ad channel (platform) of the event, e.g. meta, tiktok, google."
    )
    event_type: T.StringType() = Field(
        nullable=False, isin=["impression", "click"], description="Kind of ad event: impression or click."
    )
    event_ts: T.TimestampType() = Field(nullable=False, description="When the event happened (UTC).")
    cost: COST = Field(
        nullable=False, ge=0, description="Media cost of this event in USD (0 when the source gives none)."
    )
    dt: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Partition day (YYYY-MM-DD): the UTC date of event_ts."
    )

    class Config:
        strict = True


class SilverOrders(Lineage):
    order_id: T.StringType() = Field(
        nullable=False,
        description="Order identifier, unique; a re-delivered order keeps its latest ingested row.",
    )
    user_id: T.StringType() = Field(
        nullable=False, description="Identifier of the user who placed the order."
    )
    order_ts: T.TimestampType() = Field(nullable=False, description="When the order was placed (UTC).")
    sku: T.StringType() = Field(
        nullable=False,
        description="SKU (product code) of the order; never blank (such rows go to quarantine).",
    )
    amount: MONEY = Field(nullable=False, ge=0, description="Order revenue in USD.")
    currency: T.StringType() = Field(
        nullable=False,
        isin=["USD"],
        description="Currency of amount: always USD (other currencies go to quarantine).",
    )
    dt: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Partition day (YYYY-MM-DD): the UTC date of order_ts."
    )

    class Config:
        strict = True


class OrderAttribution(DataFrameModel):
    order_id: T.StringType() = Field(
        nullable=False, description="Silver order this row attributes; one row per order."
    )
    user_id: T.StringType() = Field(
        nullable=False, description="Identifier of the user who placed the order."
    )
    order_ts: T.TimestampType() = Field(nullable=False, description="When the order was placed (UTC).")
    amount: MONEY = Field(nullable=False, ge=0, description="Order revenue in USD.")
    campaign_id: T.StringType() = Field(
        nullable=True, description="Campaign of the attributed touch; null when the order has no touch."
    )
    channel: T.StringType() = Field(
        nullable=True, description="Channel of the attributed touch; null when the order has no touch."
    )
    touch_event_id: T.StringType() = Field(
        nullable=True,
        description=(
            "event_id of the attributed ad event: the user's latest click within 7 days before the order, "
            "else latest impression within 1 day; null when the order has no touch."
        ),
    )
    touch_type: T.StringType() = Field(
        nullable=True,
        isin=["click", "view"],
        description="Touch type: click, or view for an impression; null when the order has no touch.",
    )
    touch_lag_seconds: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        le=CLICK_WINDOW_SECONDS,
        description=(
            "Seconds from the attributed touch's event_ts to order_ts; null when the order has no touch."
        ),
    )
    dt: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Partition day (YYYY-MM-DD): the UTC date of order_ts."
    )

    class Config:
        strict = True


class CampaignRoas(DataFrameModel):
    campaign_id: T.StringType() = Field(
        nullable=True, description="Campaign; null on the day's row for unattributed orders."
    )
    channel: T.StringType() = Field(
        nullable=True, description="Channel of the campaign; null on the day's row for unattributed orders."
    )
    impressions: T.LongType() = Field(
        nullable=False, ge=0, description="Impression events of the campaign and channel on dt."
    )
    clicks: T.LongType() = Field(
        nullable=False, ge=0, description="Click events of the campaign and channel on dt."
    )
    spend: COST = Field(
        nullable=False,
        ge=0,
        description="Media spend in USD: sum of cost of the campaign and channel's events on dt.",
    )
    attributed_orders: T.LongType() = Field(
        nullable=False,
        ge=0,
        description="Orders on dt attributed to the campaign (unattributed ones on the null row).",
    )
    attributed_revenue: MONEY = Field(
        nullable=False,
        ge=0,
        description="Sum of amount (USD) of the orders on dt attributed to the campaign.",
    )
    roas: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        description="Return on ad spend: attributed_revenue / spend; null when spend = 0.",
    )
    cpa: COST = Field(
        nullable=True,
        ge=0,
        description=(
            "Cost per acquisition in USD: spend / attributed_orders; null when attributed_orders = 0."
        ),
    )
    dt: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Partition day (YYYY-MM-DD): the UTC date of the events and orders counted.",
    )

    class Config:
        strict = True


def one_row_per_order(
    outputs: dict[str, "DataFrame"], inputs: dict[str, "DataFrame"], ctx: "TransformContext", *, output: str
):
    """Every silver order of the run's days has exactly one attribution row, and no row lacks an order."""
    gold = outputs[output].select("order_id", "dt")
    orders = inputs["orders"].select("order_id", "dt")
    missing = count_rows(orders.join(gold, ["order_id", "dt"], "left_anti"))
    extra = count_rows(gold.join(orders, ["order_id", "dt"], "left_anti"))
    rows, expected = count_rows(gold), count_rows(orders)
    return (missing == 0 and extra == 0 and rows == expected), {
        "orders": expected,
        "attribution_rows": rows,
        "orders_without_row": missing,
        "rows_without_order": extra,
    }


def revenue_reconciles(
    outputs: dict[str, "DataFrame"], inputs: dict[str, "DataFrame"], ctx: "TransformContext", *, output: str
):
    """Per day: sum(attributed_revenue) over every row, the unattributed one included, equals the silver
    orders' amount, and sum(attributed_orders) equals the number of silver orders (exact decimals)."""
    from pyspark.sql import functions as F

    gold = (
        outputs[output]
        .groupBy("dt")
        .agg(
            F.sum("attributed_revenue").alias("gold_revenue"), F.sum("attributed_orders").alias("gold_orders")
        )
    )
    silver = (
        inputs["orders"]
        .groupBy("dt")
        .agg(F.sum("amount").alias("silver_revenue"), F.count(F.lit(1)).alias("silver_orders"))
    )
    zero = F.lit(0).cast("decimal(38,2)")
    days = gold.join(silver, "dt", "full_outer").select(
        "dt",
        F.coalesce(F.col("gold_revenue").cast("decimal(38,2)"), zero).alias("gold_revenue"),
        F.coalesce(F.col("silver_revenue").cast("decimal(38,2)"), zero).alias("silver_revenue"),
        F.coalesce(F.col("gold_orders"), F.lit(0)).cast("long").alias("gold_orders"),
        F.coalesce(F.col("silver_orders"), F.lit(0)).cast("long").alias("silver_orders"),
    )
    rows = days.orderBy("dt").collect()
    mismatched = [
        {k: str(r[k]) for k in ("dt", "gold_revenue", "silver_revenue", "gold_orders", "silver_orders")}
        for r in rows
        if r["gold_revenue"] != r["silver_revenue"] or r["gold_orders"] != r["silver_orders"]
    ]
    return not mismatched, {
        "days_checked": len(rows),
        "silver_revenue": str(sum((r["silver_revenue"] for r in rows), start=0)),
        "attributed_revenue_incl_unattributed": str(sum((r["gold_revenue"] for r in rows), start=0)),
        "mismatched_days": mismatched[:20],
    }
