"""Data contracts of the ecommerce silver and gold tables (pandera, pyspark API).

Each model is a blocking asset check on its table: a table that breaks its contract is not committed and
nothing downstream runs.
"""

from __future__ import annotations

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from platform_assets.core.contracts import DT, MONEY, Lineage


class SilverProducts(Lineage):
    product_id: T.LongType() = Field(nullable=False, ge=0)
    department_id: T.IntegerType() = Field(nullable=True)
    department: T.StringType() = Field(nullable=False)
    product_name: T.StringType() = Field(nullable=True)
    snapshot_date: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class SilverOrders(Lineage):
    order_id: T.LongType() = Field(nullable=False)
    order_num: T.IntegerType() = Field(nullable=True)
    user_id: T.LongType() = Field(nullable=False)
    order_timestamp: T.TimestampType() = Field(nullable=False)
    total_amount: MONEY = Field(nullable=False, ge=0)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class SilverOrderItems(Lineage):
    id: T.LongType() = Field(nullable=False)
    order_id: T.LongType() = Field(nullable=False)
    user_id: T.LongType() = Field(nullable=False)
    product_id: T.LongType() = Field(nullable=False)
    days_since_prior_order: T.IntegerType() = Field(nullable=True, ge=0)
    add_to_cart_order: T.IntegerType() = Field(nullable=False, ge=1)
    reordered: T.IntegerType() = Field(nullable=False, isin=[0, 1])
    order_timestamp: T.TimestampType() = Field(nullable=False)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class DailySales(DataFrameModel):
    orders: T.LongType() = Field(nullable=False, ge=0)
    items: T.LongType() = Field(nullable=False, ge=0)
    customers: T.LongType() = Field(nullable=False, ge=0)
    revenue: MONEY = Field(nullable=False, ge=0)
    avg_order_value: MONEY = Field(nullable=True, ge=0)
    reorder_rate: T.DoubleType() = Field(nullable=True, ge=0, le=1)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class ProductPerformance(DataFrameModel):
    product_id: T.LongType() = Field(nullable=False)
    product_name: T.StringType() = Field(nullable=True)
    department: T.StringType() = Field(nullable=True)
    units: T.LongType() = Field(nullable=False, ge=1)
    orders: T.LongType() = Field(nullable=False, ge=1)
    reorder_rate: T.DoubleType() = Field(nullable=False, ge=0, le=1)
    avg_add_to_cart_order: T.DoubleType() = Field(nullable=False, ge=1)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class DepartmentAnalytics(DataFrameModel):
    department: T.StringType() = Field(nullable=True)
    units: T.LongType() = Field(nullable=False, ge=1)
    orders: T.LongType() = Field(nullable=False, ge=1)
    distinct_products: T.LongType() = Field(nullable=False, ge=1)
    reorder_rate: T.DoubleType() = Field(nullable=False, ge=0, le=1)
    unit_share: T.DoubleType() = Field(nullable=False, gt=0, le=1)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class CustomerInsights(DataFrameModel):
    user_id: T.LongType() = Field(nullable=False)
    orders: T.LongType() = Field(nullable=False, ge=1)
    total_spent: MONEY = Field(nullable=False, ge=0)
    avg_order_value: MONEY = Field(nullable=False, ge=0)
    first_order_date: T.DateType() = Field(nullable=False)
    last_order_date: T.DateType() = Field(nullable=False)
    avg_days_since_prior_order: T.DoubleType() = Field(nullable=True, ge=0)
    reorder_rate: T.DoubleType() = Field(nullable=True, ge=0, le=1)
    favorite_department: T.StringType() = Field(nullable=True)

    class Config:
        strict = True
