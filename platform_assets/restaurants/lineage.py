"""Column lineage of the restaurants gold marts (Dagster `dagster/column_lineage`), declared beside the
transforms (`marts.py`) and checked against the contracts by tests/test_column_lineage.py.

Each dict maps an output column to the `(input, upstream column)` pairs its value is computed from (the
input is a key of the asset's `reads`), by the rule in `platform_assets.medallion.Write`.

An order's date is its `dt`, and as_of_date is the latest `dt` of silver orders, so every date, age and
recency below comes from `orders.dt`. The customer marts leave guests out (a filter on user_id).
"""

AS_OF = [("orders", "dt")]

MART_CUSTOMER_LTV = {
    "user_id": [("orders", "user_id")],
    "first_order_date": [("orders", "dt")],
    "last_order_date": [("orders", "dt")],
    "orders": [("orders", "order_id")],
    "net_revenue": [("orders", "net_amount")],
    "avg_order_value": [("orders", "net_amount"), ("orders", "order_id")],
    "tenure_days": [("orders", "dt")],  # as_of - first order date
    "historical_clv": [("orders", "net_amount")],
    # BG/NBD on the order days (frequency, recency, T: all from dt).
    "p_alive": [("orders", "dt")],
    "expected_orders_365d": [("orders", "dt")],
    # Expected orders x Gamma-Gamma value of the repeat order days (their net revenue).
    "predicted_clv_365d": [("orders", "dt"), ("orders", "net_amount")],
    "as_of_date": AS_OF,
}

MART_CUSTOMER_SEGMENTS = {
    "user_id": [("orders", "user_id")],
    "recency_days": [("orders", "dt")],
    "frequency": [("orders", "order_id")],
    "monetary": [("orders", "net_amount")],
    # NTILE(5) over the measure, user_id breaking ties.
    "r_score": [("orders", "dt"), ("orders", "user_id")],
    "f_score": [("orders", "order_id"), ("orders", "user_id")],
    "m_score": [("orders", "net_amount"), ("orders", "user_id")],
    "segment": [("orders", "dt"), ("orders", "order_id"), ("orders", "user_id")],  # from r_score, f_score
    "as_of_date": AS_OF,
}

MART_CHURN_INDICATORS = {
    "user_id": [("orders", "user_id")],
    "last_order_date": [("orders", "dt")],
    "days_since_last_order": [("orders", "dt")],
    "orders": [("orders", "order_id")],
    "avg_days_between_orders": [("orders", "dt")],  # (last - first order day) / (order days - 1)
    # Net revenue of the orders whose age (from dt) is 0-90 / 91-180 days: a CASE inside the sum.
    "spend_last_90d": [("orders", "net_amount"), ("orders", "dt")],
    "spend_prev_90d": [("orders", "net_amount"), ("orders", "dt")],
    "churn_status": [("orders", "dt")],  # days since the last order against 45, 90 and the mean gap
    "as_of_date": AS_OF,
}

MART_SALES_TRENDS = {
    # Every calendar date from the first to the last order date; dim_date is left-joined on it.
    "date": [("orders", "dt")],
    "orders": [("orders", "order_id")],  # count(*) of the date's orders
    "items": [("orders", "items")],
    "net_revenue": [("orders", "net_amount")],
    "discount_amount": [("orders", "discount_amount")],
    "avg_order_value": [("orders", "net_amount"), ("orders", "order_id")],
    "customers": [("orders", "user_id")],
    "revenue_7d_avg": [("orders", "net_amount")],
    "revenue_wow_pct": [("orders", "net_amount")],
    # dim_date's flag, else the day of the week of the date.
    "is_weekend": [("dim_date", "is_weekend"), ("orders", "dt")],
    "is_holiday": [("dim_date", "is_holiday")],
    "holiday_name": [("dim_date", "holiday_name")],
}

MART_LOYALTY_IMPACT = {
    # A member: a customer with any loyalty order (max of is_loyalty per customer).
    "is_loyalty_member": [("orders", "is_loyalty")],
    "customers": [("orders", "user_id")],  # count(*) of the group's customers
    "orders": [("orders", "order_id")],
    "net_revenue": [("orders", "net_amount")],
    "avg_order_value": [("orders", "net_amount"), ("orders", "order_id")],
    "orders_per_customer": [("orders", "order_id"), ("orders", "user_id")],
    "revenue_per_customer": [("orders", "net_amount"), ("orders", "user_id")],
    # Customers with 2+ orders (a CASE on their order count) / customers.
    "repeat_customer_rate": [("orders", "order_id"), ("orders", "user_id")],
}

MART_LOCATION_PERFORMANCE = {
    "restaurant_id": [("orders", "restaurant_id")],
    "orders": [("orders", "order_id")],  # count(*) of the restaurant's orders
    "items": [("orders", "items")],
    "customers": [("orders", "user_id")],
    "net_revenue": [("orders", "net_amount")],
    "avg_order_value": [("orders", "net_amount"), ("orders", "order_id")],
    "discount_rate": [("orders", "discount_amount"), ("orders", "gross_amount")],
    "revenue_share": [("orders", "net_amount")],
    "revenue_rank": [("orders", "net_amount")],  # dense rank by net revenue
}

MART_DISCOUNT_EFFECTIVENESS = {
    "is_discounted": [("orders", "is_discounted")],
    "orders": [("orders", "order_id")],  # count(*) of the group's orders
    "gross_revenue": [("orders", "gross_amount")],
    "discount_amount": [("orders", "discount_amount")],
    "net_revenue": [("orders", "net_amount")],
    "avg_order_value": [("orders", "net_amount"), ("orders", "order_id")],
    "avg_items_per_order": [("orders", "items"), ("orders", "order_id")],
    "revenue_share": [("orders", "net_amount")],
}

MART_DISCOUNT_BY_CATEGORY = {
    "item_category": [("order_lines", "item_category")],
    "discounted_lines": [("order_lines", "discount_amount")],  # lines with discount_amount > 0
    "lines": [("order_lines", "lineitem_id")],  # count(*) of the category's lines
    "discount_amount": [("order_lines", "discount_amount")],
    "net_revenue": [("order_lines", "net_amount")],
}

# Every mart's lineage by mart name (the marts are declared in one loop in assets.py).
BY_MART = {
    "mart_customer_ltv": MART_CUSTOMER_LTV,
    "mart_customer_segments": MART_CUSTOMER_SEGMENTS,
    "mart_churn_indicators": MART_CHURN_INDICATORS,
    "mart_sales_trends": MART_SALES_TRENDS,
    "mart_loyalty_impact": MART_LOYALTY_IMPACT,
    "mart_location_performance": MART_LOCATION_PERFORMANCE,
    "mart_discount_effectiveness": MART_DISCOUNT_EFFECTIVENESS,
    "mart_discount_by_category": MART_DISCOUNT_BY_CATEGORY,
}
