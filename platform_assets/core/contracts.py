"""Building blocks of the pandera (pyspark) contracts every domain's `checks.py` declares."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from platform_assets.core.conventions import ISO_DATE_PATTERN, MONEY_PRECISION, MONEY_SCALE

DT = ISO_DATE_PATTERN
MONEY = T.DecimalType(MONEY_PRECISION, MONEY_SCALE)


class Lineage(DataFrameModel):
    """The lineage columns every silver row carries from bronze: which file, which row, delivered when."""

    source_file: T.StringType() = Field(
        alias="_source_file", nullable=False, description="Landing file the row was read from."
    )
    row: T.LongType() = Field(
        alias="_row",
        nullable=False,
        ge=1,
        description="Row number of the record within its source file (1-based).",
    )
    ingested_at: T.TimestampType() = Field(
        alias="_ingested_at", nullable=False, description="When the source file was delivered (UTC)."
    )
