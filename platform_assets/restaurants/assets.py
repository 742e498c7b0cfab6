"""Assets of the restaurants domain: bronze (card numbers tokenised) → silver (+ quarantine) → the gold
marts → one warehouse table per mart."""

from functools import partial
from typing import TYPE_CHECKING

import dagster as dg

from platform_assets.core.lake import tables
from platform_assets.medallion import (
    Check,
    Read,
    Write,
    bronze_asset,
    contract_metadata,
    docstring,
    quarantine_write,
    references,
    spark_asset,
    unique_key_check,
)
from platform_assets.publishing import warehouse_asset
from platform_assets.restaurants import lineage, marts, serving, transforms
from platform_assets.restaurants.marts import MARTS
from platform_assets.restaurants.sources import DATE_DIM, DOMAIN, ORDER_ITEM_OPTIONS, ORDER_ITEMS, SOURCES

if TYPE_CHECKING:  # go-to-definition; at run time the contracts are named, not imported (see references)
    from platform_assets.restaurants import checks
else:
    checks = references("platform_assets.restaurants.checks")


BRONZE = tables("bronze", DOMAIN, [s.name for s in SOURCES])
SILVER = tables("silver", DOMAIN, ["order_lines", "orders", "dim_date"])
GOLD = tables("gold", DOMAIN, MARTS)

bronze_order_items, bronze_order_item_options, bronze_date_dim = (bronze_asset(s) for s in SOURCES)

silver_order_lines = spark_asset(
    name=f"silver_{DOMAIN}_order_lines",
    group=DOMAIN,
    transform=transforms.silver_order_lines,
    reads={
        "order_items": Read(BRONZE["order_items"]),
        "order_item_options": Read(BRONZE["order_item_options"]),
    },
    writes={
        "silver": Write(
            SILVER["order_lines"], docstring(transforms.silver_order_lines), checks.SilverOrderLines
        ),
        "quarantine_items": quarantine_write(ORDER_ITEMS, reads="order_items"),
        "quarantine_options": quarantine_write(ORDER_ITEM_OPTIONS, reads="order_item_options"),
    },
    checks=[
        unique_key_check(
            "silver", ["lineitem_id", "dt"], "One row per lineitem_id and day: duplicates keep one."
        )
    ],
    kinds={"spark", "delta", "silver"},
)

silver_orders = spark_asset(
    name=f"silver_{DOMAIN}_orders",
    group=DOMAIN,
    transform=transforms.silver_orders,
    reads={"order_lines": Read(SILVER["order_lines"])},
    writes={"silver": Write(SILVER["orders"], docstring(transforms.silver_orders), checks.SilverOrders)},
    checks=[unique_key_check("silver", ["order_id", "dt"], "One row per order_id and day.")],
    kinds={"spark", "delta", "silver"},
)

silver_dim_date = spark_asset(
    name=f"silver_{DOMAIN}_dim_date",
    group=DOMAIN,
    transform=transforms.silver_dim_date,
    reads={"bronze": Read(BRONZE["date_dim"], all_partitions=True)},
    writes={
        "silver": Write(
            SILVER["dim_date"], docstring(transforms.silver_dim_date), checks.SilverDimDate, False
        ),
        "quarantine": quarantine_write(DATE_DIM, partitioned=False),
    },
    checks=[unique_key_check("silver", ["date"], "One row per date: the latest snapshot won.")],
    partitioned=False,
    kinds={"spark", "delta", "silver"},
)

ALL_ORDERS = Read(SILVER["orders"], all_partitions=True)
MART_READS = {
    "mart_customer_ltv": {"orders": ALL_ORDERS},
    "mart_customer_segments": {"orders": ALL_ORDERS},
    "mart_churn_indicators": {"orders": ALL_ORDERS},
    "mart_sales_trends": {"orders": ALL_ORDERS, "dim_date": Read(SILVER["dim_date"])},
    "mart_loyalty_impact": {"orders": ALL_ORDERS},
    "mart_location_performance": {"orders": ALL_ORDERS},
    "mart_discount_effectiveness": {"orders": ALL_ORDERS},
    "mart_discount_by_category": {"order_lines": Read(SILVER["order_lines"], all_partitions=True)},
}
MART_KEYS = {
    "mart_customer_ltv": ["user_id"],
    "mart_customer_segments": ["user_id"],
    "mart_churn_indicators": ["user_id"],
    "mart_sales_trends": ["date"],
    "mart_loyalty_impact": ["is_loyalty_member"],
    "mart_location_performance": ["restaurant_id"],
    "mart_discount_effectiveness": ["is_discounted"],
    "mart_discount_by_category": ["item_category"],
}
MART_CHECKS = {
    "mart_customer_ltv": [
        Check(
            "clv_fit",
            "gold",
            marts.clv_fit,
            "BG/NBD and Gamma-Gamma were fitted; if not (too little data, no convergence) the predicted "
            "columns are null and the metadata says why.",
            severity="WARN",
        ),
        Check(
            "clv_calibration",
            "gold",
            marts.clv_calibration,
            "Calibration/holdout: BG/NBD fitted on all but the last 25% of the observed days predicts each "
            "customer's repeat order days in them; mean absolute error per customer, predicted vs actual per "
            "calibration frequency, fitted parameters. Warns when the totals miss by more than 25%.",
            severity="WARN",
        ),
    ]
}


# Each mart's transform and contract.
MART_CODE = {
    "mart_customer_ltv": (marts.mart_customer_ltv, checks.MartCustomerLtv),
    "mart_customer_segments": (marts.mart_customer_segments, checks.MartCustomerSegments),
    "mart_churn_indicators": (marts.mart_churn_indicators, checks.MartChurnIndicators),
    "mart_sales_trends": (marts.mart_sales_trends, checks.MartSalesTrends),
    "mart_loyalty_impact": (marts.mart_loyalty_impact, checks.MartLoyaltyImpact),
    "mart_location_performance": (marts.mart_location_performance, checks.MartLocationPerformance),
    "mart_discount_effectiveness": (marts.mart_discount_effectiveness, checks.MartDiscountEffectiveness),
    "mart_discount_by_category": (marts.mart_discount_by_category, checks.MartDiscountByCategory),
}


def mart_checks(mart: str) -> list[Check]:
    return [unique_key_check("gold", MART_KEYS[mart]), *MART_CHECKS.get(mart, [])]


gold_marts = [
    spark_asset(
        name=f"gold_{DOMAIN}_{mart}",
        group=DOMAIN,
        transform=MART_CODE[mart][0],
        reads=MART_READS[mart],
        writes={
            "gold": Write(
                GOLD[mart],
                docstring(MART_CODE[mart][0]),
                MART_CODE[mart][1],
                partitioned=False,
                lineage=lineage.BY_MART[mart],
            )
        },
        checks=mart_checks(mart),
        partitioned=False,
        kinds={"spark", "delta", "gold"},
    )
    for mart in MARTS
]


def warehouse_mart(mart: str) -> dg.AssetsDefinition:
    """The mart's warehouse table, replaced in one transaction from the gold Delta table."""
    name = serving.warehouse_table(mart)
    return warehouse_asset(
        GOLD[mart],
        table=name,
        publish=partial(serving.publish_mart, mart=mart),
        description=f"Warehouse table `{name}`: gold `{GOLD[mart].path}` as it is, replaced in one transaction.",
        # The served table is the gold mart as it is: the same columns, described by the same contract.
        schema=contract_metadata(MART_CODE[mart][1])["dagster/column_schema"],
        metadata={"contract": contract_metadata(MART_CODE[mart][1])["contract"]},
    )


warehouse_marts = [warehouse_mart(m) for m in MARTS]

assets = [
    bronze_order_items,
    bronze_order_item_options,
    bronze_date_dim,
    silver_order_lines,
    silver_orders,
    silver_dim_date,
    *gold_marts,
    *warehouse_marts,
]
