"""Gold rules of the ad_attribution domain on small hand-made silver frames (spec: ad_attribution.md, Gold).

One user per scenario, so scenarios cannot leak into each other; the order day is D = 2025-03-10 and T0 is
D 12:00:00 UTC. The attribution is computed once for every scenario (one Spark job), the ROAS once; each
test reads its rows. Expected values are written literally with the arithmetic beside them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from platform_assets.ad_attribution import checks, transforms
from platform_assets.core.execution import TransformContext, contract_outcome

pytestmark = pytest.mark.spark

D_PREV, D, D_NEXT = "2025-03-09", "2025-03-10", "2025-03-11"
T0 = datetime(2025, 3, 10, 12, 0, 0, tzinfo=timezone.utc)
SECOND, HOUR, DAY = timedelta(seconds=1), timedelta(hours=1), timedelta(days=1)

EVENTS_SCHEMA = (
    "event_id string, user_id string, campaign_id string, channel string, event_type string, "
    "event_ts timestamp, cost decimal(18,6), dt string"
)
ORDERS_SCHEMA = "order_id string, user_id string, order_ts timestamp, sku string, amount decimal(18,2), currency string, dt string"

# (event_id, user_id, campaign_id, channel, event_type, event_ts, cost)
EVENTS = [
    # click vs view: a 3-day-old click beats an impression of an hour ago
    ("e_p_click", "u_prec", "c_click", "meta", "click", T0 - 3 * DAY, "0"),
    ("e_p_view", "u_prec", "c_view", "tiktok", "impression", T0 - HOUR, "0.004"),
    # window edges: exactly 7 days (click) and exactly 1 day (impression) are inside ...
    ("e_c7", "u_click7", "c_click", "meta", "click", T0 - 7 * DAY, "0"),
    ("e_v1", "u_view1", "c_view", "tiktok", "impression", T0 - DAY, "0.004"),
    # ... one second more is outside, for both
    ("e_c7_out", "u_outside", "c_click", "meta", "click", T0 - 7 * DAY - SECOND, "0"),
    ("e_v1_out", "u_outside", "c_view", "tiktok", "impression", T0 - DAY - SECOND, "0.004"),
    # the order's own instant is inside (lag 0); an event after the order is not a touch
    ("e_now", "u_now", "c_view", "tiktok", "impression", T0, "0.004"),
    ("e_after", "u_now", "c_click", "meta", "click", T0 + SECOND, "0"),
    # ties on event_ts: the greater event_id wins, as text ('evt_9' > 'evt_10')
    ("e_tie_a", "u_tie", "c_a", "google", "click", T0 - HOUR, "1.10"),
    ("e_tie_b", "u_tie", "c_b", "google", "click", T0 - HOUR, "1.20"),
    ("evt_10", "u_tie_text", "c_a", "google", "click", T0 - HOUR, "0.90"),
    ("evt_9", "u_tie_text", "c_b", "google", "click", T0 - HOUR, "0.80"),
    # another user's touches are not this user's
    ("e_someone", "u_someone", "c_click", "meta", "click", T0 - HOUR, "0"),
    # one user, three orders: A (T0-2h) sees only the impression, B (T0+5h) the later click, C (D+1) the click
    ("e_m_view", "u_multi", "c_view", "tiktok", "impression", T0 - 3 * HOUR, "0.004"),
    ("e_m_click", "u_multi", "c_b", "google", "click", T0 + HOUR, "1.50"),
    # an order just after midnight: its touch lies in the previous day's partition
    (
        "e_prev_day",
        "u_midnight",
        "c_view",
        "tiktok",
        "impression",
        T0 - 12 * HOUR - 15 * 60 * SECOND,
        "0.004",
    ),
    # an impression that is the touch until a late click arrives (LATE below)
    ("e_l_view", "u_late", "c_view", "tiktok", "impression", T0 - HOUR, "0.004"),
]
# Delivered a day late (in D-1's folder, after D was first computed): a click the evening before.
LATE = [("e_l_click", "u_late", "c_late", "meta", "click", T0 - 16 * HOUR, "0")]

# (order_id, user_id, order_ts, amount)
ORDERS = [
    ("o_prec", "u_prec", T0, "100.00"),
    ("o_click7", "u_click7", T0, "70.00"),
    ("o_view1", "u_view1", T0, "10.00"),
    ("o_outside", "u_outside", T0, "5.00"),
    ("o_now", "u_now", T0, "1.00"),
    ("o_tie", "u_tie", T0, "20.00"),
    ("o_tie_text", "u_tie_text", T0, "30.00"),
    ("o_other", "u_other", T0, "40.00"),
    ("o_none", "u_none", T0, "50.00"),
    ("o_multi_a", "u_multi", T0 - 2 * HOUR, "11.00"),
    ("o_multi_b", "u_multi", T0 + 5 * HOUR, "12.00"),
    ("o_multi_c", "u_multi", T0 + DAY - 2 * HOUR, "13.00"),
    ("o_midnight", "u_midnight", datetime(2025, 3, 10, 0, 30, tzinfo=timezone.utc), "9.99"),
    ("o_late", "u_late", T0, "60.00"),
]


def events_frame(spark, rows):
    data = [(*r[:5], r[5], Decimal(r[6]), r[5].date().isoformat()) for r in rows]
    return spark.createDataFrame(data, EVENTS_SCHEMA)


def orders_frame(spark, rows):
    data = [(o, u, ts, "sku_1", Decimal(a), "USD", ts.date().isoformat()) for o, u, ts, a in rows]
    return spark.createDataFrame(data, ORDERS_SCHEMA)


def ctx(spark) -> TransformContext:
    return TransformContext(spark, None, {}, lake=None)


def by_order(rows) -> dict:
    return {r["order_id"]: r.asDict() for r in rows}


@pytest.fixture(scope="module")
def frames(spark):
    return events_frame(spark, EVENTS + LATE), orders_frame(spark, ORDERS)


@pytest.fixture(scope="module")
def attribution(spark, frames):
    """order_attribution over every scenario (late click included), checked against its contract."""
    events, orders = frames
    gold = transforms.order_attribution({"orders": orders, "ad_events": events}, ctx(spark))["gold"].persist()
    outcome = contract_outcome("gold/ad_attribution/order_attribution", checks.OrderAttribution, gold)
    assert (outcome.passed, outcome.metadata["failures"]) == (True, [])
    return gold, by_order(gold.collect())


def touch(row) -> tuple:
    return (
        row["campaign_id"],
        row["channel"],
        row["touch_event_id"],
        row["touch_type"],
        row["touch_lag_seconds"],
    )


def test_one_row_per_order_with_the_spec_columns(attribution):
    gold, rows = attribution
    assert gold.columns == [
        "order_id",
        "user_id",
        "order_ts",
        "amount",
        "campaign_id",
        "channel",
        "touch_event_id",
        "touch_type",
        "touch_lag_seconds",
        "dt",
    ]
    assert sorted(rows) == sorted(o[0] for o in ORDERS)
    assert rows["o_multi_c"]["dt"] == D_NEXT and rows["o_midnight"]["dt"] == D and rows["o_prec"]["dt"] == D
    assert rows["o_prec"]["amount"] == Decimal("100.00")


def test_click_within_7_days_beats_a_later_impression(attribution):
    _, rows = attribution
    assert touch(rows["o_prec"]) == ("c_click", "meta", "e_p_click", "click", 3 * 86400.0)


def test_window_edges_are_inclusive_and_one_second_more_is_outside(attribution):
    _, rows = attribution
    assert touch(rows["o_click7"]) == ("c_click", "meta", "e_c7", "click", 604800.0)  # 7 * 86400 exactly
    assert touch(rows["o_view1"]) == ("c_view", "tiktok", "e_v1", "view", 86400.0)
    # a click 7 d + 1 s before and an impression 1 d + 1 s before: no touch
    assert touch(rows["o_outside"]) == (None, None, None, None, None)
    # an impression at the order's very instant counts (lag 0); a click one second later does not
    assert touch(rows["o_now"]) == ("c_view", "tiktok", "e_now", "view", 0.0)


def test_ties_on_event_ts_go_to_the_greater_event_id(attribution):
    _, rows = attribution
    assert touch(rows["o_tie"]) == ("c_b", "google", "e_tie_b", "click", 3600.0)
    # event_id is a string: compared as text, 'evt_9' > 'evt_10'
    assert touch(rows["o_tie_text"])[:3] == ("c_b", "google", "evt_9")


def test_other_users_events_are_ignored_and_no_touch_gives_nulls(attribution):
    _, rows = attribution
    for order in ("o_other", "o_none"):
        assert touch(rows[order]) == (None, None, None, None, None), order
    assert rows["o_none"]["amount"] == Decimal("50.00") and rows["o_none"]["user_id"] == "u_none"


def test_multiple_orders_of_one_user_each_get_their_own_last_touch(attribution):
    _, rows = attribution
    assert touch(rows["o_multi_a"]) == ("c_view", "tiktok", "e_m_view", "view", 3600.0)  # (T0-2h)-(T0-3h)
    assert touch(rows["o_multi_b"]) == ("c_b", "google", "e_m_click", "click", 4 * 3600.0)  # (T0+5h)-(T0+1h)
    # the next day's order (T0+22h) still sees the click (21 h old) and not the impression (25 h old)
    assert touch(rows["o_multi_c"]) == ("c_b", "google", "e_m_click", "click", 21 * 3600.0)


def test_a_touch_in_the_previous_days_partition_counts(attribution):
    _, rows = attribution
    # order D 00:30, impression D-1 23:45: 45 minutes
    assert touch(rows["o_midnight"]) == ("c_view", "tiktok", "e_prev_day", "view", 2700.0)


def test_an_event_arriving_a_day_late_changes_the_attribution(spark, frames, attribution):
    _, with_late = attribution
    _, orders = frames
    before = transforms.attribute(orders.where("order_id = 'o_late'"), events_frame(spark, EVENTS)).collect()
    assert touch(before[0]) == ("c_view", "tiktok", "e_l_view", "view", 3600.0)
    # the late click (D-1 20:00) beats the impression an hour before the order
    assert touch(with_late["o_late"]) == ("c_late", "meta", "e_l_click", "click", 16 * 3600.0)


@pytest.fixture(scope="module")
def roas(spark, frames, attribution):
    events, _ = frames
    gold_attr, _ = attribution
    gold = transforms.campaign_roas(
        {"ad_events": events.where(f"dt = '{D}'"), "attribution": gold_attr.where(f"dt = '{D}'")}, ctx(spark)
    )["gold"].persist()
    outcome = contract_outcome("gold/ad_attribution/campaign_roas", checks.CampaignRoas, gold)
    assert (outcome.passed, outcome.metadata["failures"]) == (True, [])
    return gold, {(r["campaign_id"], r["channel"]): r.asDict() for r in gold.collect()}


def test_campaign_roas_rows_and_formulas(roas):
    gold, rows = roas
    assert gold.columns == [
        "campaign_id",
        "channel",
        "impressions",
        "clicks",
        "spend",
        "attributed_orders",
        "attributed_revenue",
        "roas",
        "cpa",
        "dt",
    ]
    # c_view/tiktok impressions on D: e_p_view, e_now, e_m_view, e_l_view (4 x 0.004 = 0.016; e_v1 and
    # e_v1_out are on D-1); orders on D credited to it: o_view1, o_now, o_multi_a, o_midnight
    # (10 + 1 + 11 + 9.99 = 31.99).
    c_view = rows[("c_view", "tiktok")]
    assert (c_view["impressions"], c_view["clicks"], c_view["spend"]) == (4, 0, Decimal("0.016000"))
    assert (c_view["attributed_orders"], c_view["attributed_revenue"]) == (4, Decimal("31.99"))
    assert c_view["roas"] == pytest.approx(31.99 / 0.016)
    assert c_view["cpa"] == Decimal("0.004000")  # 0.016 / 4
    # c_b/google: clicks on D e_tie_b (1.20), evt_9 (0.80), e_m_click (1.50) = 3.50; orders o_tie (20),
    # o_tie_text (30), o_multi_b (12) = 62
    c_b = rows[("c_b", "google")]
    assert (c_b["impressions"], c_b["clicks"], c_b["spend"]) == (0, 3, Decimal("3.500000"))
    assert (c_b["attributed_orders"], c_b["attributed_revenue"]) == (3, Decimal("62.00"))
    assert c_b["roas"] == pytest.approx(62 / 3.5) and c_b["cpa"] == Decimal("1.166667")  # 3.5 / 3, rounded
    # c_a/google: two clicks on D (1.10 + 0.90), no order credited: cpa null, roas 0
    c_a = rows[("c_a", "google")]
    assert (c_a["clicks"], c_a["spend"], c_a["attributed_orders"], c_a["attributed_revenue"]) == (
        2,
        Decimal("2.000000"),
        0,
        Decimal("0.00"),
    )
    assert c_a["cpa"] is None and c_a["roas"] == 0.0
    # c_click/meta: free clicks on D (e_after, e_someone); credited o_prec (100) + o_click7 (70): spend 0
    c_click = rows[("c_click", "meta")]
    assert (c_click["clicks"], c_click["spend"], c_click["attributed_orders"]) == (2, Decimal("0"), 2)
    assert c_click["attributed_revenue"] == Decimal("170.00")
    assert c_click["roas"] is None and c_click["cpa"] == Decimal("0")  # spend 0: roas null, cpa 0 / 2
    # c_late/meta: its click is on D-1, its order on D: a row for the attributed order alone
    c_late = rows[("c_late", "meta")]
    assert (c_late["impressions"], c_late["clicks"], c_late["spend"], c_late["attributed_revenue"]) == (
        0,
        0,
        Decimal("0"),
        Decimal("60.00"),
    )


def test_unattributed_orders_make_one_row_with_null_campaign_and_channel(roas):
    _, rows = roas
    # o_outside (5) + o_other (40) + o_none (50)
    row = rows[(None, None)]
    assert (row["attributed_orders"], row["attributed_revenue"], row["spend"], row["roas"]) == (
        3,
        Decimal("95.00"),
        Decimal("0"),
        None,
    )


def test_revenue_reconciles_with_silver_orders_and_fails_when_it_does_not(spark, frames, roas):
    _, orders = frames
    gold, rows = roas
    day_orders = orders.where(f"dt = '{D}'")
    # 13 orders on D (all but o_multi_c): 31.99 (c_view) + 62 (c_b) + 170 (c_click) + 60 (c_late) + 95
    assert sum(r["attributed_revenue"] for r in rows.values()) == Decimal("418.99")
    passed, md = checks.revenue_reconciles({"gold": gold}, {"orders": day_orders}, ctx(spark), output="gold")
    assert passed and md["mismatched_days"] == [] and md["silver_revenue"] == "418.99"
    dropped = gold.where("campaign_id is not null")  # without the unattributed row
    passed, md = checks.revenue_reconciles(
        {"gold": dropped}, {"orders": day_orders}, ctx(spark), output="gold"
    )
    assert not passed
    assert md["mismatched_days"] == [
        {
            "dt": D,
            "gold_revenue": "323.99",
            "silver_revenue": "418.99",
            "gold_orders": "10",
            "silver_orders": "13",
        }
    ]


def test_impression_window_is_exact_to_the_microsecond_across_midnight(spark):
    """The join buckets impressions by UTC day (the order's and the one before): an impression exactly one
    day before an order at midnight, or before one a microsecond to midnight, still counts; a microsecond
    more does not."""
    us = timedelta(microseconds=1)
    midnight = datetime(2025, 3, 10, tzinfo=timezone.utc)
    last = midnight + DAY - us  # 2025-03-10 23:59:59.999999
    events = events_frame(
        spark,
        [
            ("e_mid", "u_mid", "c_view", "tiktok", "impression", midnight - DAY, "0.004"),
            ("e_mid_out", "u_mid_out", "c_view", "tiktok", "impression", midnight - DAY - us, "0.004"),
            ("e_last", "u_last", "c_view", "tiktok", "impression", last - DAY, "0.004"),
            ("e_last_out", "u_last_out", "c_view", "tiktok", "impression", last - DAY - us, "0.004"),
        ],
    )
    orders = orders_frame(
        spark,
        [
            ("o_mid", "u_mid", midnight, "1.00"),
            ("o_mid_out", "u_mid_out", midnight, "1.00"),
            ("o_last", "u_last", last, "1.00"),
            ("o_last_out", "u_last_out", last, "1.00"),
        ],
    )
    rows = by_order(transforms.attribute(orders, events).collect())
    assert touch(rows["o_mid"])[2:] == ("e_mid", "view", 86400.0)
    assert touch(rows["o_last"])[2:] == ("e_last", "view", 86400.0)
    assert touch(rows["o_mid_out"]) == touch(rows["o_last_out"]) == (None, None, None, None, None)
