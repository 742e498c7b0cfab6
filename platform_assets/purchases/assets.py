"""Assets of the purchases domain: bronze → silver (+ quarantine) → gold → warehouse."""

from typing import TYPE_CHECKING, Iterator

import dagster as dg

from platform_assets.core.conventions import DOMAIN_TAG
from platform_assets.core.lake import TableRef
from platform_assets.domains import OWNERS
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
from platform_assets.purchases import lineage, serving, transforms
from platform_assets.purchases.sources import DOMAIN, FX_RATES, PURCHASES, SOURCES
from resources.lake import LakeResource
from resources.warehouse import WarehouseResource

if TYPE_CHECKING:  # go-to-definition; at run time the contracts are named, not imported (see references)
    from platform_assets.purchases import checks
else:
    checks = references("platform_assets.purchases.checks")


def table(layer: str, name: str) -> TableRef:
    return TableRef(layer, DOMAIN, name)


BRONZE = {s.name: table("bronze", s.name) for s in SOURCES}
SILVER = {s.name: table("silver", s.name) for s in SOURCES}
GOLD_SUMMARY = table("gold", "customer_purchase_summary")
WAREHOUSE_SUMMARY = dg.AssetKey(["warehouse", DOMAIN, serving.SUMMARY_TABLE])
WAREHOUSE_TOP = dg.AssetKey(["warehouse", DOMAIN, serving.TOP_CUSTOMERS_VIEW])


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
    params={"silver": SILVER["purchases"].path, "gold": GOLD_SUMMARY.path},
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


@dg.multi_asset(
    name=f"warehouse_{DOMAIN}_customer_purchase_summary",
    specs=[
        dg.AssetSpec(
            WAREHOUSE_SUMMARY,
            description=(
                "Warehouse table `customer_purchase_summary` (customer_id PRIMARY KEY, the gold columns, "
                "updated_at = when the row last changed), kept equal to the gold summary by an upsert through "
                "a staging table in one transaction (INSERT ... ON CONFLICT (customer_id) DO UPDATE)."
            ),
            group_name=DOMAIN,
            deps=[dg.AssetKey(GOLD_SUMMARY.key)],
            kinds={"sql", "warehouse"},
            metadata={"dagster/column_schema": serving_schema()},
            owners=[OWNERS[DOMAIN]],
        ),
        dg.AssetSpec(
            WAREHOUSE_TOP,
            description="Warehouse view `top_customers`: the 5 customers with the highest total_spent_aud.",
            group_name=DOMAIN,
            deps=[WAREHOUSE_SUMMARY],
            kinds={"sql", "warehouse"},
            metadata={"dagster/column_schema": serving_schema(TOP_COLUMNS)},
            owners=[OWNERS[DOMAIN]],
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "matches_gold",
            asset=WAREHOUSE_SUMMARY,
            description="The served table has the gold summary's customers and total_spent_aud.",
        )
    ],
    can_subset=False,
    op_tags={DOMAIN_TAG: DOMAIN},
)
def warehouse_customer_purchase_summary(
    context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    summary = lake.lake().read_arrow(GOLD_SUMMARY)
    counts = serving.publish_summary(warehouse, summary)
    context.log.info(f"published {serving.SUMMARY_TABLE} to the {warehouse.dialect} warehouse: {counts}")
    served = warehouse.read(
        f"SELECT COUNT(*) AS n, SUM(total_spent_aud) AS total FROM {serving.SUMMARY_TABLE}"
    )[0]
    import pyarrow.compute as pc

    gold_total = pc.sum(summary.column("total_spent_aud")).as_py() if summary.num_rows else None
    same = served["n"] == summary.num_rows and (
        (served["total"] is None and gold_total is None)
        or (
            served["total"] is not None
            and gold_total is not None
            and round(float(served["total"]) - float(gold_total), 2) == 0
        )
    )
    yield dg.AssetCheckResult(
        asset_key=WAREHOUSE_SUMMARY,
        check_name="matches_gold",
        passed=bool(same),
        metadata={"served_rows": served["n"], "gold_rows": summary.num_rows},
    )
    top = warehouse.read(f"SELECT customer_id FROM {serving.TOP_CUSTOMERS_VIEW} ORDER BY customer_rank")
    yield dg.MaterializeResult(
        asset_key=WAREHOUSE_SUMMARY,
        metadata={
            "dagster/row_count": summary.num_rows,
            "warehouse_dialect": warehouse.dialect,
            "table": serving.SUMMARY_TABLE,
            **{f"rows_{k}": v for k, v in counts.items()},
        },
    )
    yield dg.MaterializeResult(
        asset_key=WAREHOUSE_TOP,
        metadata={
            "dagster/row_count": len(top),
            "view": serving.TOP_CUSTOMERS_VIEW,
            "customer_ids": dg.MetadataValue.json([r["customer_id"] for r in top]),
        },
    )


assets = [
    bronze_purchases,
    bronze_fx_rates,
    silver_fx_rates,
    silver_purchases,
    customer_purchase_summary,
    warehouse_customer_purchase_summary,
]
