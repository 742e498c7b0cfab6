"""Landing sources of the restaurants domain (spec: restaurants.md, Sources).

Canonical names are lower-case; delivered headers (`APP_NAME`, `app_name`, ...) match case-insensitively.
order_items carries card numbers: its bronze transform tokenises them before anything is written, so bronze
has `card_token` and `card_last4` where PRINTED_CARD_NUMBER was (see `pii.py`).
"""

from platform_assets.core.sources import Source
from platform_assets.restaurants import pii

DOMAIN = "restaurants"

ORDER_ITEMS = Source(
    domain=DOMAIN,
    name="order_items",
    columns=(
        "app_name",
        "restaurant_id",
        "creation_time_utc",
        "order_id",
        "user_id",
        "printed_card_number",
        "is_loyalty",
        "currency",
        "lineitem_id",
        "item_category",
        "item_name",
        "item_price",
        "item_quantity",
    ),
    description=(
        "Order line items of the ordering apps, one CSV per UTC business date; PRINTED_CARD_NUMBER is "
        "tokenised at ingestion into `card_token` (HMAC-SHA256) and `card_last4`."
    ),
    bronze_transform=pii.tokenise_bronze,
)

ORDER_ITEM_OPTIONS = Source(
    domain=DOMAIN,
    name="order_item_options",
    columns=(
        "order_id",
        "lineitem_id",
        "option_group_name",
        "option_name",
        "option_price",
        "option_quantity",
    ),
    description="Options (modifiers, discounts as negative prices) of the line items, by the items' date.",
)

DATE_DIM = Source(
    domain=DOMAIN,
    name="date_dim",
    columns=("date_key", "year", "month", "week", "day_of_week", "is_weekend", "is_holiday", "holiday_name"),
    description="Calendar dimension snapshots (date_key DD-MM-YYYY); the folder date is the snapshot date.",
    freshness=None,  # a dimension snapshot arrives when it changes, not daily
)

SOURCES = (ORDER_ITEMS, ORDER_ITEM_OPTIONS, DATE_DIM)
# The bronze columns of order_items: the card number's place is taken by its token and last four digits.
BRONZE_ORDER_ITEMS = tuple(
    c
    for col in ORDER_ITEMS.columns
    for c in (("card_token", "card_last4") if col == "printed_card_number" else (col,))
)

# The gold marts (spec: restaurants.md, Gold marts), each published to the warehouse as `restaurants_<mart>`.
MARTS = (
    "mart_customer_ltv",
    "mart_customer_segments",
    "mart_churn_indicators",
    "mart_sales_trends",
    "mart_loyalty_impact",
    "mart_location_performance",
    "mart_discount_effectiveness",
    "mart_discount_by_category",
)
