"""Landing sources of the ecommerce domain (spec: ecommerce.md, Sources)."""

from platform_assets.core.sources import Source

DOMAIN = "ecommerce"

PRODUCTS = Source(
    domain=DOMAIN,
    name="products",
    columns=("product_id", "department_id", "department", "product_name"),
    description="Product dimension snapshots; the folder date is the snapshot date.",
    freshness=None,  # a dimension snapshot arrives when it changes, not daily
)

ORDERS = Source(
    domain=DOMAIN,
    name="orders",
    columns=("order_num", "order_id", "user_id", "order_timestamp", "total_amount", "date"),
    description="Orders, one CSV per day or a workbook with one sheet per day.",
)

ORDER_ITEMS = Source(
    domain=DOMAIN,
    name="order_items",
    columns=(
        "id",
        "order_id",
        "user_id",
        "days_since_prior_order",
        "product_id",
        "add_to_cart_order",
        "reordered",
        "order_timestamp",
        "date",
    ),
    description="Order lines, one CSV per day or a workbook with one sheet per day.",
)

SOURCES = (PRODUCTS, ORDERS, ORDER_ITEMS)
