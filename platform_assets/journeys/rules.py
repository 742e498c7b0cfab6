"""Silver rules of the journeys domain: how the bronze columns (all text) are typed and what a valid
conversion is.

Rule names are what analysts see in `quarantine/journeys/excluded_conversions._rules_failed`: a conversion
is set aside when its id or user is blank, its date and time do not parse (`YYYY-MM-DD` + `HH:MM:SS`), or
its revenue is not a number or negative (a blank revenue is 0). Sessions are not quarantined: one without
id, user or a parseable time cannot join a journey and stays in bronze, but its cost still counts in the
channel report. Engagement flags: blank -> 0; channel: blank -> `(unknown)`; no session_costs row -> 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_assets.core.rules import Rule, not_null_rule, parsed, trimmed, type_rule, typed

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

TS_FORMAT = "yyyy-MM-dd HH:mm:ss"


def _flag(name: str):
    from pyspark.sql import functions as F

    return F.coalesce(parsed(name, "double").cast("int"), F.lit(0))


def _timestamp(date_column: str, time_column: str):
    from pyspark.sql import functions as F

    text = F.concat_ws(" ", F.trim(F.col(date_column)), F.trim(F.col(time_column)))
    return F.try_to_timestamp(text, F.lit(TS_FORMAT))


def _cost(name: str = "cost"):
    from pyspark.sql import functions as F

    return F.coalesce(parsed(name, "double"), F.lit(0.0))


def _channel():
    from pyspark.sql import functions as F

    return F.coalesce(trimmed("channel_name"), F.lit("(unknown)"))


def session_costs(bronze: "DataFrame") -> "DataFrame":
    """Every extracted session's cost by channel and event date (no cost row: 0), whether or not it can
    join a journey: a session without user or a parseable time still cost money that day."""
    from pyspark.sql import functions as F

    return bronze.select(
        _channel().alias("channel_name"),
        F.trim(F.col("event_date")).alias("date"),
        _cost().alias("session_cost"),
    )


def typed_sessions(bronze: "DataFrame") -> "DataFrame":
    """Sessions with a timestamp, typed: engagement flags as 0/1 (blank: 0), cost as a double (no
    session_costs row: 0). A session without id, user or a parseable date and time cannot join a journey
    and is left out (it stays in bronze)."""
    from pyspark.sql import functions as F

    ts = _timestamp("event_date", "event_time")
    return bronze.select(
        trimmed("session_id").alias("session_id"),
        trimmed("user_id").alias("user_id"),
        _channel().alias("channel_name"),
        ts.alias("session_ts"),
        F.trim(F.col("event_date")).alias("event_date"),
        _flag("holder_engagement").alias("holder_engagement"),
        _flag("closer_engagement").alias("closer_engagement"),
        _flag("impression_interaction").alias("impression_interaction"),
        _cost().alias("session_cost"),
    ).where(F.col("session_id").isNotNull() & F.col("user_id").isNotNull() & F.col("session_ts").isNotNull())


def conversion_rules():
    """Typed columns and rules of a conversion, for `core.rules.split`."""
    typed_columns = {
        "conv_id": trimmed("conv_id"),
        "user_id": trimmed("user_id"),
        "conv_ts": _timestamp("conv_date", "conv_time"),
        "revenue": parsed("revenue", "double"),
    }
    rules = [
        not_null_rule("conv_id"),
        not_null_rule("user_id"),
        Rule("conv_ts_is_timestamp", typed("conv_ts").isNull()),
        type_rule("revenue", "number"),
        Rule("revenue_non_negative", typed("revenue") < 0),
    ]
    return typed_columns, rules
