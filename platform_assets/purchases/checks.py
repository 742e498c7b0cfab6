"""Data contracts of the purchases silver and gold tables (pandera, pyspark API).

Each model is a blocking asset check on its table: a table that breaks its contract is not committed and
nothing downstream runs.
"""

from __future__ import annotations

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from platform_assets.core.contracts import DT, MONEY, Lineage

RATE = T.DecimalType(18, 10)
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class SilverFxRates(Lineage):
    date: T.DateType() = Field(
        nullable=False,
        description="Date of the rate; a purchase uses the latest rate on or before its purchase_date.",
    )
    currency: T.StringType() = Field(
        nullable=False,
        str_matches=r"^[A-Z]{3}$",
        description="Three-letter upper-case currency code the rate is for.",
    )
    aud_per_unit: RATE = Field(
        nullable=False,
        gt=0,
        description=(
            "Exchange rate: Australian dollars (AUD) per one unit of the currency (AUD itself is 1)."
        ),
    )

    class Config:
        strict = True


class SilverPurchases(Lineage):
    customer_id: T.LongType() = Field(
        nullable=False, ge=1, description="Customer identifier (a positive integer)."
    )
    first_name: T.StringType() = Field(nullable=True, description="Customer's first name, trimmed.")
    last_name: T.StringType() = Field(nullable=True, description="Customer's last name, trimmed.")
    email: T.StringType() = Field(
        nullable=False, str_matches=EMAIL, description="Customer's email address, trimmed and lower-cased."
    )
    purchase_id: T.LongType() = Field(
        nullable=False,
        ge=1,
        description=(
            "Purchase identifier (a positive integer); one row per purchase_id and dt (the latest ingested "
            "wins)."
        ),
    )
    purchase_date: T.DateType() = Field(
        nullable=False, description="Date of the purchase (never in the future)."
    )
    amount: MONEY = Field(
        nullable=False, gt=0, description="Purchase amount (> 0) in the purchase's currency."
    )
    currency: T.StringType() = Field(
        nullable=False,
        str_matches=r"^[A-Z]{3}$",
        description="Three-letter upper-case currency code of amount; a known currency with a rate.",
    )
    aud_per_unit: RATE = Field(
        nullable=False,
        gt=0,
        description=(
            "AUD per unit of currency applied: the latest rate on or before purchase_date (1 for AUD)."
        ),
    )
    fx_rate_date: T.DateType() = Field(  # null for AUD (no rate needed)
        nullable=True, description="Date of the exchange rate applied; null for AUD (no rate needed)."
    )
    amount_aud: MONEY = Field(
        nullable=False, ge=0, description="Amount in Australian dollars: round(amount x aud_per_unit, 2)."
    )
    dt: T.StringType() = Field(
        nullable=False,
        str_matches=DT,
        description="Partition day (YYYY-MM-DD): the ingestion date (the landing folder date).",
    )

    class Config:
        strict = True


class CustomerPurchaseSummary(DataFrameModel):
    customer_id: T.LongType() = Field(
        nullable=False, ge=1, description="Customer identifier; one row per customer."
    )
    full_name: T.StringType() = Field(
        nullable=True, description="first_name + ' ' + last_name of the customer's latest purchase row."
    )
    email: T.StringType() = Field(
        nullable=False, str_matches=EMAIL, description="Email address of the customer's latest purchase row."
    )
    purchases: T.LongType() = Field(
        nullable=False, ge=1, description="Number of purchases of the customer (each purchase_id once)."
    )
    total_spent_aud: MONEY = Field(
        nullable=False,
        ge=0,
        description="Total spent in AUD: sum of amount_aud over the customer's purchases (2 decimals).",
    )
    first_purchase_date: T.DateType() = Field(
        nullable=False, description="Earliest purchase_date of the customer."
    )
    last_purchase_date: T.DateType() = Field(
        nullable=False, description="Latest purchase_date of the customer."
    )

    class Config:
        strict = True
