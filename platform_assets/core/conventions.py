"""Conventions every domain shares, each in one place: the money type, the ISO date pattern, the tags
Dagster runs carry. Plain values (no Spark, no Dagster import), so any layer can use them."""

# Money: decimal(18,2) everywhere (Spark SQL type name, and its precision and scale).
MONEY_PRECISION, MONEY_SCALE = 18, 2
MONEY = f"decimal({MONEY_PRECISION},{MONEY_SCALE})"

# A calendar day written YYYY-MM-DD (the `dt` partition value, folder names, ISO dates in files).
ISO_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

# The run queue limits concurrent runs per domain by this tag (platform_assets/dagster.yaml).
DOMAIN_TAG = "omnilake/domain"
# The partition range of a single-run backfill (Dagster's own tags).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
