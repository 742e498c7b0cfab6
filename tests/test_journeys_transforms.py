"""The journeys Spark transforms on hand-made bronze rows: the lookback's inclusive bounds, the order of a
journey (session_ts, then session_id), the conversion flag, the exclusions with their reasons, and the
channel report's formulas and reconciliation."""

from datetime import datetime, timezone

import pytest

from platform_assets.core.execution import TransformContext
from platform_assets.journeys.checks import report_reconciles
from platform_assets.journeys.extract import conversions_schema, sessions_schema
from platform_assets.journeys.transforms import channel_reporting, customer_journeys

NOW = datetime(2025, 2, 2, tzinfo=timezone.utc)


def frame(spark, schema, rows: list[dict]):
    from pyspark.sql.pandas.types import from_arrow_schema

    filled = [
        tuple({"_source_file": "t", "_row": i + 1, "_ingested_at": NOW, **r}.get(f.name) for f in schema)
        for i, r in enumerate(rows)
    ]
    return spark.createDataFrame(filled, from_arrow_schema(schema))


def session(sid, user, when, channel="Paid", impression=0, cost=None):
    day, time = when.split(" ")
    return {
        "session_id": sid,
        "user_id": user,
        "event_date": day,
        "event_time": time,
        "channel_name": channel,
        "holder_engagement": "1",
        "closer_engagement": "0",
        "impression_interaction": str(impression),
        "cost": cost,
        "dt": day,
    }


def conversion(cid, user, when, revenue="100"):
    day, time = when.split(" ")
    return {
        "conv_id": cid,
        "user_id": user,
        "conv_date": day,
        "conv_time": time,
        "revenue": revenue,
        "dt": day,
    }


SESSIONS = [
    session("s_out", "u1", "2025-01-02 11:59:59", cost="9"),  # 30 days + 1 s before: outside
    session("s_edge", "u1", "2025-01-02 12:00:00", cost="1.5"),  # exactly 30 days before: inside
    session("s_b", "u1", "2025-01-20 08:00:00", "Search"),  # same time as s_a: s_a first (session_id)
    session("s_a", "u1", "2025-01-20 08:00:00", "Search", cost="2"),
    session("s_imp", "u1", "2025-01-25 10:00:00", "Display", impression=1, cost="0.5"),
    session("s_at", "u1", "2025-02-01 12:00:00", cost="1"),  # at the conversion time: inside, last
    session("s_after", "u1", "2025-02-01 12:00:01", cost="4"),  # after the conversion: outside
    session("i1", "u2", "2025-01-30 09:00:00", "Display", impression=1, cost="0.25"),
    session("t1", "u5", "2025-01-30 nonsense", "Paid", cost="3"),  # no time: no journey, still a cost
]
CONVERSIONS = [
    conversion("k1", "u1", "2025-02-01 12:00:00", "200"),
    conversion("k2", "u2", "2025-02-01 09:00:00"),  # impressions only
    conversion("k3", "u3", "2025-02-01 09:00:00"),  # no session at all
    conversion("k4", " ", "2025-02-01 09:00:00"),  # blank user: a broken rule
]


@pytest.fixture(scope="module")
def built(spark):
    ctx = TransformContext(spark, ["2025-02-01"], {"lookback_days": 30}, lake=None)
    inputs = {
        "conversions": frame(spark, conversions_schema(), CONVERSIONS),
        "sessions": frame(spark, sessions_schema(), SESSIONS),
    }
    return ctx, inputs, customer_journeys(inputs, ctx)


def test_lookback_bounds_order_and_conversion_flag(built):
    rows = sorted((r.asDict() for r in built[2]["silver"].collect()), key=lambda r: r["position"])
    assert [r["session_id"] for r in rows] == ["s_edge", "s_a", "s_b", "s_imp", "s_at"]
    assert [r["position"] for r in rows] == [1, 2, 3, 4, 5]
    assert {r["journey_length"] for r in rows} == {5} and {r["conv_id"] for r in rows} == {"k1"}
    assert [r["conversion"] for r in rows] == [0, 0, 0, 0, 1]
    assert [r["session_cost"] for r in rows] == [1.5, 2.0, 0.0, 0.5, 1.0]  # no cost row: 0
    assert [r["impression_interaction"] for r in rows] == [0, 0, 0, 1, 0]  # impressions stay in a journey
    assert {r["revenue"] for r in rows} == {200.0} and {r["dt"] for r in rows} == {"2025-02-01"}


def test_exclusions_carry_their_reason(built):
    quarantine = {r["conv_id"]: r["reason"] for r in built[2]["quarantine"].collect()}
    assert quarantine == {
        "k2": "only_impression_sessions",
        "k3": "no_sessions_in_lookback",
        "k4": "user_id_not_null",
    }


def test_channel_report_formulas_and_reconciliation(built, spark):
    ctx, inputs, outputs = built
    credits = {"s_edge": 0.4, "s_a": 0.1, "s_b": 0.1, "s_imp": 0.0, "s_at": 0.4}
    attribution = spark.createDataFrame(
        [("k1", sid, ihc, "position_based", "2025-02-01") for sid, ihc in credits.items()],
        "conv_id string, session_id string, ihc double, model string, dt string",
    )
    report_inputs = {
        "attribution": attribution,
        "journeys": outputs["silver"],
        "sessions": inputs["sessions"],
    }
    gold = channel_reporting(report_inputs, ctx)["gold"]
    rows = {(r["channel_name"], r["date"]): r.asDict() for r in gold.collect()}
    # cost: every extracted session of the channel and day, in a journey or not (t1 has no time).
    paid = {k: v for k, v in rows[("Paid", "2025-01-02")].items() if k not in ("channel_name", "date")}
    assert paid == pytest.approx(
        {"cost": 10.5, "ihc": 0.4, "ihc_revenue": 80.0, "cpo": 10.5 / 0.4, "roas": 80.0 / 10.5}
    )
    assert rows[("Search", "2025-01-20")]["ihc"] == pytest.approx(0.2)
    assert rows[("Search", "2025-01-20")]["ihc_revenue"] == pytest.approx(40.0)
    assert (
        rows[("Paid", "2025-01-30")]["cost"] == 3.0 and rows[("Paid", "2025-01-30")]["cpo"] is None
    )  # ihc 0
    assert (
        rows[("Paid", "2025-02-01")]["cost"] == 5.0
    )  # s_at and s_after (after the conversion, still a cost)
    search = rows[("Search", "2025-01-20")]
    assert search["cost"] == 2.0 and search["roas"] == pytest.approx(20.0)
    assert rows[("Display", "2025-01-25")]["ihc"] == 0.0 and rows[("Display", "2025-01-25")]["cpo"] is None
    assert sum(r["cost"] for r in rows.values()) == pytest.approx(21.25)  # every session's cost row
    ok, facts = report_reconciles({"gold": gold}, report_inputs, ctx)
    assert ok and facts["attributed_conversions"] == 1 and facts["sum_ihc"] == pytest.approx(1.0), facts
    # A report that lost a day's cost (or credit) does not reconcile.
    ok, facts = report_reconciles({"gold": gold.where("date != '2025-01-30'")}, report_inputs, ctx)
    assert not ok and facts["sum_cost"] == pytest.approx(18.0)
