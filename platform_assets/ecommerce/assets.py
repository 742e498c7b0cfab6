"""Assets of the ecommerce domain: bronze → silver (+ quarantine) → gold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.lake import tables
from platform_assets.ecommerce import lineage, transforms
from platform_assets.ecommerce.sources import DOMAIN, ORDER_ITEMS, ORDERS, PRODUCTS, SOURCES
from platform_assets.medallion import Check, Read, bronze_asset, gold_asset, references, silver_asset

if TYPE_CHECKING:  # go-to-definition; at run time the contracts are named, not imported (see references)
    from platform_assets.ecommerce import checks
else:
    checks = references("platform_assets.ecommerce.checks")


BRONZE = tables("bronze", DOMAIN, [s.name for s in SOURCES])
SILVER = tables("silver", DOMAIN, [s.name for s in SOURCES])


bronze_assets = [bronze_asset(s) for s in SOURCES]

silver_products = silver_asset(
    PRODUCTS,
    transform=transforms.silver_products,
    contract=checks.SilverProducts,
    reads={"bronze": Read(BRONZE["products"], all_partitions=True)},
    key=["product_id"],
    partitioned=False,
)
silver_orders = silver_asset(
    ORDERS,
    transform=transforms.silver_orders,
    contract=checks.SilverOrders,
    reads={"bronze": Read(BRONZE["orders"])},
    key=["order_id", "dt"],
)
silver_order_items = silver_asset(
    ORDER_ITEMS,
    transform=transforms.silver_order_items,
    contract=checks.SilverOrderItems,
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
            transforms.orphan_items,
            "Items whose order_id is not (yet) in silver orders of the same day: kept, counted, warned.",
            severity="WARN",
        )
    ],
)

daily_sales = gold_asset(
    DOMAIN,
    transform=transforms.daily_sales,
    contract=checks.DailySales,
    reads={"orders": Read(SILVER["orders"]), "order_items": Read(SILVER["order_items"])},
    key=["dt"],
    lineage=lineage.DAILY_SALES,
)
product_performance = gold_asset(
    DOMAIN,
    transform=transforms.product_performance,
    contract=checks.ProductPerformance,
    reads={"order_items": Read(SILVER["order_items"]), "products": Read(SILVER["products"])},
    key=["dt", "product_id"],
    lineage=lineage.PRODUCT_PERFORMANCE,
)
department_analytics = gold_asset(
    DOMAIN,
    transform=transforms.department_analytics,
    contract=checks.DepartmentAnalytics,
    reads={"order_items": Read(SILVER["order_items"]), "products": Read(SILVER["products"])},
    key=["dt", "department"],
    lineage=lineage.DEPARTMENT_ANALYTICS,
)
customer_insights = gold_asset(
    DOMAIN,
    transform=transforms.customer_insights,
    contract=checks.CustomerInsights,
    reads={
        "orders": Read(SILVER["orders"], all_partitions=True),
        "order_items": Read(SILVER["order_items"], all_partitions=True),
        "products": Read(SILVER["products"]),
    },
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
