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
    "champions",
    "loyal_customers",
    "potential_loyalists",
    "new_customers",
    "promising",
    "need_attention",
    "about_to_sleep",
    "cant_lose",
    "at_risk",
    "hibernating",
]


class SilverOrderLines(Lineage):
    lineitem_id: T.StringType() = Field(
        nullable=False, description="Order line identifier (LINEITEM_ID); one row per line."
    )
    order_id: T.StringType() = Field(nullable=False, description="Order the line belongs to (ORDER_ID).")
    restaurant_id: T.StringType() = Field(
        nullable=False, description="Restaurant (location) that took the order."
    )
    app_name: T.StringType() = Field(
        nullable=True, description="Ordering app the order came through (APP_NAME)."
    )
    user_id: T.StringType() = Field(
        nullable=True, description="Customer identifier; null for a guest (USER_ID GUEST)."
    )
    card_token: T.StringType() = Field(
        nullable=True,
        str_matches=HEX64,
        description=(
            "HMAC-SHA256 token (hex) of the printed card number; the raw number never reaches the lake."
        ),
    )
    card_last4: T.StringType() = Field(
        nullable=True, str_matches=r"^\d{4}$", description="Last four digits of the printed card number."
    )
    is_loyalty: T.BooleanType() = Field(
        nullable=False, description="Whether the order is a loyalty order (IS_LOYALTY)."
    )
    currency: T.StringType() = Field(
        nullable=False,
        isin=["USD"],
        description="Currency of the amounts: always USD (other currencies go to quarantine).",
    )
    order_ts: T.TimestampType() = Field(
        nullable=False, description="When the order was created (UTC, CREATION_TIME_UTC)."
    )
    item_category: T.StringType() = Field(nullable=True, description="Menu category of the item.")
    item_name: T.StringType() = Field(nullable=True, description="Name of the menu item.")
    item_quantity: T.IntegerType() = Field(
        nullable=False, ge=1, description="Quantity of the item on the line."
    )
    item_amount: MONEY = Field(
        nullable=False,
        description="Line total of the item in USD: ITEM_PRICE as delivered (not multiplied by quantity).",
    )
    options: T.IntegerType() = Field(
        nullable=False,
        ge=0,
        description="Number of option rows of the line (an exact duplicate counts once; 0 without options).",
    )
    option_amount: MONEY = Field(
        nullable=False,
        description="Options amount in USD: sum(OPTION_PRICE x OPTION_QUANTITY) of the line's options.",
    )
    discount_amount: MONEY = Field(
        nullable=False,
        ge=0,
        description="Discount of the line in USD: minus the sum of its negative option amounts.",
    )
    net_amount: MONEY = Field(
        nullable=False, description="Net amount of the line in USD: item_amount + option_amount."
    )
    dt: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Partition day (YYYY-MM-DD): the UTC date of the order's CREATION_TIME_UTC.",
    )

    class Config:
        strict = True


class SilverOrders(DataFrameModel):
    order_id: T.StringType() = Field(
        nullable=False, description="Order identifier (ORDER_ID); one row per order."
    )
    restaurant_id: T.StringType() = Field(
        nullable=False, description="Restaurant (location) that took the order."
    )
    app_name: T.StringType() = Field(
        nullable=True, description="Ordering app the order came through (APP_NAME)."
    )
    user_id: T.StringType() = Field(nullable=True, description="Customer identifier; null for a guest order.")
    is_loyalty: T.BooleanType() = Field(
        nullable=False, description="True when any line of the order is a loyalty line."
    )
    order_ts: T.TimestampType() = Field(
        nullable=False, description="When the order was created (UTC): the earliest order_ts of its lines."
    )
    lines: T.IntegerType() = Field(nullable=False, ge=1, description="Number of order lines of the order.")
    items: T.LongType() = Field(
        nullable=False, ge=1, description="Items ordered: sum of the lines' item_quantity."
    )
    gross_amount: MONEY = Field(
        nullable=False,
        description="Gross amount in USD: sum of item_amount plus the positive option amounts.",
    )
    discount_amount: MONEY = Field(
        nullable=False, ge=0, description="Discount of the order in USD: sum of its lines' discount_amount."
    )
    net_amount: MONEY = Field(
        nullable=False, description="Net amount of the order in USD: sum of its lines' net_amount."
    )
    is_discounted: T.BooleanType() = Field(
        nullable=False, description="True when the order has a discount (discount_amount > 0)."
    )
    dt: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Partition day (YYYY-MM-DD): the UTC date of the order's CREATION_TIME_UTC.",
    )

    class Config:
        strict = True


class SilverDimDate(Lineage):
    date: T.DateType() = Field(
        nullable=False, description="Calendar date, parsed from date_key (DD-MM-YYYY); one row per date."
    )
    year: T.IntegerType() = Field(nullable=True, description="Calendar year of the date.")
    month: T.IntegerType() = Field(nullable=True, ge=1, le=12, description="Month of the year (1-12).")
    week: T.IntegerType() = Field(nullable=True, ge=1, le=53, description="Week of the year (1-53).")
    day_of_week: T.StringType() = Field(
        nullable=True, description="Day of the week as delivered in date_dim."
    )
    is_weekend: T.BooleanType() = Field(nullable=True, description="Whether the date is a weekend day.")
    is_holiday: T.BooleanType() = Field(nullable=False, description="Whether the date is a holiday.")
    holiday_name: T.StringType() = Field(
        nullable=True, description="Name of the holiday, when the date is one."
    )
    snapshot_date: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Date (YYYY-MM-DD) of the date_dim snapshot the row comes from (the latest one).",
    )

    class Config:
        strict = True


class MartCustomerLtv(DataFrameModel):
    user_id: T.StringType() = Field(
        nullable=False, description="Customer identifier (guests excluded); one row per customer."
    )
    first_order_date: T.DateType() = Field(nullable=False, description="Date of the customer's first order.")
    last_order_date: T.DateType() = Field(nullable=False, description="Date of the customer's latest order.")
    orders: T.LongType() = Field(nullable=False, ge=1, description="Number of orders of the customer.")
    net_revenue: MONEY = Field(
        nullable=False, description="Net revenue of the customer's orders in USD (sum of net_amount)."
    )
    avg_order_value: MONEY = Field(
        nullable=False, description="Average order value in USD: net_revenue / orders."
    )
    tenure_days: T.IntegerType() = Field(
        nullable=False, ge=0, description="Days from first_order_date to as_of_date."
    )
    historical_clv: MONEY = Field(
        nullable=False, description="Historical customer lifetime value in USD (= net_revenue)."
    )
    p_alive: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        le=1,
        description=(
            "BG/NBD probability the customer is still active at as_of_date; null when no model fits."
        ),
    )
    expected_orders_365d: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        description="BG/NBD expected order days in the next 365 days; null when no model fits.",
    )
    predicted_clv_365d: MONEY = Field(
        nullable=True,
        description=(
            "Predicted 365-day value in USD: expected_orders_365d x Gamma-Gamma expected average value "
            "(undiscounted); null when no model fits."
        ),
    )
    as_of_date: T.DateType() = Field(
        nullable=False, description="Reference date of the mart: the latest dt in silver orders."
    )

    class Config:
        strict = True


class MartCustomerSegments(DataFrameModel):
    user_id: T.StringType() = Field(
        nullable=False, description="Customer identifier (guests excluded); one row per customer."
    )
    recency_days: T.IntegerType() = Field(
        nullable=False, ge=0, description="Days from the customer's last order date to as_of_date."
    )
    frequency: T.LongType() = Field(nullable=False, ge=1, description="Number of orders of the customer.")
    monetary: MONEY = Field(nullable=False, description="Net revenue of the customer in USD.")
    r_score: T.IntegerType() = Field(
        nullable=False,
        ge=1,
        le=5,
        description="Recency score 1-5: NTILE(5) over (recency_days desc, user_id); 5 = most recent.",
    )
    f_score: T.IntegerType() = Field(
        nullable=False,
        ge=1,
        le=5,
        description="Frequency score 1-5: NTILE(5) over (frequency asc, user_id); 5 = most orders.",
    )
    m_score: T.IntegerType() = Field(
        nullable=False,
        ge=1,
        le=5,
        description="Monetary score 1-5: NTILE(5) over (monetary asc, user_id); 5 = highest spend.",
    )
    segment: T.StringType() = Field(
        nullable=False,
        isin=SEGMENT_NAMES,
        description=(
            "RFM segment from r_score and f_score, e.g. champions (r5, f4-5), hibernating (r1-2, f1-2)."
        ),
    )
    as_of_date: T.DateType() = Field(
        nullable=False, description="Reference date of the mart: the latest dt in silver orders."
    )

    class Config:
        strict = True


class MartChurnIndicators(DataFrameModel):
    user_id: T.StringType() = Field(
        nullable=False, description="Customer identifier (guests excluded); one row per customer."
    )
    last_order_date: T.DateType() = Field(nullable=False, description="Date of the customer's latest order.")
    days_since_last_order: T.IntegerType() = Field(
        nullable=False, ge=0, description="Days from last_order_date to as_of_date."
    )
    orders: T.LongType() = Field(nullable=False, ge=1, description="Number of orders of the customer.")
    avg_days_between_orders: T.DoubleType() = Field(
        nullable=True,
        gt=0,
        description="Mean gap in days between consecutive distinct order days; null with one.",
    )
    spend_last_90d: MONEY = Field(
        nullable=False,
        description="Net revenue in USD of the customer's orders 0-90 days before as_of_date.",
    )
    spend_prev_90d: MONEY = Field(
        nullable=False,
        description="Net revenue in USD of the customer's orders 91-180 days before as_of_date.",
    )
    churn_status: T.StringType() = Field(
        nullable=False,
        isin=["active", "at_risk", "high_risk"],
        description=(
            "high_risk if days_since_last_order > 90, "
            "else at_risk if > 45 or > 2 x avg_days_between_orders, else active."
        ),
    )
    as_of_date: T.DateType() = Field(
        nullable=False, description="Reference date of the mart: the latest dt in silver orders."
    )

    class Config:
        strict = True


class MartSalesTrends(DataFrameModel):
    date: T.DateType() = Field(
        nullable=False, description="Calendar date; one row per date from the first to the last order date."
    )
    orders: T.LongType() = Field(
        nullable=False, ge=0, description="Number of orders on the date (0 when none)."
    )
    items: T.LongType() = Field(
        nullable=False, ge=0, description="Items ordered on the date (sum of the orders' items)."
    )
    net_revenue: MONEY = Field(nullable=False, description="Net revenue of the date's orders in USD.")
    discount_amount: MONEY = Field(nullable=False, ge=0, description="Discounts of the date's orders in USD.")
    avg_order_value: MONEY = Field(
        nullable=True, description="Average order value in USD: net_revenue / orders; null without orders."
    )
    customers: T.LongType() = Field(
        nullable=False, ge=0, description="Distinct non-guest customers who ordered on the date."
    )
    revenue_7d_avg: MONEY = Field(
        nullable=False,
        description="Sum of net_revenue of the 7 calendar days ending on date (missing days 0) / 7, in USD.",
    )
    revenue_wow_pct: T.DoubleType() = Field(
        nullable=True,
        description=(
            "Week-over-week change in %: 100 x (net_revenue - that of 7 days before) / that; "
            "null when that is 0 or absent."
        ),
    )
    is_weekend: T.BooleanType() = Field(
        nullable=False,
        description="Weekend day, from dim_date (from the calendar when dim_date lacks the date).",
    )
    is_holiday: T.BooleanType() = Field(
        nullable=True, description="Holiday flag from dim_date; null when dim_date lacks the date."
    )
    holiday_name: T.StringType() = Field(nullable=True, description="Holiday name from dim_date.")

    class Config:
        strict = True


class MartLoyaltyImpact(DataFrameModel):
    is_loyalty_member: T.BooleanType() = Field(
        nullable=False, description="Group: customers with any loyalty order (true) or without (false)."
    )
    customers: T.LongType() = Field(
        nullable=False, ge=1, description="Customers in the group (guests excluded)."
    )
    orders: T.LongType() = Field(nullable=False, ge=1, description="Orders of the group's customers.")
    net_revenue: MONEY = Field(nullable=False, description="Net revenue of those orders in USD.")
    avg_order_value: MONEY = Field(
        nullable=False, description="Average order value in USD: net_revenue / orders."
    )
    orders_per_customer: T.DoubleType() = Field(
        nullable=False, ge=1, description="Orders per customer: orders / customers."
    )
    revenue_per_customer: MONEY = Field(
        nullable=False, description="Net revenue per customer in USD: net_revenue / customers."
    )
    repeat_customer_rate: T.DoubleType() = Field(
        nullable=False, ge=0, le=1, description="Share of the group's customers with 2 or more orders."
    )

    class Config:
        strict = True


class MartLocationPerformance(DataFrameModel):
    restaurant_id: T.StringType() = Field(
        nullable=False, description="Restaurant (location); one row per restaurant."
    )
    orders: T.LongType() = Field(
        nullable=False, ge=1, description="Orders of the restaurant (guest orders included)."
    )
    items: T.LongType() = Field(
        nullable=False, ge=1, description="Items ordered at the restaurant (sum of the orders' items)."
    )
    customers: T.LongType() = Field(
        nullable=False, ge=0, description="Distinct non-guest customers who ordered at the restaurant."
    )
    net_revenue: MONEY = Field(nullable=False, description="Net revenue of the restaurant's orders in USD.")
    avg_order_value: MONEY = Field(
        nullable=False, description="Average order value in USD: net_revenue / orders."
    )
    discount_rate: T.DoubleType() = Field(
        nullable=True,
        ge=0,
        description="Discount rate: discount_amount / gross_amount of the restaurant's orders.",
    )
    revenue_share: T.DoubleType() = Field(
        nullable=True, description="The restaurant's share of all net revenue."
    )
    revenue_rank: T.IntegerType() = Field(
        nullable=False, ge=1, description="Dense rank by net_revenue (1 = highest)."
    )

    class Config:
        strict = True


class MartDiscountEffectiveness(DataFrameModel):
    is_discounted: T.BooleanType() = Field(
        nullable=False, description="Group: orders with a discount (true) or without (false)."
    )
    orders: T.LongType() = Field(nullable=False, ge=1, description="Number of orders in the group.")
    gross_revenue: MONEY = Field(
        nullable=False, description="Gross revenue of the group's orders in USD (sum of gross_amount)."
    )
    discount_amount: MONEY = Field(
        nullable=False, ge=0, description="Discounts of the group's orders in USD."
    )
    net_revenue: MONEY = Field(nullable=False, description="Net revenue of the group's orders in USD.")
    avg_order_value: MONEY = Field(
        nullable=False, description="Average order value in USD: net_revenue / orders."
    )
    avg_items_per_order: T.DoubleType() = Field(
        nullable=False, ge=1, description="Average items per order of the group."
    )
    revenue_share: T.DoubleType() = Field(nullable=True, description="The group's share of all net revenue.")

    class Config:
        strict = True


class MartDiscountByCategory(DataFrameModel):
    item_category: T.StringType() = Field(
        nullable=True, description="Menu item category; one row per category."
    )
    discounted_lines: T.LongType() = Field(
        nullable=False,
        ge=0,
        description="Order lines of the category with a discount (discount_amount > 0).",
    )
    lines: T.LongType() = Field(nullable=False, ge=1, description="Order lines of the category.")
    discount_amount: MONEY = Field(
        nullable=False, ge=0, description="Discounts of the category's lines in USD."
    )
    net_revenue: MONEY = Field(
        nullable=False, description="Net revenue of the category's lines in USD (sum of net_amount)."
    )

    class Config:
        strict = True
