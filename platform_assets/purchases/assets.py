"""Assets of the purchases domain: bronze → silver (+ quarantine) → gold → warehouse."""

from typing import TYPE_CHECKING

import dagster as dg

from platform_assets.core.lake import TableRef, tables
from platform_assets.medallion import (
    Read,
    Write,
    bronze_asset,
    contract_metadata,
    docstring,
    references,
    silver_asset,
    spark_asset,
    unique_key_check,
)
from platform_assets.publishing import View, warehouse_asset
from platform_assets.purchases import lineage, serving, transforms
from platform_assets.purchases.sources import DOMAIN, FX_RATES, PURCHASES, SOURCES

if TYPE_CHECKING:  # go-to-definition; at run time the contracts are named, not imported (see references)
    from platform_assets.purchases import checks
else:
    checks = references("platform_assets.purchases.checks")


BRONZE = tables("bronze", DOMAIN, [s.name for s in SOURCES])
SILVER = tables("silver", DOMAIN, [s.name for s in SOURCES])
GOLD_SUMMARY = TableRef("gold", DOMAIN, "customer_purchase_summary")


bronze_purchases, bronze_fx_rates = (bronze_asset(PURCHASES), bronze_asset(FX_RATES))

silver_fx_rates = silver_asset(
    FX_RATES,
    transform=transforms.silver_fx_rates,
    contract=checks.SilverFxRates,
    reads={"bronze": Read(BRONZE["fx_rates"], all_partitions=True)},
    key=["currency", "date"],
    key_description="One rate per currency and date: the latest delivery won.",
    partitioned=False,
    quarantine_partitioned=False,
)

silver_purchases = silver_asset(
    PURCHASES,
    transform=transforms.silver_purchases,
    contract=checks.SilverPurchases,
    reads={"bronze": Read(BRONZE["purchases"]), "fx_rates": Read(SILVER["fx_rates"])},
    key=["purchase_id", "dt"],
    key_description="One row per purchase_id and ingestion date.",
)

customer_purchase_summary = spark_asset(
    name=f"gold_{DOMAIN}_customer_purchase_summary",
    group=DOMAIN,
    transform=transforms.customer_purchase_summary,
    reads={"purchases": Read(SILVER["purchases"], all_partitions=True)},
    writes={
        "gold": Write(
            GOLD_SUMMARY,
            docstring(transforms.customer_purchase_summary),
            checks.CustomerPurchaseSummary,
            partitioned=False,
            mode="merge",
            key=("customer_id",),
            lineage=lineage.CUSTOMER_PURCHASE_SUMMARY,
        )
    },
    checks=[unique_key_check("gold", ["customer_id"], "One row per customer_id.")],
    partitioned=False,
    kinds={"spark", "delta", "gold"},
)


UPDATED_AT = dg.TableColumn(
    "updated_at", "timestamp", description="When the row last changed in the served table (UTC)."
)
RANK = dg.TableColumn(
    "customer_rank", "bigint", description="1 = the highest total_spent_aud (ties: lower customer_id first)."
)
TOP_COLUMNS = (
    "customer_rank",
    "customer_id",
    "full_name",
    "email",
    "purchases",
    "total_spent_aud",
    "last_purchase_date",
)


def serving_schema(columns: tuple[str, ...] | None = None) -> dg.TableSchema:
    """The served table's columns (the gold summary's, described by its contract, plus updated_at), or the
    named subset (the top-customers view)."""
    gold = contract_metadata(checks.CustomerPurchaseSummary)["dagster/column_schema"].columns
    by_name = {c.name: c for c in [*gold, UPDATED_AT, RANK]}
    names = columns or [*(c.name for c in gold), "updated_at"]
    return dg.TableSchema(columns=[by_name[n] for n in names])


warehouse_customer_purchase_summary = warehouse_asset(
    GOLD_SUMMARY,
    table=serving.SUMMARY_TABLE,
    publish=serving.publish_summary,
    description=(
        "Warehouse table `customer_purchase_summary` (customer_id PRIMARY KEY, the gold columns, "
        "updated_at = when the row last changed), kept equal to the gold summary by an upsert through "
        "a staging table in one transaction (INSERT ... ON CONFLICT (customer_id) DO UPDATE)."
    ),
    schema=serving_schema(),
    total="total_spent_aud",
    views=[
        View(
            serving.TOP_CUSTOMERS_VIEW,
            "Warehouse view `top_customers`: the 5 customers with the highest total_spent_aud.",
            serving_schema(TOP_COLUMNS),
            listed="customer_id",
            order_by="customer_rank",
        )
    ],
)


assets = [
    bronze_purchases,
    bronze_fx_rates,
    silver_fx_rates,
    silver_purchases,
    customer_purchase_summary,
    warehouse_customer_purchase_summary,
]
