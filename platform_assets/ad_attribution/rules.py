"""Silver rules of the ad_attribution domain: how each bronze column is typed and what a valid row is.

Rule names are what analysts see in `quarantine/ad_attribution/<table>._rules_failed`. Beyond the two the
spec names (`sku_not_null`, `currency_usd`) a row is set aside when an id, the user, the campaign or the
channel is blank, a timestamp or a number does not parse, money is negative or more precise than its
column (a cast would silently round it), an event type is neither `impression` nor `click`, or the UTC
date of its timestamp is not the date folder it was delivered in (see `DATE_RULES`).

Normalisation: ids and names are trimmed; `channel` and `event_type` are lower-cased (`Meta_Ads` ->
`meta_ads`, `Click` -> `click`) so one channel is one ROAS row; `currency` is upper-cased. A blank `cost`
is 0 like a missing column (the spec: "missing = 0"); a blank `event_type` is not guessed and goes to
quarantine (only a file without the column is all impressions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.conventions import MONEY_PRECISION, MONEY_SCALE
from platform_assets.core.rules import (
    Rule,
    as_decimal,
    as_timestamp,
    blank,
    not_null_rule,
    parsed,
    trimmed,
    type_rule,
    typed,
)

if TYPE_CHECKING:  # pragma: no cover
    pass

EVENT_TYPES = ("impression", "click")
COST = (18, 6)

# The landing folder is the UTC business date a file feeds (platform.md); a row stamped on another UTC day
# would land in a silver partition no run of that folder refreshes, so it is set aside, named, instead.
EVENT_DATE_RULE = "event_date_matches_partition"
ORDER_DATE_RULE = "order_date_matches_partition"
DATE_RULES = (EVENT_DATE_RULE, ORDER_DATE_RULE)


def _date_rule(name: str, column: str) -> Rule:
    from pyspark.sql import functions as F

    return Rule(name, typed(column).isNotNull() & (F.to_date(typed(column)).cast("string") != F.col("dt")))


def _too_precise(name: str, scale: int) -> Rule:
    """A number with more decimals than the column keeps (a cast would round 12.345 to 12.35)."""

    exact = parsed(name, "decimal(38,12)")
    return Rule(f"{name}_max_{scale}_decimals", typed(name).isNotNull() & (exact != typed(name)))


def ad_events():
    from pyspark.sql import functions as F

    cost_type = f"decimal({COST[0]},{COST[1]})"
    # A blank cost is 0 (both branches typed alike: Sail refuses a when/otherwise of mixed types).
    cost = F.when(blank("cost"), F.lit("0").cast(cost_type)).otherwise(parsed("cost", cost_type))
    typed_columns = {
        "event_id": trimmed("event_id"),
        "user_id": trimmed("user_id"),
        "campaign_id": trimmed("campaign_id"),
        "channel": F.lower(trimmed("channel")),
        "event_type": F.lower(trimmed("event_type")),
        "event_ts": as_timestamp("event_ts"),
        "cost": cost,
    }
    rules = [
        not_null_rule("event_id"),
        not_null_rule("user_id"),
        not_null_rule("campaign_id"),
        not_null_rule("channel"),
        Rule("event_type_valid", ~F.coalesce(typed("event_type").isin(*EVENT_TYPES), F.lit(False))),
        not_null_rule("event_ts"),
        type_rule("event_ts", "timestamp"),
        Rule("cost_is_number", ~blank("cost") & typed("cost").isNull()),
        Rule("cost_non_negative", typed("cost") < 0),
        _too_precise("cost", COST[1]),
        _date_rule(EVENT_DATE_RULE, "event_ts"),
    ]
    return typed_columns, rules


def orders():
    from pyspark.sql import functions as F

    typed_columns = {
        "order_id": trimmed("order_id"),
        "user_id": trimmed("user_id"),
        "order_ts": as_timestamp("order_ts"),
        "sku": trimmed("sku"),
        "amount": as_decimal("amount", MONEY_PRECISION, MONEY_SCALE),
        "currency": F.upper(trimmed("currency")),
    }
    rules = [
        not_null_rule("order_id"),
        not_null_rule("user_id"),
        not_null_rule("order_ts"),
        type_rule("order_ts", "timestamp"),
        not_null_rule("sku"),
        not_null_rule("amount"),
        type_rule("amount", "number"),
        Rule("amount_non_negative", typed("amount") < 0),
        _too_precise("amount", MONEY_SCALE),
        # Only USD is in scope: another currency, or none, is not summed into USD revenue.
        Rule("currency_usd", ~F.coalesce(typed("currency") == "USD", F.lit(False))),
        _date_rule(ORDER_DATE_RULE, "order_ts"),
    ]
    return typed_columns, rules
