"""Data contracts and custom checks of the journeys silver and gold tables.

Pandera models are blocking checks of the Spark outputs; the custom checks are `fn(outputs, inputs, ctx,
**params)` evaluated before commit (write-audit-publish). The attribution table is scored in Python and
checked there (`attribution.audit`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from platform_assets.core.contracts import DT
from platform_assets.core.rules import parsed
from platform_assets.core.spark import count_rows

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext

FLAG = dict(nullable=False, isin=[0, 1])


class CustomerJourneys(DataFrameModel):
    conv_id: T.StringType() = Field(nullable=False, description="Conversion the journey leads to.")
    session_id: T.StringType() = Field(
        nullable=False, description="Session of the journey; one row per conversion and session."
    )
    user_id: T.StringType() = Field(nullable=False, description="User of the conversion and its sessions.")
    channel_name: T.StringType() = Field(nullable=False, description="Marketing channel of the session.")
    session_ts: T.TimestampType() = Field(
        nullable=False, description="Session time (event_date and event_time)."
    )
    conv_ts: T.TimestampType() = Field(
        nullable=False, description="Conversion time (conv_date and conv_time)."
    )
    position: T.IntegerType() = Field(
        nullable=False,
        ge=1,
        description="Position of the session in the journey (1..n, by session_ts then session_id).",
    )
    journey_length: T.IntegerType() = Field(
        nullable=False, ge=1, description="Number of sessions in the journey (n)."
    )
    holder_engagement: T.IntegerType() = Field(
        **FLAG, description="Holder engagement flag of the session (0/1, as in session_sources)."
    )
    closer_engagement: T.IntegerType() = Field(
        **FLAG, description="Closer engagement flag of the session (0/1, as in session_sources)."
    )
    impression_interaction: T.IntegerType() = Field(
        **FLAG, description="Impression interaction flag of the session (0/1, as in session_sources)."
    )
    conversion: T.IntegerType() = Field(**FLAG, description="1 on the journey's last session only, else 0.")
    revenue: T.DoubleType() = Field(nullable=False, ge=0, description="Revenue of the conversion.")
    session_cost: T.DoubleType() = Field(
        nullable=False, ge=0, description="Cost of the session (0 when it has no cost row)."
    )
    dt: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Partition day (YYYY-MM-DD): the conversion date."
    )

    class Config:
        strict = True


class ChannelReporting(DataFrameModel):
    channel_name: T.StringType() = Field(
        nullable=False, description="Marketing channel; one row per channel and date."
    )
    date: T.StringType() = Field(
        nullable=False, str_matches=DT, description="Session date (event_date, YYYY-MM-DD)."
    )
    cost: T.DoubleType() = Field(
        nullable=False, ge=0, description="Sum of session cost of all the channel's sessions on date."
    )
    ihc: T.DoubleType() = Field(
        nullable=False, ge=0, description="Sum of the IHC attribution credit of those sessions."
    )
    ihc_revenue: T.DoubleType() = Field(
        nullable=False, ge=0, description="Sum of ihc x conversion revenue of those sessions."
    )
    cpo: T.DoubleType() = Field(
        nullable=True, ge=0, description="Cost per order: cost / ihc; null when ihc = 0."
    )
    roas: T.DoubleType() = Field(
        nullable=True, ge=0, description="Return on ad spend: ihc_revenue / cost; null when cost = 0."
    )

    class Config:
        strict = True


def conversions_accounted(
    outputs: dict[str, "DataFrame"], inputs: dict[str, "DataFrame"], ctx: "TransformContext"
):
    """Every extracted conversion of the run's days is in exactly one place: a journey or the quarantine
    (with its reason); each journey has positions 1..n and one conversion flag, on its last session."""
    from pyspark.sql import functions as F

    bronze = count_rows(inputs["conversions"])
    journeys = (
        outputs["silver"]
        .groupBy("conv_id", "dt")
        .agg(
            F.count(F.lit(1)).alias("n"),
            F.max("journey_length").alias("length"),
            F.sum("position").alias("positions"),
            F.sum("conversion").alias("flags"),
            F.max(F.when(F.col("conversion") == 1, F.col("position"))).alias("flagged"),
        )
    )
    malformed = journeys.where(
        (F.col("n") != F.col("length"))
        | (F.col("positions") != F.col("n") * (F.col("n") + 1) / 2)
        | (F.col("flags") != 1)
        | (F.col("flagged") != F.col("n"))
    )
    malformed = count_rows(malformed)
    attributed = count_rows(journeys)
    quarantined = count_rows(outputs["quarantine"])
    ok = attributed + quarantined == bronze and malformed == 0
    return ok, {
        "extracted_conversions": bronze,
        "journeys": attributed,
        "quarantined_conversions": quarantined,
        "malformed_journeys": malformed,
    }


def report_reconciles(
    outputs: dict[str, "DataFrame"],
    inputs: dict[str, "DataFrame"],
    ctx: "TransformContext",
    *,
    tolerance: float = 1e-6,
):
    """sum(ihc) over every row equals the number of attributed conversions, and sum(cost) the sources'
    total session cost: the raw `cost` of every extracted session, summed straight from bronze (not
    through the transform's typing, so a session the report loses shows)."""
    from pyspark.sql import functions as F

    report = outputs["gold"].agg(F.sum("ihc").alias("ihc"), F.sum("cost").alias("cost")).first()
    conversions = count_rows(inputs["attribution"].select("conv_id").distinct())
    source_cost = inputs["sessions"].agg(F.sum(parsed("cost", "double"))).first()[0] or 0.0
    ihc, cost = report["ihc"] or 0.0, report["cost"] or 0.0
    ok = abs(ihc - conversions) <= tolerance * max(1, conversions) and abs(
        cost - source_cost
    ) <= tolerance * max(1.0, abs(source_cost))
    return ok, {
        "sum_ihc": round(ihc, 9),
        "attributed_conversions": conversions,
        "sum_cost": round(cost, 6),
        "source_session_cost": round(source_cost, 6),
    }
