"""Silver rules of the ecommerce domain: how each bronze column is typed and what a valid row is.

Rule names are what analysts see in `quarantine/ecommerce/<table>._rules_failed`.
"""

from __future__ import annotations

from platform_assets.core.rules import (
    Rule,
    as_decimal,
    as_int,
    as_timestamp,
    identifier,
    not_null_rule,
    trimmed,
    type_rule,
    typed,
)

ORDER_DATE_RULE = "order_date_matches_partition"


def _order_date_rule() -> Rule:
    # The landing folder (or sheet) is the business date the file feeds; an order stamped on another day
    # would silently land in a partition nobody re-runs, so it is set aside instead.
    from pyspark.sql import functions as F

    return Rule(
        ORDER_DATE_RULE,
        typed("order_timestamp").isNotNull()
        & (F.to_date(typed("order_timestamp")).cast("string") != F.col("dt")),
    )


def products():
    typed_columns = {
        "product_id": identifier("product_id"),
        "department_id": identifier("department_id"),
        "department": trimmed("department"),
        "product_name": trimmed("product_name"),
    }
    rules = [
        not_null_rule("product_id"),
        not_null_rule("department"),
    ]
    return typed_columns, rules


def orders():
    from pyspark.sql import functions as F

    typed_columns = {
        "order_id": identifier("order_id"),
        "order_num": as_int("order_num"),
        "user_id": identifier("user_id"),
        "order_timestamp": as_timestamp("order_timestamp"),
        "total_amount": as_decimal("total_amount"),
    }
    rules = [
        not_null_rule("order_id"),
        not_null_rule("user_id"),
        not_null_rule("order_timestamp"),
        type_rule("order_timestamp", "timestamp"),
        not_null_rule("total_amount"),
        type_rule("total_amount", "number"),
        Rule("total_amount_non_negative", typed("total_amount") < F.lit(0)),
        _order_date_rule(),
    ]
    return typed_columns, rules


def order_items():
    from pyspark.sql import functions as F

    typed_columns = {
        "id": identifier("id"),
        "order_id": identifier("order_id"),
        "user_id": identifier("user_id"),
        "product_id": identifier("product_id"),
        "days_since_prior_order": as_int("days_since_prior_order"),
        "add_to_cart_order": as_int("add_to_cart_order"),
        "reordered": as_int("reordered"),
        "order_timestamp": as_timestamp("order_timestamp"),
    }
    rules = [
        not_null_rule("id"),
        not_null_rule("order_id"),
        not_null_rule("user_id"),
        not_null_rule("product_id"),
        # Empty on a customer's first order: allowed; present, it must be a whole number of days >= 0.
        type_rule("days_since_prior_order", "integer"),
        Rule("days_since_prior_order_non_negative", typed("days_since_prior_order") < 0),
        not_null_rule("add_to_cart_order"),
        type_rule("add_to_cart_order", "integer"),
        Rule("add_to_cart_order_positive", typed("add_to_cart_order") < 1),
        Rule("reordered_in_0_1", ~F.coalesce(typed("reordered").isin(0, 1), F.lit(False))),
        not_null_rule("order_timestamp"),
        type_rule("order_timestamp", "timestamp"),
        # Filled by the transform from silver products; null means the product is unknown.
        Rule("product_exists", typed("product_id").isNotNull() & F.col("_known_product").isNull()),
        _order_date_rule(),
    ]
    return typed_columns, rules
