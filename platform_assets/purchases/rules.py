"""Silver rules of the purchases domain: how each bronze column is typed and what a valid row is.

Rule names are what analysts see in `quarantine/purchases/<table>._rules_failed`. A present value that does
not parse fails `<column>_is_<type>`; a blank one fails `<column>_not_null`, never both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.conventions import ISO_DATE_PATTERN, MONEY
from platform_assets.core.rules import (
    Rule,
    as_long,
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

AUD = "AUD"
# Rates as exact decimals: amount (2 places) x rate (10 places) is exact before rounding to cents.
RATE = "decimal(18,10)"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

PURCHASE_RULES = (
    "customer_id_not_null",
    "customer_id_is_integer",
    "customer_id_positive",
    "purchase_id_not_null",
    "purchase_id_is_integer",
    "purchase_id_positive",
    "purchase_date_not_null",
    "purchase_date_is_date",
    "purchase_date_not_future",
    "amount_not_null",
    "amount_is_number",
    "amount_positive",
    "email_not_null",
    "email_valid",
    "currency_not_null",
    "currency_known",
    "fx_rate_available",
)

FX_RULES = (
    "date_not_null",
    "date_is_date",
    "currency_not_null",
    "currency_is_code",
    "aud_per_unit_not_null",
    "aud_per_unit_is_number",
    "aud_per_unit_positive",
    "aud_per_unit_is_1_for_aud",
)


def iso_date(name: str) -> "Column":
    """A strict YYYY-MM-DD calendar date ('2023', '2025-02-30' and '03/01/2025' are not dates)."""
    from pyspark.sql import functions as F

    text = F.trim(F.col(name))
    return F.when(text.rlike(ISO_DATE_PATTERN), parsed_date(text, "yyyy-MM-dd"))


def currency_code(name: str) -> "Column":
    from pyspark.sql import functions as F

    return F.upper(trimmed(name))


def amount(name: str = "amount") -> "Column":

    return parsed(name, MONEY)


def purchases():
    """(typed columns, rules) of silver purchases.

    The transform adds `_currency_listed` (the currency is AUD or has any valid rate) and `_aud_per_unit` /
    `_fx_rate_date` (the latest rate on or before purchase_date) before the rules run.
    """
    from pyspark.sql import functions as F

    email = F.lower(trimmed("email"))
    typed_columns = {
        "customer_id": as_long("customer_id"),
        "first_name": trimmed("first_name"),
        "last_name": trimmed("last_name"),
        "email": email,
        "purchase_id": as_long("purchase_id"),
        "purchase_date": iso_date("purchase_date"),
        "amount": amount(),
        "currency": currency_code("currency"),
        "aud_per_unit": F.col("_aud_per_unit"),
        "fx_rate_date": F.col("_fx_rate_date"),
        "amount_aud": F.round(amount() * F.col("_aud_per_unit"), 2).cast(MONEY),
    }
    known_currency = typed("currency").isNotNull() & F.col("_currency_listed")
    rules = [
        not_null_rule("customer_id"),
        type_rule("customer_id", "integer"),
        Rule("customer_id_positive", typed("customer_id") <= 0),
        not_null_rule("purchase_id"),
        type_rule("purchase_id", "integer"),
        Rule("purchase_id_positive", typed("purchase_id") <= 0),
        not_null_rule("purchase_date"),
        Rule("purchase_date_is_date", ~blank("purchase_date") & typed("purchase_date").isNull()),
        # The future of a purchase is after the day it was ingested: deterministic on re-runs, unlike
        # "today", and a purchase cannot be delivered before it happened.
        Rule("purchase_date_not_future", typed("purchase_date") > F.to_date(F.col("dt"))),
        not_null_rule("amount"),
        type_rule("amount", "number"),
        Rule("amount_positive", typed("amount") <= 0),
        not_null_rule("email"),
        Rule("email_valid", ~blank("email") & ~F.coalesce(typed("email").rlike(EMAIL_PATTERN), F.lit(False))),
        not_null_rule("currency"),
        Rule("currency_known", ~blank("currency") & ~F.coalesce(known_currency, F.lit(False))),
        # Only meaningful when the currency is known and the date valid (otherwise those rules fail).
        Rule(
            "fx_rate_available",
            known_currency & typed("purchase_date").isNotNull() & F.col("_aud_per_unit").isNull(),
        ),
    ]
    return typed_columns, rules


def fx_rates():
    from pyspark.sql import functions as F

    typed_columns = {
        "date": iso_date("date"),
        "currency": currency_code("currency"),
        "aud_per_unit": parsed("aud_per_unit", RATE),
    }
    rules = [
        not_null_rule("date"),
        Rule("date_is_date", ~blank("date") & typed("date").isNull()),
        not_null_rule("currency"),
        Rule(
            "currency_is_code",
            ~blank("currency") & ~F.coalesce(typed("currency").rlike(CURRENCY_PATTERN), F.lit(False)),
        ),
        not_null_rule("aud_per_unit"),
        type_rule("aud_per_unit", "number"),
        Rule("aud_per_unit_positive", typed("aud_per_unit") <= 0),
        Rule("aud_per_unit_is_1_for_aud", (typed("currency") == F.lit(AUD)) & (typed("aud_per_unit") != 1)),
    ]
    return typed_columns, rules
