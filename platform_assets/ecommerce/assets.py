"""Assets of the ecommerce domain: bronze → silver (+ quarantine) → gold."""

from __future__ import annotations

from platform_assets.core.lake import TableRef
from platform_assets.ecommerce.sources import DOMAIN, ORDER_ITEMS, ORDERS, PRODUCTS, SOURCES
from platform_assets.medallion import Check, Read, Write, bronze_asset, docstring, quarantine_description, spark_asset

T = "platform_assets.ecommerce.transforms"
C = "platform_assets.ecommerce.checks"
UNIQUE = "platform_assets.core.checks:unique_key"


def table(layer: str, name: str) -> TableRef:
    return TableRef(layer, DOMAIN, name)


BRONZE = {s.name: table("bronze", s.name) for s in SOURCES}
SILVER = {s.name: table("silver", s.name) for s in SOURCES}
QUARANTINE = {s.name: table("quarantine", s.name) for s in SOURCES}
GOLD = {n: table("gold", n) for n in ("daily_sales", "product_performance", "department_analytics", "customer_insights")}


def _silver(source, *, reads, key, partitioned=True, checks=()):
    transform = f"{T}:silver_{source.name}"
    return spark_asset(
        name=f"silver_{DOMAIN}_{source.name}",
        group=DOMAIN,
        transform=transform,
        reads=reads,
        writes={
            "silver": Write(
                SILVER[source.name], docstring(transform), f"{C}:Silver{_camel(source.name)}", partitioned
            ),
            "quarantine": Write(QUARANTINE[source.name], quarantine_description(f"bronze {source.name}")),
        },
        checks=[
            Check(
                "unique_key",
                "silver",
                UNIQUE,
                f"One row per {' + '.join(key)}: latest-wins dedupe left no duplicate.",
                blocking=True,
                params={"output": "silver", "columns": key},
            ),
            *checks,
        ],
        partitioned=partitioned,
        kinds={"spark", "delta", "silver"},
    )


def _gold(name, *, reads, contract, key, partitioned=True):
    transform = f"{T}:{name}"
    return spark_asset(
        name=f"gold_{DOMAIN}_{name}",
        group=DOMAIN,
        transform=transform,
        reads=reads,
        writes={"gold": Write(GOLD[name], docstring(transform), f"{C}:{contract}", partitioned)},
        checks=[
            Check(
                "unique_key",
                "gold",
                UNIQUE,
                f"One row per {' + '.join(key)}.",
                blocking=True,
                params={"output": "gold", "columns": key},
            )
        ],
        partitioned=partitioned,
        kinds={"spark", "delta", "gold"},
    )


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


bronze_assets = [bronze_asset(s) for s in SOURCES]

silver_products = _silver(
    PRODUCTS, reads={"bronze": Read(BRONZE["products"], all_partitions=True)}, key=["product_id"], partitioned=False
)
silver_orders = _silver(ORDERS, reads={"bronze": Read(BRONZE["orders"])}, key=["order_id", "dt"])
silver_order_items = _silver(
    ORDER_ITEMS,
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
            f"{T}:orphan_items",
            "Items whose order_id is not (yet) in silver orders of the same day: kept, counted, warned.",
            severity="WARN",
        )
    ],
)

daily_sales = _gold(
    "daily_sales",
    reads={"orders": Read(SILVER["orders"]), "order_items": Read(SILVER["order_items"])},
    contract="DailySales",
    key=["dt"],
)
product_performance = _gold(
    "product_performance",
    reads={"order_items": Read(SILVER["order_items"]), "products": Read(SILVER["products"])},
    contract="ProductPerformance",
    key=["dt", "product_id"],
)
department_analytics = _gold(
    "department_analytics",
    reads={"order_items": Read(SILVER["order_items"]), "products": Read(SILVER["products"])},
    contract="DepartmentAnalytics",
    key=["dt", "department"],
)
customer_insights = _gold(
    "customer_insights",
    reads={
        "orders": Read(SILVER["orders"], all_partitions=True),
        "order_items": Read(SILVER["order_items"], all_partitions=True),
        "products": Read(SILVER["products"]),
    },
    contract="CustomerInsights",
    key=["user_id"],
    partitioned=False,
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
