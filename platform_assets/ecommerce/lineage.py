"""Column lineage of the ecommerce gold tables (Dagster `dagster/column_lineage`), declared beside the
transforms (`transforms.py`) and checked against the contracts by tests/test_column_lineage.py.

Each dict maps an output column to the `(input, upstream column)` pairs its value is computed from (the
input is a key of the asset's `reads`), by the rule in `platform_assets.medallion.Write`.
"""

DAILY_SALES = {
    "orders": [("orders", "order_id")],
    "items": [("order_items", "id")],  # count(*) of the day's order lines
    "customers": [("orders", "user_id")],
    "revenue": [("orders", "total_amount")],
    "avg_order_value": [("orders", "total_amount"), ("orders", "order_id")],
    "reorder_rate": [("order_items", "reordered")],
    # Full outer join of the two per-day aggregates: the day comes from either side.
    "dt": [("orders", "dt"), ("order_items", "dt")],
}

PRODUCT_PERFORMANCE = {
    # Items left-join products on product_id: the key is the items' one.
    "product_id": [("order_items", "product_id")],
    "product_name": [("products", "product_name")],
    "department": [("products", "department")],
    "units": [("order_items", "id")],  # count(*) of the product's lines
    "orders": [("order_items", "order_id")],
    "reorder_rate": [("order_items", "reordered")],
    "avg_add_to_cart_order": [("order_items", "add_to_cart_order")],
    "dt": [("order_items", "dt")],
}

DEPARTMENT_ANALYTICS = {
    # The group key is the products' department joined onto the items (product_id only matches rows).
    "department": [("products", "department")],
    "units": [("order_items", "id")],
    "orders": [("order_items", "order_id")],
    "distinct_products": [("order_items", "product_id")],
    "reorder_rate": [("order_items", "reordered")],
    # units / the day's units: a window over dt (a partition, not a dependency).
    "unit_share": [("order_items", "id")],
    "dt": [("order_items", "dt")],
}

CUSTOMER_INSIGHTS = {
    # Orders is the base of the left joins: every customer has an order.
    "user_id": [("orders", "user_id")],
    "orders": [("orders", "order_id")],
    "total_spent": [("orders", "total_amount")],
    "avg_order_value": [("orders", "total_amount"), ("orders", "order_id")],
    "first_order_date": [("orders", "order_timestamp")],
    "last_order_date": [("orders", "order_timestamp")],
    "avg_days_since_prior_order": [("order_items", "days_since_prior_order")],
    "reorder_rate": [("order_items", "reordered")],
    # The department with the most units: the unit counts only pick the row, the value is the department.
    "favorite_department": [("products", "department")],
}
