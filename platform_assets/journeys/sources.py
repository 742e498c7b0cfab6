"""The source database of the journeys domain (spec: journeys.md, Source) and the lake tables it feeds.

The domain has no landing files: it extracts, per partition, from the challenge tables of a SQL database
(SQLite by default, any SQLAlchemy URL: `OMNILAKE_JOURNEYS_DB_URL`).
"""

from platform_assets import settings
from platform_assets.core.lake import TableRef

DOMAIN = "journeys"

# How far back a session still belongs to a conversion's journey. It also sets the partition mapping
# journeys[D] <- sessions[D-LOOKBACK_DAYS..D], so both come from this one value.
LOOKBACK_DAYS = settings.journeys_lookback_days()

# The challenge's tables, columns in the spec's order.
SESSION_SOURCES = "session_sources"
CONVERSIONS = "conversions"
SESSION_COSTS = "session_costs"
SESSION_COLUMNS = (
    "session_id",
    "user_id",
    "event_date",
    "event_time",
    "channel_name",
    "holder_engagement",
    "closer_engagement",
    "impression_interaction",
)
CONVERSION_COLUMNS = ("conv_id", "user_id", "conv_date", "conv_time", "revenue")
SOURCE_DDL = {
    SESSION_SOURCES: (
        "CREATE TABLE session_sources (session_id TEXT PRIMARY KEY, user_id TEXT, event_date TEXT, "
        "event_time TEXT, channel_name TEXT, holder_engagement INT, closer_engagement INT, "
        "impression_interaction INT)"
    ),
    CONVERSIONS: (
        "CREATE TABLE conversions (conv_id TEXT PRIMARY KEY, user_id TEXT, conv_date TEXT, conv_time TEXT, "
        "revenue REAL)"
    ),
    SESSION_COSTS: "CREATE TABLE session_costs (session_id TEXT PRIMARY KEY, cost REAL)",
}
# Written back into the source database (upsert by key).
WRITEBACK_ATTRIBUTION = "attribution_customer_journey"
WRITEBACK_REPORT = "channel_reporting"


def table(layer: str, name: str) -> TableRef:
    return TableRef(layer, DOMAIN, name)


BRONZE_SESSIONS = table("bronze", "sessions")  # session_sources + its session_costs row (cost)
BRONZE_CONVERSIONS = table("bronze", "conversions")
SILVER_JOURNEYS = table("silver", "customer_journeys")
EXCLUDED = table("quarantine", "excluded_conversions")
GOLD_ATTRIBUTION = table("gold", "attribution_customer_journey")
ATTRIBUTION_FAILURES = table("quarantine", "attribution_failures")
GOLD_REPORT = table("gold", "channel_reporting")
