"""Data contracts of the ecommerce silver and gold tables (pandera, pyspark API).

Each model is a blocking asset check on its table: a table that breaks its contract is not committed and
nothing downstream runs.
"""

from __future__ import annotations

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from platform_assets.core.contracts import DT, MONEY, Lineage


class SilverProducts(Lineage):
    product_id: T.StringType() = Field(
        nullable=False, description="Product identifier; one row per product_id, from its latest snapshot."
    )
    department_id: T.StringType() = Field(
        nullable=True,
        description="Department id as delivered; it may disagree with department, which is the truth.",
    )
    department: T.StringType() = Field(
        nullable=False, description="Department name of the product (the authoritative department)."
    )
    product_name: T.StringType() = Field(nullable=True, description="Product name.")
    snapshot_date: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Date (YYYY-MM-DD) of the products snapshot the row comes from (the latest one).",
    )

    class Config:
        strict = True


class SilverOrders(Lineage):
    order_id: T.StringType() = Field(
        nullable=False,
        description="Order identifier; one row per order_id (the latest ingested delivery wins).",
    )
    order_num: T.IntegerType() = Field(
        nullable=True, description="Order number as delivered; informational only, not a key."
    )
    user_id: T.StringType() = Field(
        nullable=False, description="Identifier of the customer who placed the order."
    )
    order_timestamp: T.TimestampType() = Field(nullable=False, description="When the order was placed.")
    total_amount: MONEY = Field(nullable=False, ge=0, description="Total amount of the order (>= 0).")
    dt: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Partition day (YYYY-MM-DD): the date of order_timestamp.",
    )

    class Config:
        strict = True


class SilverOrderItems(Lineage):
    id: T.StringType() = Field(
        nullable=False, description="Order item (order line) identifier; one row per id."
    )
    order_id: T.StringType() = Field(
        nullable=False,
        description=(
            "Order the item belongs to (it may not be in silver orders yet: a WARN check counts those)."
        ),
    )
    user_id: T.StringType() = Field(
        nullable=False, description="Identifier of the customer who placed the order."
    )
    product_id: T.StringType() = Field(
        nullable=False,
        description="Product ordered; always a known product (unknown ones go to quarantine).",
    )
    days_since_prior_order: T.IntegerType() = Field(
        nullable=True, ge=0, description="Days since the customer's previous order; null on a first order."
    )
    add_to_cart_order: T.IntegerType() = Field(
        nullable=False, ge=1, description="Position (1 = first) at which the product was added to the cart."
    )
    reordered: T.IntegerType() = Field(
        nullable=False,
        isin=[0, 1],
        description="Reorder flag: 1 when the line reorders the product, else 0.",
    )
    order_timestamp: T.TimestampType() = Field(nullable=False, description="When the order was placed.")
    dt: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Partition day (YYYY-MM-DD): the date of order_timestamp.",
    )

    class Config:
        strict = True


class DailySales(DataFrameModel):
    orders: T.LongType() = Field(nullable=False, ge=0, description="Number of orders on the day.")
    items: T.LongType() = Field(
        nullable=False, ge=0, description="Number of order lines (order_items rows) on the day."
    )
    customers: T.LongType() = Field(
        nullable=False, ge=0, description="Distinct customers (user_id) with an order on the day."
    )
    revenue: MONEY = Field(
        nullable=False, ge=0, description="Revenue of the day: sum of total_amount of its orders."
    )
    avg_order_value: MONEY = Field(
        nullable=True,
        ge=0,
        description="Average order value: revenue / orders; null when the day has no orders.",
    )
    reorder_rate: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        le=1,
        description="Share of the day's order lines that were reorders (reordered = 1).",
    )
    dt: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Partition day (YYYY-MM-DD): the order date."
    )

    class Config:
        strict = True


class ProductPerformance(DataFrameModel):
    product_id: T.StringType() = Field(
        nullable=False, description="Product identifier; one row per product and day."
    )
    product_name: T.StringType() = Field(nullable=True, description="Product name from silver products.")
    department: T.StringType() = Field(
        nullable=True, description="Department name of the product from silver products."
    )
    units: T.LongType() = Field(
        nullable=False, ge=1, description="Units sold: the product's order lines (items) on the day."
    )
    orders: T.LongType() = Field(
        nullable=False, ge=1, description="Distinct orders containing the product on the day."
    )
    reorder_rate: T.DoubleType() = Field(
        nullable=False,
        ge=0,
        le=1,
        description="Share of the product's order lines of the day that were reorders (reordered = 1).",
    )
    avg_add_to_cart_order: T.DoubleType() = Field(
        nullable=False, ge=1, description="Mean add_to_cart_order of the product's order lines of the day."
    )
    dt: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Partition day (YYYY-MM-DD): the order date."
    )

    class Config:
        strict = True


class DepartmentAnalytics(DataFrameModel):
    department: T.StringType() = Field(
        nullable=True, description="Department name; one row per department and day."
    )
    units: T.LongType() = Field(
        nullable=False,
        ge=1,
        description="Units sold: order lines (items) of the department's products on the day.",
    )
    orders: T.LongType() = Field(
        nullable=False, ge=1, description="Distinct orders with a product of the department on the day."
    )
    distinct_products: T.LongType() = Field(
        nullable=False, ge=1, description="Distinct products of the department sold on the day."
    )
    reorder_rate: T.DoubleType() = Field(
        nullable=False,
        ge=0,
        le=1,
        description="Share of the department's order lines of the day that were reorders (reordered = 1).",
    )
    unit_share: T.DoubleType() = Field(
        nullable=False,
        gt=0,
        le=1,
        description="The department's share of the day's units: units / all units of dt.",
    )
    dt: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Partition day (YYYY-MM-DD): the order date."
    )

    class Config:
        strict = True


class CustomerInsights(DataFrameModel):
    user_id: T.StringType() = Field(
        nullable=False,
        description="Customer identifier; one row per customer with at least one order, over all days.",
    )
    orders: T.LongType() = Field(nullable=False, ge=1, description="Number of orders of the customer.")
    total_spent: MONEY = Field(
        nullable=False, ge=0, description="Sum of total_amount over the customer's orders."
    )
    avg_order_value: MONEY = Field(
        nullable=False, ge=0, description="Average order value of the customer: total_spent / orders."
    )
    first_order_date: T.DateType() = Field(nullable=False, description="Date of the customer's first order.")
    last_order_date: T.DateType() = Field(nullable=False, description="Date of the customer's latest order.")
    avg_days_since_prior_order: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        description="Mean of the customer's non-null days_since_prior_order item values.",
    )
    reorder_rate: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        le=1,
        description="Share of the customer's order lines that were reorders (reordered = 1).",
    )
    favorite_department: T.StringType() = Field(
        nullable=True,
        description="Department with the most units bought by the customer (ties: alphabetical first).",
    )

    class Config:
        strict = True
