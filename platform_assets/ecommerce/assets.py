"""Assets of the ecommerce domain: bronze → silver (+ quarantine) → gold."""

from __future__ import annotations

from platform_assets.core.lake import TableRef
from platform_assets.ecommerce import lineage
from platform_assets.ecommerce.sources import DOMAIN, ORDER_ITEMS, ORDERS, PRODUCTS, SOURCES
from platform_assets.medallion import Check, Read, bronze_asset, gold_asset, silver_asset

PACKAGE = "platform_assets.ecommerce"


def table(layer: str, name: str) -> TableRef:
    return TableRef(layer, DOMAIN, name)


BRONZE = {s.name: table("bronze", s.name) for s in SOURCES}
SILVER = {s.name: table("silver", s.name) for s in SOURCES}


bronze_assets = [bronze_asset(s) for s in SOURCES]

silver_products = silver_asset(
    PRODUCTS,
    package=PACKAGE, reads={"bronze": Read(BRONZE["products"], all_partitions=True)}, key=["product_id"], partitioned=False
)
silver_orders = silver_asset(ORDERS, package=PACKAGE, reads={"bronze": Read(BRONZE["orders"])}, key=["order_id", "dt"])
silver_order_items = silver_asset(
    ORDER_ITEMS,
    package=PACKAGE,
    reads={
        "bronze": Read(BRONZE["order_items"]),
        "orders": Read(SILVER["orders"]),
        "products": Read(SILVER["products"]),
    },
    key=["id", "dt"],
    checks=[
        Check(
            "orphan_items",
            "silver",
            f"{PACKAGE}.transforms:orphan_items",
            "Items whose order_id is not (yet) in silver orders of the same day: kept, counted, warned.",
            severity="WARN",
        )
    ],
)

daily_sales = gold_asset(
    DOMAIN,
    "daily_sales",
    package=PACKAGE,
    reads={"orders": Read(SILVER["orders"]), "order_items": Read(SILVER["order_items"])},
    contract="DailySales",
    key=["dt"],
    lineage=lineage.DAILY_SALES,
)
product_performance = gold_asset(
    DOMAIN,
    "product_performance",
    package=PACKAGE,
    reads={"order_items": Read(SILVER["order_items"]), "products": Read(SILVER["products"])},
    contract="ProductPerformance",
    key=["dt", "product_id"],
    lineage=lineage.PRODUCT_PERFORMANCE,
)
department_analytics = gold_asset(
    DOMAIN,
    "department_analytics",
    package=PACKAGE,
    reads={"order_items": Read(SILVER["order_items"]), "products": Read(SILVER["products"])},
    contract="DepartmentAnalytics",
    key=["dt", "department"],
    lineage=lineage.DEPARTMENT_ANALYTICS,
)
customer_insights = gold_asset(
    DOMAIN,
    "customer_insights",
    package=PACKAGE,
    reads={
        "orders": Read(SILVER["orders"], all_partitions=True),
        "order_items": Read(SILVER["order_items"], all_partitions=True),
        "products": Read(SILVER["products"]),
    },
    contract="CustomerInsights",
    key=["user_id"],
    partitioned=False,
    lineage=lineage.CUSTOMER_INSIGHTS,
)

assets = [
    *bronze_assets,
    silver_products,
    silver_orders,
    silver_order_items,
    daily_sales,
    product_performance,
    department_analytics,
    customer_insights,
]
