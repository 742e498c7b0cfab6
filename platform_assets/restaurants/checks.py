"""Data contracts of the restaurants silver tables and gold marts (pandera, pyspark API).

Each model is a blocking asset check on its table: a table that breaks its contract is not committed and
nothing downstream runs. No contract carries a card number: only its token and last four digits exist.
"""

from __future__ import annotations

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from platform_assets.core.contracts import DT, MONEY, Lineage

HEX64 = r"^[0-9a-f]{64}$"
SEGMENT_NAMES = [
    "champions", "loyal_customers", "potential_loyalists", "new_customers", "promising", "need_attention",
    "about_to_sleep", "cant_lose", "at_risk", "hibernating",
]


class SilverOrderLines(Lineage):
    lineitem_id: T.StringType() = Field(nullable=False)
    order_id: T.StringType() = Field(nullable=False)
    restaurant_id: T.StringType() = Field(nullable=False)
    app_name: T.StringType() = Field(nullable=True)
    user_id: T.StringType() = Field(nullable=True)
    card_token: T.StringType() = Field(nullable=True, str_matches=HEX64)
    card_last4: T.StringType() = Field(nullable=True, str_matches=r"^\d{4}$")
    is_loyalty: T.BooleanType() = Field(nullable=False)
    currency: T.StringType() = Field(nullable=False, isin=["USD"])
    order_ts: T.TimestampType() = Field(nullable=False)
    item_category: T.StringType() = Field(nullable=True)
    item_name: T.StringType() = Field(nullable=True)
    item_quantity: T.IntegerType() = Field(nullable=False, ge=1)
    item_amount: MONEY = Field(nullable=False)
    options: T.IntegerType() = Field(nullable=False, ge=0)
    option_amount: MONEY = Field(nullable=False)
    discount_amount: MONEY = Field(nullable=False, ge=0)
    net_amount: MONEY = Field(nullable=False)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class SilverOrders(DataFrameModel):
    order_id: T.StringType() = Field(nullable=False)
    restaurant_id: T.StringType() = Field(nullable=False)
    app_name: T.StringType() = Field(nullable=True)
    user_id: T.StringType() = Field(nullable=True)
    is_loyalty: T.BooleanType() = Field(nullable=False)
    order_ts: T.TimestampType() = Field(nullable=False)
    lines: T.IntegerType() = Field(nullable=False, ge=1)
    items: T.LongType() = Field(nullable=False, ge=1)
    gross_amount: MONEY = Field(nullable=False)
    discount_amount: MONEY = Field(nullable=False, ge=0)
    net_amount: MONEY = Field(nullable=False)
    is_discounted: T.BooleanType() = Field(nullable=False)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class SilverDimDate(Lineage):
    date: T.DateType() = Field(nullable=False)
    year: T.IntegerType() = Field(nullable=True)
    month: T.IntegerType() = Field(nullable=True, ge=1, le=12)
    week: T.IntegerType() = Field(nullable=True, ge=1, le=53)
    day_of_week: T.StringType() = Field(nullable=True)
    is_weekend: T.BooleanType() = Field(nullable=True)
    is_holiday: T.BooleanType() = Field(nullable=False)
    holiday_name: T.StringType() = Field(nullable=True)
    snapshot_date: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class MartCustomerLtv(DataFrameModel):
    user_id: T.StringType() = Field(nullable=False)
    first_order_date: T.DateType() = Field(nullable=False)
    last_order_date: T.DateType() = Field(nullable=False)
    orders: T.LongType() = Field(nullable=False, ge=1)
    net_revenue: MONEY = Field(nullable=False)
    avg_order_value: MONEY = Field(nullable=False)
    tenure_days: T.IntegerType() = Field(nullable=False, ge=0)
    historical_clv: MONEY = Field(nullable=False)
    p_alive: T.DoubleType() = Field(nullable=True, ge=0, le=1)
    expected_orders_365d: T.DoubleType() = Field(nullable=True, ge=0)
    predicted_clv_365d: MONEY = Field(nullable=True)
    as_of_date: T.DateType() = Field(nullable=False)

    class Config:
        strict = True


class MartCustomerSegments(DataFrameModel):
    user_id: T.StringType() = Field(nullable=False)
    recency_days: T.IntegerType() = Field(nullable=False, ge=0)
    frequency: T.LongType() = Field(nullable=False, ge=1)
    monetary: MONEY = Field(nullable=False)
    r_score: T.IntegerType() = Field(nullable=False, ge=1, le=5)
    f_score: T.IntegerType() = Field(nullable=False, ge=1, le=5)
    m_score: T.IntegerType() = Field(nullable=False, ge=1, le=5)
    segment: T.StringType() = Field(nullable=False, isin=SEGMENT_NAMES)
    as_of_date: T.DateType() = Field(nullable=False)

    class Config:
        strict = True


class MartChurnIndicators(DataFrameModel):
    user_id: T.StringType() = Field(nullable=False)
    last_order_date: T.DateType() = Field(nullable=False)
    days_since_last_order: T.IntegerType() = Field(nullable=False, ge=0)
    orders: T.LongType() = Field(nullable=False, ge=1)
    avg_days_between_orders: T.DoubleType() = Field(nullable=True, gt=0)
    spend_last_90d: MONEY = Field(nullable=False)
    spend_prev_90d: MONEY = Field(nullable=False)
    churn_status: T.StringType() = Field(nullable=False, isin=["active", "at_risk", "high_risk"])
    as_of_date: T.DateType() = Field(nullable=False)

    class Config:
        strict = True


class MartSalesTrends(DataFrameModel):
    date: T.DateType() = Field(nullable=False)
    orders: T.LongType() = Field(nullable=False, ge=0)
    items: T.LongType() = Field(nullable=False, ge=0)
    net_revenue: MONEY = Field(nullable=False)
    discount_amount: MONEY = Field(nullable=False, ge=0)
    avg_order_value: MONEY = Field(nullable=True)
    customers: T.LongType() = Field(nullable=False, ge=0)
    revenue_7d_avg: MONEY = Field(nullable=False)
    revenue_wow_pct: T.DoubleType() = Field(nullable=True)
    is_weekend: T.BooleanType() = Field(nullable=False)
    is_holiday: T.BooleanType() = Field(nullable=True)
    holiday_name: T.StringType() = Field(nullable=True)

    class Config:
        strict = True


class MartLoyaltyImpact(DataFrameModel):
    is_loyalty_member: T.BooleanType() = Field(nullable=False)
    customers: T.LongType() = Field(nullable=False, ge=1)
    orders: T.LongType() = Field(nullable=False, ge=1)
    net_revenue: MONEY = Field(nullable=False)
    avg_order_value: MONEY = Field(nullable=False)
    orders_per_customer: T.DoubleType() = Field(nullable=False, ge=1)
    revenue_per_customer: MONEY = Field(nullable=False)
    repeat_customer_rate: T.DoubleType() = Field(nullable=False, ge=0, le=1)

    class Config:
        strict = True


class MartLocationPerformance(DataFrameModel):
    restaurant_id: T.StringType() = Field(nullable=False)
    orders: T.LongType() = Field(nullable=False, ge=1)
    items: T.LongType() = Field(nullable=False, ge=1)
    customers: T.LongType() = Field(nullable=False, ge=0)
    net_revenue: MONEY = Field(nullable=False)
    avg_order_value: MONEY = Field(nullable=False)
    discount_rate: T.DoubleType() = Field(nullable=True, ge=0)
    revenue_share: T.DoubleType() = Field(nullable=True)
    revenue_rank: T.IntegerType() = Field(nullable=False, ge=1)

    class Config:
        strict = True


class MartDiscountEffectiveness(DataFrameModel):
    is_discounted: T.BooleanType() = Field(nullable=False)
    orders: T.LongType() = Field(nullable=False, ge=1)
    gross_revenue: MONEY = Field(nullable=False)
    discount_amount: MONEY = Field(nullable=False, ge=0)
    net_revenue: MONEY = Field(nullable=False)
    avg_order_value: MONEY = Field(nullable=False)
    avg_items_per_order: T.DoubleType() = Field(nullable=False, ge=1)
    revenue_share: T.DoubleType() = Field(nullable=True)

    class Config:
        strict = True


class MartDiscountByCategory(DataFrameModel):
    item_category: T.StringType() = Field(nullable=True)
    discounted_lines: T.LongType() = Field(nullable=False, ge=0)
    lines: T.LongType() = Field(nullable=False, ge=1)
    discount_amount: MONEY = Field(nullable=False, ge=0)
    net_revenue: MONEY = Field(nullable=False)

    class Config:
        strict = True
