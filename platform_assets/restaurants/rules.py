"""Silver rules of the restaurants domain: how each bronze column is typed and what a valid row is.

Rule names are what analysts see in `quarantine/restaurants/<source>._rules_failed`. A present value that
does not parse fails `<column>_is_<type>`; a blank one fails `<column>_not_null`, never both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.conventions import ISO_DATE_PATTERN, MONEY
from platform_assets.core.rules import (
    Rule,
    as_int,
    blank,
    not_null_rule,
    parsed,
    parsed_date,
    trimmed,
    type_rule,
    typed,
)

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column

USD = "USD"
GUEST = "GUEST"
TRUE_TEXT = ("TRUE", "T", "1", "Y", "YES")
FALSE_TEXT = ("FALSE", "F", "0", "N", "NO")

ORDER_ITEM_RULES = (
    "lineitem_id_not_null",
    "order_id_not_null",
    "restaurant_id_not_null",
    "creation_time_utc_not_null",
    "creation_time_utc_is_timestamp",
    "creation_date_matches_folder",
    "is_loyalty_not_null",
    "is_loyalty_is_boolean",
    "currency_not_null",
    "currency_usd",
    "item_price_not_null",
    "item_price_is_number",
    "item_quantity_not_null",
    "item_quantity_is_integer",
    "item_quantity_positive",
)

OPTION_RULES = (
    "order_id_not_null",
    "lineitem_id_not_null",
    "option_price_not_null",
    "option_price_is_number",
    "option_quantity_not_null",
    "option_quantity_is_integer",
    "option_quantity_positive",
    "lineitem_in_silver",
)

DATE_DIM_RULES = ("date_key_not_null", "date_key_is_date", "is_weekend_is_boolean", "is_holiday_is_boolean")


def money(name: str) -> "Column":

    return parsed(name, MONEY)


def boolean(name: str) -> "Column":
    """TRUE/FALSE/true/false/1/0/Y/N as a boolean; anything else null."""
    from pyspark.sql import functions as F

    text = F.upper(F.trim(F.col(name)))
    return F.when(text.isin(*TRUE_TEXT), F.lit(True)).when(text.isin(*FALSE_TEXT), F.lit(False))


def bool_rule(name: str) -> Rule:
    return Rule(f"{name}_is_boolean", ~blank(name) & typed(name).isNull())


def creation_time(name: str = "creation_time_utc") -> "Column":
    """'2020-04-21 18:56:44.244 UTC' or '2024-02-21T02:52:35.366Z', any number of fractional digits."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(F.trim(F.col(name)), r"(?i)(\s*UTC|Z)$", "")
    return F.when(
        text.rlike(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$"),
        F.try_to_timestamp(F.regexp_replace(text, "T", " ")),
    )


def dmy_date(name: str) -> "Column":
    """date_dim's DD-MM-YYYY (also ISO YYYY-MM-DD, should a snapshot switch)."""
    from pyspark.sql import functions as F

    text = F.trim(F.col(name))
    return F.when(text.rlike(r"^\d{2}-\d{2}-\d{4}$"), parsed_date(text, "dd-MM-yyyy")).when(
        text.rlike(ISO_DATE_PATTERN), parsed_date(text, "yyyy-MM-dd")
    )


def order_items():
    """(typed columns, rules) of silver order_lines (before options are added)."""
    from pyspark.sql import functions as F

    user = trimmed("user_id")
    typed_columns = {
        "lineitem_id": trimmed("lineitem_id"),
        "order_id": trimmed("order_id"),
        "restaurant_id": trimmed("restaurant_id"),
        "app_name": trimmed("app_name"),
        # A guest (GUEST, or no user at all) is no customer.
        "user_id": F.when(F.upper(user) != GUEST, user),
        "card_token": F.col("card_token"),
        "card_last4": F.col("card_last4"),
        "is_loyalty": boolean("is_loyalty"),
        "currency": F.upper(trimmed("currency")),
        "order_ts": creation_time(),
        "item_category": trimmed("item_category"),
        "item_name": trimmed("item_name"),
        "item_quantity": as_int("item_quantity"),
        "item_amount": money("item_price"),
    }
    rules = [
        not_null_rule("lineitem_id"),
        not_null_rule("order_id"),
        not_null_rule("restaurant_id"),
        not_null_rule("creation_time_utc"),
        Rule("creation_time_utc_is_timestamp", ~blank("creation_time_utc") & typed("order_ts").isNull()),
        # silver dt is the UTC creation date and a run of day D writes partition D only, so a row landed
        # in another day's folder is quarantined, not moved (docs/restaurants.md, Silver).
        Rule("creation_date_matches_folder", F.date_format(typed("order_ts"), "yyyy-MM-dd") != F.col("dt")),
        not_null_rule("is_loyalty"),
        bool_rule("is_loyalty"),
        not_null_rule("currency"),
        Rule("currency_usd", ~blank("currency") & (typed("currency") != F.lit(USD))),
        not_null_rule("item_price"),
        Rule("item_price_is_number", ~blank("item_price") & typed("item_amount").isNull()),
        not_null_rule("item_quantity"),
        type_rule("item_quantity", "integer"),
        Rule("item_quantity_positive", typed("item_quantity") <= 0),
    ]
    return typed_columns, rules


def order_item_options():
    """(typed columns, rules) of the options; the transform adds `_line_in_silver` before the rules run."""
    from pyspark.sql import functions as F

    typed_columns = {
        "order_id": trimmed("order_id"),
        "lineitem_id": trimmed("lineitem_id"),
        "option_group_name": trimmed("option_group_name"),
        "option_name": trimmed("option_name"),
        "option_price": money("option_price"),
        "option_quantity": as_int("option_quantity"),
    }
    rules = [
        not_null_rule("order_id"),
        not_null_rule("lineitem_id"),
        not_null_rule("option_price"),
        type_rule("option_price", "number"),
        not_null_rule("option_quantity"),
        type_rule("option_quantity", "integer"),
        Rule("option_quantity_positive", typed("option_quantity") <= 0),
        # Options of a line that is not in silver (absent, or quarantined) have nothing to attach to.
        Rule("lineitem_in_silver", ~blank("lineitem_id") & ~F.col("_line_in_silver")),
    ]
    return typed_columns, rules


def date_dim():
    from pyspark.sql import functions as F

    typed_columns = {
        "date": dmy_date("date_key"),
        "year": as_int("year"),
        "month": as_int("month"),
        "week": as_int("week"),
        "day_of_week": trimmed("day_of_week"),
        "is_weekend": boolean("is_weekend"),
        "is_holiday": F.coalesce(boolean("is_holiday"), F.lit(False)),
        "holiday_name": trimmed("holiday_name"),
    }
    rules = [
        not_null_rule("date_key"),
        Rule("date_key_is_date", ~blank("date_key") & typed("date").isNull()),
        Rule("is_weekend_is_boolean", ~blank("is_weekend") & boolean("is_weekend").isNull()),
        Rule("is_holiday_is_boolean", ~blank("is_holiday") & boolean("is_holiday").isNull()),
    ]
    return typed_columns, rules
