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
    date: T.DateType() = Field(nullable=False)
    currency: T.StringType() = Field(nullable=False, str_matches=r"^[A-Z]{3}$")
    aud_per_unit: RATE = Field(nullable=False, gt=0)

    class Config:
        strict = True


class SilverPurchases(Lineage):
    customer_id: T.LongType() = Field(nullable=False, ge=1)
    first_name: T.StringType() = Field(nullable=True)
    last_name: T.StringType() = Field(nullable=True)
    email: T.StringType() = Field(nullable=False, str_matches=EMAIL)
    purchase_id: T.LongType() = Field(nullable=False, ge=1)
    purchase_date: T.DateType() = Field(nullable=False)
    amount: MONEY = Field(nullable=False, gt=0)
    currency: T.StringType() = Field(nullable=False, str_matches=r"^[A-Z]{3}$")
    aud_per_unit: RATE = Field(nullable=False, gt=0)
    fx_rate_date: T.DateType() = Field(nullable=True)  # null for AUD (no rate needed)
    amount_aud: MONEY = Field(nullable=False, ge=0)
    dt: T.StringType() = Field(nullable=False, str_matches=DT)

    class Config:
        strict = True


class CustomerPurchaseSummary(DataFrameModel):
    customer_id: T.LongType() = Field(nullable=False, ge=1)
    full_name: T.StringType() = Field(nullable=True)
    email: T.StringType() = Field(nullable=False, str_matches=EMAIL)
    purchases: T.LongType() = Field(nullable=False, ge=1)
    total_spent_aud: MONEY = Field(nullable=False, ge=0)
    first_purchase_date: T.DateType() = Field(nullable=False)
    last_purchase_date: T.DateType() = Field(nullable=False)

    class Config:
        strict = True
