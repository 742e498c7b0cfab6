"""Gold formulas of the restaurants domain on small hand-made silver frames (spec: restaurants.md, Gold).

Every expected number is worked out by hand in the comments beside it. Each mart also passes its pandera
contract (checks.Mart...). The CLV fit itself is tested with the fitters (test_restaurants_clv.py); here the
LTV mart's historical columns and the "too little data" path.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from platform_assets.core.execution import TransformContext, contract_outcome
from platform_assets.restaurants import checks, marts

pytestmark = pytest.mark.spark

AS_OF = date(2025, 6, 30)
ORDERS_SCHEMA = (
    "order_id string, restaurant_id string, app_name string, user_id string, is_loyalty boolean, "
    "order_ts timestamp, lines int, items long, gross_amount decimal(18,2), discount_amount decimal(18,2), "
    "net_amount decimal(18,2), is_discounted boolean, dt string"
)
DIM_SCHEMA = (
    "date date, year int, month int, week int, day_of_week string, is_weekend boolean, is_holiday boolean, "
    "holiday_name string"
)


def ctx(spark) -> TransformContext:
    return TransformContext(spark, None, {}, lake=None)


def orders_frame(spark, rows):
    """rows: (order_id, restaurant_id, user_id, is_loyalty, day: date, net, discount=0, items=1)."""
    data = []
    for r in rows:
        oid, rid, uid, loyal, day, net = r[:6]
        discount = Decimal(r[6]) if len(r) > 6 else Decimal(0)
        items = r[7] if len(r) > 7 else 1
        net = Decimal(net)
        ts = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
        data.append(
            (
                oid,
                rid,
                "App",
                uid,
                loyal,
                ts,
                1,
                items,
                net + discount,
                discount,
                net,
                discount > 0,
                day.isoformat(),
            )
        )
    return spark.createDataFrame(data, ORDERS_SCHEMA)


def run(spark, fn, model, c=None, **inputs):
    gold = fn(inputs, c or ctx(spark))["gold"].persist()
    rows = [r.asDict() for r in gold.collect()]
    outcome = contract_outcome(f"gold/restaurants/{fn.__name__}", model, gold)
    assert (outcome.passed, outcome.metadata["failures"]) == (True, [])
    return rows


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


# ------------------------------------------------------------------ RFM segments

# user: (orders, days between the last order and as_of). Orders fall on consecutive days ending there.
RFM = {
    "u01": (5, 100),
    "u02": (4, 90),
    "u03": (1, 80),
    "u04": (3, 70),
    "u05": (2, 60),
    "u06": (1, 50),
    "u07": (2, 40),
    "u08": (1, 30),
    "u09": (3, 20),
    "u10": (1, 0),
}


def rfm_orders(spark):
    rows = []
    for user, (n, last) in RFM.items():
        for k in range(n):
            # every order 10.00, except u10's single order: 100.00
            rows.append(
                (f"{user}-{k}", "R1", user, False, ago(last + k), "100.00" if user == "u10" else "10.00")
            )
    rows.append(("guest-1", "R1", None, False, ago(0), "500.00"))  # a guest is no customer
    return orders_frame(spark, rows)


def test_rfm_scores_are_ntiles_with_the_user_id_tie_break_and_map_to_segments(spark):
    got = {
        r["user_id"]: r
        for r in run(
            spark, marts.mart_customer_segments, checks.MartCustomerSegments, orders=rfm_orders(spark)
        )
    }
    assert set(got) == set(RFM)  # the guest is not a customer
    # recency desc: u01 (100 days) .. u10 (0): NTILE(5) of 10 rows puts two in each bucket, oldest = 1.
    assert {u: got[u]["r_score"] for u in got} == {
        "u01": 1,
        "u02": 1,
        "u03": 2,
        "u04": 2,
        "u05": 3,
        "u06": 3,
        "u07": 4,
        "u08": 4,
        "u09": 5,
        "u10": 5,
    }
    # frequency asc, ties by user_id: u03 u06 | u08 u10 (all 1 order: u08 and u10 land in bucket 2) |
    # u05 u07 (2) | u04 u09 (3) | u02 (4) u01 (5).
    assert {u: got[u]["f_score"] for u in got} == {
        "u03": 1,
        "u06": 1,
        "u08": 2,
        "u10": 2,
        "u05": 3,
        "u07": 3,
        "u04": 4,
        "u09": 4,
        "u02": 5,
        "u01": 5,
    }
    # monetary asc: u03 u06 u08 (10) u05 u07 (20) u04 u09 (30) u02 (40) u01 (50) u10 (100).
    assert {u: got[u]["m_score"] for u in got} == {
        "u03": 1,
        "u06": 1,
        "u08": 2,
        "u05": 2,
        "u07": 3,
        "u04": 3,
        "u09": 4,
        "u02": 4,
        "u01": 5,
        "u10": 5,
    }
    assert {u: got[u]["segment"] for u in got} == {
        "u01": "cant_lose",  # r1 f5
        "u02": "cant_lose",  # r1 f5
        "u03": "hibernating",  # r2 f1
        "u04": "at_risk",  # r2 f4
        "u05": "need_attention",  # r3 f3
        "u06": "about_to_sleep",  # r3 f1
        "u07": "potential_loyalists",  # r4 f3
        "u08": "potential_loyalists",  # r4 f2
        "u09": "champions",  # r5 f4
        "u10": "potential_loyalists",  # r5 f2
    }
    assert got["u01"]["recency_days"] == 100 and got["u01"]["frequency"] == 5
    assert got["u01"]["monetary"] == Decimal("50.00") and got["u10"]["monetary"] == Decimal("100.00")
    assert got["u10"]["as_of_date"] == AS_OF


def test_the_segment_map_covers_every_r_f_pair_as_the_spec_lists_it(spark):
    from pyspark.sql import functions as F

    spec = {}
    for r in range(1, 6):
        for f in range(1, 6):
            if r == 5 and f >= 4:
                s = "champions"
            elif r in (3, 4) and f >= 4:
                s = "loyal_customers"
            elif r in (4, 5) and f in (2, 3):
                s = "potential_loyalists"
            elif r == 5 and f == 1:
                s = "new_customers"
            elif r == 4 and f == 1:
                s = "promising"
            elif r == 3 and f == 3:
                s = "need_attention"
            elif r == 3 and f in (1, 2):
                s = "about_to_sleep"
            elif r in (1, 2) and f == 5:
                s = "cant_lose"
            elif r in (1, 2) and f in (3, 4):
                s = "at_risk"
            else:
                s = "hibernating"  # r1-2 f1-2
            spec[(r, f)] = s
    pairs = spark.createDataFrame(list(spec), "r int, f int")
    got = {
        (x["r"], x["f"]): x["s"]
        for x in pairs.select("r", "f", marts.segment_of(F.col("r"), F.col("f")).alias("s")).collect()
    }
    assert got == spec


# ------------------------------------------------------------------ churn


def test_churn_thresholds_gaps_and_spend_windows(spark):
    rows = [
        ("c1", "R1", "c1", False, ago(91), "10.00"),  # one order 91 days ago: high_risk
        ("c2", "R1", "c2", False, ago(46), "10.00"),  # one order 46 days ago: > 45 -> at_risk
        ("c3a", "R1", "c3", False, ago(30), "10.00"),  # days 30, 25, 20: gaps 5 + 5 -> mean 5;
        ("c3b", "R1", "c3", False, ago(25), "10.00"),  # 20 > 2 x 5 -> at_risk
        ("c3c", "R1", "c3", False, ago(20), "10.00"),
        ("c4a", "R1", "c4", False, ago(60), "10.00"),  # days 60, 30, 10: mean gap 25; 10 <= 50 -> active
        ("c4b", "R1", "c4", False, ago(30), "20.00"),
        ("c4c", "R1", "c4", False, ago(10), "30.00"),
        ("c5a", "R1", "c5", False, ago(90), "1.00"),  # last 90 days ago: not > 90; mean gap (181-90)/2 =
        ("c5b", "R1", "c5", False, ago(180), "2.00"),  # 45.5, 90 <= 91, but 90 > 45 -> at_risk;
        ("c5c", "R1", "c5", False, ago(181), "4.00"),  # last 90d: 1.00 (day 90); previous: 2.00 (day 180)
        ("c6", "R1", "c6", False, ago(45), "10.00"),  # exactly 45 days, one order: active
        ("c7a", "R1", "c7", False, ago(10), "5.00"),  # two orders on one day, one 10 days earlier:
        ("c7b", "R1", "c7", False, ago(10), "5.00"),  # 2 distinct days, mean gap 10; 10 <= 20 -> active
        ("c7c", "R1", "c7", False, ago(20), "5.00"),
        ("c8", "R1", "c8", False, ago(0), "10.00"),  # as_of itself
        ("c9a", "R1", "c9", False, ago(30), "1.00"),  # gap 10, since 20 = exactly 2 x gap: not more -> active
        ("c9b", "R1", "c9", False, ago(20), "1.00"),
        ("c10a", "R1", "c10", False, ago(31), "1.00"),  # gap 10, since 21 > 2 x 10 -> at_risk
        ("c10b", "R1", "c10", False, ago(21), "1.00"),
        ("g", "R1", None, False, ago(200), "10.00"),  # a guest: no row
    ]
    got = {
        r["user_id"]: r
        for r in run(
            spark, marts.mart_churn_indicators, checks.MartChurnIndicators, orders=orders_frame(spark, rows)
        )
    }
    assert {u: got[u]["churn_status"] for u in got} == {
        "c1": "high_risk",
        "c2": "at_risk",
        "c3": "at_risk",
        "c4": "active",
        "c5": "at_risk",
        "c6": "active",
        "c7": "active",
        "c8": "active",
        "c9": "active",
        "c10": "at_risk",
    }
    assert {u: got[u]["days_since_last_order"] for u in got} == {
        "c1": 91,
        "c2": 46,
        "c3": 20,
        "c4": 10,
        "c5": 90,
        "c6": 45,
        "c7": 10,
        "c8": 0,
        "c9": 20,
        "c10": 21,
    }
    assert got["c1"]["avg_days_between_orders"] is None and got["c6"]["avg_days_between_orders"] is None
    assert got["c3"]["avg_days_between_orders"] == pytest.approx(5.0)
    assert got["c4"]["avg_days_between_orders"] == pytest.approx(25.0)
    assert got["c5"]["avg_days_between_orders"] == pytest.approx(45.5)
    assert got["c7"]["avg_days_between_orders"] == pytest.approx(10.0) and got["c7"]["orders"] == 3
    assert (got["c1"]["spend_last_90d"], got["c1"]["spend_prev_90d"]) == (Decimal("0.00"), Decimal("10.00"))
    assert (got["c5"]["spend_last_90d"], got["c5"]["spend_prev_90d"]) == (Decimal("1.00"), Decimal("2.00"))
    assert got["c4"]["spend_last_90d"] == Decimal("60.00")  # 10 + 20 + 30
    assert got["c5"]["last_order_date"] == ago(90)


# ------------------------------------------------------------------ sales trends


def test_sales_trends_fill_missing_days_and_compute_the_7_day_average_and_wow(spark):
    d = lambda n: date(2025, 3, n)  # noqa: E731  2025-03-01 is a Saturday
    rows = [
        ("o1", "R1", "a", False, d(1), "10.00", "2.00", 2),
        ("o2", "R1", None, False, d(1), "20.00", "0", 1),
        ("o3", "R1", "a", False, d(2), "14.00"),
        ("o4", "R1", "b", False, d(8), "60.00", "0", 3),
        ("o5", "R1", "b", False, d(9), "7.00"),
        ("o6", "R1", "c", False, d(10), "5.00"),
    ]
    dim = spark.createDataFrame(
        [
            (d(1), 2025, 3, 9, "Saturday", True, False, None),
            (d(2), 2025, 3, 9, "Sunday", True, True, "Test Day"),
            # a calendar that calls a Monday a weekend day (a bridge day, say) is believed over the weekday
            (d(3), 2025, 3, 10, "Monday", True, False, None),
        ],
        DIM_SCHEMA,
    )
    got = {
        r["date"]: r
        for r in run(
            spark,
            marts.mart_sales_trends,
            checks.MartSalesTrends,
            orders=orders_frame(spark, rows),
            dim_date=dim,
        )
    }
    assert sorted(got) == [d(n) for n in range(1, 11)]  # every calendar day from the first to the last order
    one = got[d(1)]
    assert (one["orders"], one["items"], one["net_revenue"], one["discount_amount"], one["customers"]) == (
        2,
        3,
        Decimal("30.00"),
        Decimal("2.00"),
        1,
    )  # the guest order counts as an order, not a customer
    assert one["avg_order_value"] == Decimal("15.00")  # 30 / 2
    assert (
        got[d(4)]["orders"] == 0
        and got[d(4)]["avg_order_value"] is None
        and got[d(4)]["net_revenue"] == Decimal("0.00")
    )
    # sum of the 7 calendar days ending on the date / 7 (days before 03-01 and days without orders are 0)
    assert {n: got[d(n)]["revenue_7d_avg"] for n in range(1, 11)} == {
        1: Decimal("4.29"),  # 30 / 7 = 4.2857
        2: Decimal("6.29"),  # (30 + 14) / 7 = 6.2857
        3: Decimal("6.29"),
        4: Decimal("6.29"),
        5: Decimal("6.29"),
        6: Decimal("6.29"),
        7: Decimal("6.29"),
        8: Decimal("10.57"),  # 03-02..03-08: (14 + 60) / 7 = 10.571
        9: Decimal("9.57"),  # 03-03..03-09: (60 + 7) / 7 = 9.571
        10: Decimal("10.29"),  # 03-04..03-10: (60 + 7 + 5) / 7 = 10.286
    }
    wow = {n: got[d(n)]["revenue_wow_pct"] for n in range(1, 11)}
    assert wow[8] == pytest.approx(100.0)  # (60 - 30) / 30
    assert wow[9] == pytest.approx(-50.0)  # (7 - 14) / 14
    assert wow[10] is None  # 03-03 had 0
    assert all(wow[n] is None for n in range(1, 8))  # the week before 03-01 is absent
    # weekend and holiday from dim_date; without a dim_date row, weekend from the calendar, holiday unknown
    assert (got[d(2)]["is_weekend"], got[d(2)]["is_holiday"], got[d(2)]["holiday_name"]) == (
        True,
        True,
        "Test Day",
    )
    assert (got[d(1)]["is_holiday"], got[d(1)]["holiday_name"]) == (False, None)
    assert got[d(3)]["is_weekend"] is True and got[d(4)]["is_weekend"] is False  # dim_date wins; else Mon-Fri
    assert (got[d(8)]["is_weekend"], got[d(9)]["is_weekend"], got[d(10)]["is_weekend"]) == (True, True, False)
    assert got[d(8)]["is_holiday"] is None


# ------------------------------------------------------------------ loyalty, location, discounts


def test_loyalty_impact_groups_customers_by_any_loyalty_order(spark):
    rows = [
        ("l1a", "R1", "L1", True, ago(3), "30.00"),
        ("l1b", "R1", "L1", False, ago(2), "10.00"),  # L1 is a member: one loyalty order is enough
        ("l2a", "R1", "L2", False, ago(2), "5.00"),
        ("l3a", "R1", "L3", False, ago(3), "10.00"),
        ("l3b", "R1", "L3", False, ago(2), "10.00"),
        ("l3c", "R1", "L3", False, ago(1), "10.00"),
        ("gl", "R1", None, True, ago(1), "99.00"),  # a guest's loyalty order: no customer
    ]
    got = {
        r["is_loyalty_member"]: r
        for r in run(
            spark, marts.mart_loyalty_impact, checks.MartLoyaltyImpact, orders=orders_frame(spark, rows)
        )
    }
    member, other = got[True], got[False]
    assert (member["customers"], member["orders"], member["net_revenue"]) == (1, 2, Decimal("40.00"))
    assert member["avg_order_value"] == Decimal("20.00") and member["revenue_per_customer"] == Decimal(
        "40.00"
    )
    assert member["orders_per_customer"] == pytest.approx(2.0) and member[
        "repeat_customer_rate"
    ] == pytest.approx(1.0)
    assert (other["customers"], other["orders"], other["net_revenue"]) == (2, 4, Decimal("35.00"))
    assert other["avg_order_value"] == Decimal("8.75")  # 35 / 4
    assert other["orders_per_customer"] == pytest.approx(2.0)  # 4 / 2
    assert other["revenue_per_customer"] == Decimal("17.50")  # 35 / 2
    assert other["repeat_customer_rate"] == pytest.approx(0.5)  # L3 has 2+, L2 has 1


def test_location_rank_is_dense_and_shares_and_discount_rate_are_of_the_right_totals(spark):
    rows = [
        ("a1", "R1", "x", False, ago(1), "50.00", "10.00", 2),  # R1: gross 60 + 10, discount 10, net 60
        ("a2", "R1", None, False, ago(1), "10.00", "0", 1),
        ("b1", "R2", "x", False, ago(1), "30.00"),
        ("c1", "R3", "y", False, ago(1), "30.00"),
        ("d1", "R4", "y", False, ago(1), "10.00"),
    ]
    got = {
        r["restaurant_id"]: r
        for r in run(
            spark,
            marts.mart_location_performance,
            checks.MartLocationPerformance,
            orders=orders_frame(spark, rows),
        )
    }
    assert {k: v["revenue_rank"] for k, v in got.items()} == {
        "R1": 1,
        "R2": 2,
        "R3": 2,
        "R4": 3,
    }  # tie, then 3
    r1 = got["R1"]
    assert (r1["orders"], r1["items"], r1["customers"], r1["net_revenue"], r1["avg_order_value"]) == (
        2,
        3,
        1,
        Decimal("60.00"),
        Decimal("30.00"),
    )  # the guest order counts; customers = 1 user
    assert r1["discount_rate"] == pytest.approx(10 / 70)  # discount / gross (60 + 10)
    assert r1["revenue_share"] == pytest.approx(60 / 130)
    assert got["R4"]["discount_rate"] == pytest.approx(0.0) and got["R4"]["revenue_share"] == pytest.approx(
        10 / 130
    )


def test_discount_effectiveness_splits_orders_by_discount(spark):
    rows = [
        ("o1", "R1", "x", False, ago(1), "18.00", "2.00", 2),  # gross 20
        ("o2", "R1", "x", False, ago(1), "27.00", "3.00", 4),  # gross 30
        ("o3", "R1", "y", False, ago(1), "15.00", "0", 1),
    ]
    got = {
        r["is_discounted"]: r
        for r in run(
            spark,
            marts.mart_discount_effectiveness,
            checks.MartDiscountEffectiveness,
            orders=orders_frame(spark, rows),
        )
    }
    yes, no = got[True], got[False]
    assert (yes["orders"], yes["gross_revenue"], yes["discount_amount"], yes["net_revenue"]) == (
        2,
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("45.00"),
    )
    assert yes["avg_order_value"] == Decimal("22.50") and yes["avg_items_per_order"] == pytest.approx(3.0)
    assert yes["revenue_share"] == pytest.approx(45 / 60) and no["revenue_share"] == pytest.approx(15 / 60)
    assert (no["orders"], no["discount_amount"], no["avg_items_per_order"]) == (
        1,
        Decimal("0.00"),
        pytest.approx(1.0),
    )


# ------------------------------------------------------------------ LTV (historical part; the fit's fallback)


def test_ltv_history_columns_and_too_little_data_leaves_predictions_null_with_a_warning(spark):
    rows = [
        ("a1", "R1", "A", False, ago(10), "10.00"),
        ("a2", "R1", "A", False, ago(10), "20.00"),  # same day: one order day
        ("a3", "R1", "A", False, ago(4), "30.00"),
        ("b1", "R1", "B", False, ago(0), "5.00"),
        ("g1", "R1", None, False, ago(0), "50.00"),
    ]
    c = ctx(spark)
    got = {
        r["user_id"]: r
        for r in run(
            spark, marts.mart_customer_ltv, checks.MartCustomerLtv, c, orders=orders_frame(spark, rows)
        )
    }
    a = got["A"]
    assert (a["orders"], a["net_revenue"], a["avg_order_value"], a["historical_clv"]) == (
        3,
        Decimal("60.00"),
        Decimal("20.00"),
        Decimal("60.00"),
    )
    assert (a["first_order_date"], a["last_order_date"], a["tenure_days"], a["as_of_date"]) == (
        ago(10),
        ago(4),
        10,
        AS_OF,
    )
    assert set(got) == {"A", "B"}
    # Two customers cannot identify four BG/NBD parameters: nulls, and the check warns why.
    assert all(
        r[k] is None for r in got.values() for k in ("p_alive", "expected_orders_365d", "predicted_clv_365d")
    )
    passed, meta = marts.clv_fit({}, {}, c)
    assert passed is False and meta["status"] == "not_fitted" and meta["reason"]


def test_rfm_summary_counts_order_days_and_averages_repeat_days(spark):
    from pyspark.sql import functions as F

    rows = [
        ("a1", "R1", "A", False, ago(10), "10.00"),
        ("a2", "R1", "A", False, ago(10), "20.00"),  # first day: 30, not in monetary
        ("a3", "R1", "A", False, ago(4), "30.00"),  # repeat day: 30
        ("a4", "R1", "A", False, ago(1), "6.00"),  # repeat day: 6 -> monetary (30 + 6) / 2 = 18
        ("b1", "R1", "B", False, ago(0), "5.00"),
    ]
    got = {
        r["user_id"]: r.asDict()
        for r in marts.rfm_summary(orders_frame(spark, rows), F.to_date(F.lit(AS_OF.isoformat()))).collect()
    }
    assert got["A"] == {
        "user_id": "A",
        "frequency": 2,
        "recency": 9,
        "T": 10,
        "monetary": pytest.approx(18.0),
    }
    assert got["B"] == {"user_id": "B", "frequency": 0, "recency": 0, "T": 0, "monetary": 0.0}


# ------------------------------------------------------------------ the CLV fit (driver side, no Spark)


def clv_summary(n: int, q: float, seed: int = 1):
    """Customers following the BG/NBD story in days (at most one order day a day), with Gamma-Gamma
    spends of heterogeneity q: the inputs `mart_customer_ltv` hands to `fit_clv`."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    lam, drop = rng.gamma(0.5, 1 / 20, n), rng.beta(1, 4, n)
    big_t = rng.integers(30, 365, n).astype(float)
    f, rec = np.zeros(n), np.zeros(n)
    for i in range(n):
        t, k = 0.0, 0
        while (t := t + rng.exponential(1 / lam[i])) <= big_t[i]:
            k, rec[i] = k + 1, np.floor(t)
            if rng.random() < drop[i]:
                break
        f[i] = k
    f = np.minimum(f, rec)
    rec = np.where(f > 0, rec, 0)
    nu = rng.gamma(q, 1 / 15.0, n)
    m = np.where(f > 0, rng.gamma(3.0 * np.maximum(f, 1), 1 / (nu * np.maximum(f, 1))), 0.0)
    return pd.DataFrame(
        {
            "user_id": [f"u{i:03d}" for i in range(n)],
            "frequency": f,
            "recency": rec,
            "T": big_t,
            "monetary": m,
        }
    )


def test_predicted_clv_is_expected_orders_times_the_gamma_gamma_expected_order_day_value():
    import numpy as np

    from platform_assets.core.clv import fit_bgnbd

    s = clv_summary(400, q=4.0)
    columns, outcome = marts.fit_clv(s)
    assert outcome["status"] == "fitted" and "reason" not in outcome
    f, r, t, m = (s[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary"))
    bg = fit_bgnbd(f, r, t)
    expected = bg.expected_purchases(365, f, r, t)
    assert np.allclose(columns["expected_orders_365d"], expected) and np.allclose(
        columns["p_alive"], bg.p_alive(f, r, t)
    )
    g = outcome["gamma_gamma"]
    p, q, v = g["p"], g["q"], g["v"]
    assert q > 1
    # Fader & Hardie (2013) eq. 4 by hand: repeat customers shrink their own mean towards the population
    # mean p v / (q - 1); a one-time customer is valued at the population mean.
    value = np.where(f > 0, p * (v + f * m) / (p * f + q - 1), p * v / (q - 1))
    assert np.allclose(columns["predicted_clv_365d"], expected * value)
    assert (f == 0).any() and (f > 0).any()


def test_each_fit_failure_leaves_its_columns_empty_and_names_the_model_once():
    import numpy as np

    columns, outcome = marts.fit_clv(clv_summary(3, q=4.0))
    assert outcome["status"] == "not_fitted" and all(v is None for v in columns.values())
    assert outcome["reason"].startswith("BG/NBD needs at least") and outcome["reason"].count("BG/NBD") == 1

    s = clv_summary(400, q=4.0)
    s["monetary"] = np.where(s["frequency"] > 0, 12.5, 0.0)  # every repeat customer spends alike
    columns, outcome = marts.fit_clv(s)
    assert (
        outcome["status"] == "partly_fitted"
        and columns["p_alive"] is not None
        and columns["predicted_clv_365d"] is None
    )
    assert (
        outcome["reason"].startswith("Gamma-Gamma needs variation")
        and outcome["reason"].count("Gamma-Gamma") == 1
    )

    # Spends so heterogeneous that q <= 1: the population mean is infinite, one-time customers get no
    # prediction, and the check says so instead of passing.
    s = clv_summary(400, q=0.6)
    columns, outcome = marts.fit_clv(s)
    f = s["frequency"].to_numpy()
    assert outcome["gamma_gamma"]["q"] <= 1 and outcome["status"] == "partly_fitted"
    assert outcome["reason"].startswith("Gamma-Gamma: q = ") and outcome["reason"].count("Gamma-Gamma") == 1
    assert (
        np.isnan(columns["predicted_clv_365d"][f == 0]).all()
        and np.isfinite(columns["predicted_clv_365d"][f > 0]).all()
    )
