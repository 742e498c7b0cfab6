"""Landing aliases and silver rules of the ad_attribution domain (spec: ad_attribution.md, Sources, Silver).

The alias/default tests read hand-made landing files with the platform's landing reader (no Spark). The
silver tests build bronze rows (strings plus lineage and dt), run each transform once and assert typed
values, the exact rule names in `_rules_failed`, latest-delivery-wins, and bronze = silver + quarantine.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from platform_assets.ad_attribution import checks, transforms
from platform_assets.ad_attribution.sources import AD_EVENTS, ORDERS
from platform_assets.core.execution import TransformContext, contract_outcome
from platform_assets.core.landing import parse_landing_key, read_landing_file
from platform_assets.core.rules import SUPERSEDED
from platform_assets.core.sources import Source
from platform_assets.core.storage import open_store

DT = "2025-03-09"
T0 = datetime(2025, 3, 10, 1, 0, tzinfo=timezone.utc)  # delivery of the first file
T1 = T0 + timedelta(hours=4)  # a re-delivery


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------ aliases and defaults (no Spark)


def read_all(tmp_path, key: str, text: str, source: Source) -> list[dict]:
    store = open_store(str(tmp_path))
    store.write_bytes(key, text.encode())
    (info,) = list(store.list(key))
    table = read_landing_file(store, parse_landing_key(info), source).table
    return table.select(list(source.columns)).to_pylist()


def test_seed_shaped_impressions_load_through_the_aliases(tmp_path):
    # aws_ad_impressions.csv: platform/timestamp headers, a region column, no event_type, no cost
    rows = read_all(
        tmp_path,
        f"ad_attribution/ad_events/{DT}/aws_ad_impressions.csv",
        "event_id,user_id,campaign_id,timestamp,platform,region\n"
        "evt_0,u_103,cmp_4,2025-03-09 23:20:17.890974,Meta_Ads,US-EAST\n",
        AD_EVENTS,
    )
    assert rows == [
        {
            "event_id": "evt_0",
            "user_id": "u_103",
            "campaign_id": "cmp_4",
            "channel": "Meta_Ads",
            "event_type": "impression",
            "event_ts": "2025-03-09 23:20:17.890974",
            "cost": "0",
        }
    ]


def test_json_lines_use_aliases_and_defaults_per_row(tmp_path):
    rows = read_all(
        tmp_path,
        f"ad_attribution/ad_events/{DT}/meta.jsonl",
        '{"event_id":"e1","user_id":"u1","campaign_id":"c1","PLATFORM":"meta","timestamp":"2025-03-09T10:00:00Z",'
        '"event_type":"click","cost":0.25}\n'
        '{"event_id":"e2","user_id":"u1","campaign_id":"c1","channel":"meta","event_ts":"2025-03-09T11:00:00Z"}\n',
        AD_EVENTS,
    )
    assert [(r["channel"], r["event_ts"], r["event_type"], r["cost"]) for r in rows] == [
        ("meta", "2025-03-09T10:00:00Z", "click", "0.25"),
        ("meta", "2025-03-09T11:00:00Z", "impression", "0"),
    ]


def test_seed_shaped_orders_load_through_the_timestamp_alias(tmp_path):
    rows = read_all(
        tmp_path,
        f"ad_attribution/orders/{DT}/aws_orders.csv",
        "order_id,user_id,amount,timestamp,currency,sku\nord_0,u_355,146,2025-03-09 23:29:24.910074,USD,sku_104\n",
        ORDERS,
    )
    assert rows == [
        {
            "order_id": "ord_0",
            "user_id": "u_355",
            "order_ts": "2025-03-09 23:29:24.910074",
            "sku": "sku_104",
            "amount": "146",
            "currency": "USD",
        }
    ]


# ------------------------------------------------------------------ silver (Spark)


def bronze(spark, source: Source, rows: list[dict]):
    """Bronze rows of `source`: strings (missing key: None), file f1.csv delivered at T0, dt = DT."""
    from pyspark.sql import types as T

    schema = T.StructType(
        [T.StructField(c, T.StringType()) for c in source.columns]
        + [
            T.StructField("_source_file", T.StringType()),
            T.StructField("_row", T.LongType()),
            T.StructField("_ingested_at", T.TimestampType()),
            T.StructField("dt", T.StringType()),
        ]
    )
    data = [
        (
            *[r.get(c) for c in source.columns],
            r.get("_source_file", "f1.csv"),
            i,
            r.get("_ingested_at", T0),
            DT,
        )
        for i, r in enumerate(rows, start=1)
    ]
    return spark.createDataFrame(data, schema)


def split(spark, fn, model, source, rows):
    out = fn({"bronze": bronze(spark, source, rows)}, TransformContext(spark, [DT], {}, lake=None))
    silver = out["silver"].persist()
    outcome = contract_outcome(f"silver/ad_attribution/{source.name}", model, silver)
    assert (outcome.passed, outcome.metadata["failures"]) == (True, [])
    quarantine = {r["_row"]: r["_rules_failed"] for r in out["quarantine"].collect()}
    return {r[silver.columns[0]]: r.asDict() for r in silver.collect()}, quarantine


def event(event_id, **kw):
    return {
        "event_id": event_id,
        "user_id": "u1",
        "campaign_id": "c1",
        "channel": "meta",
        "event_type": "impression",
        "event_ts": f"{DT}T10:00:00Z",
        "cost": "0.0045",
        **kw,
    }


EVENT_ROWS = [
    event("ok_offset", event_ts="2025-03-10T01:00:00.5+02:00"),  # 1: 2025-03-09 23:00:00.5 UTC
    event("ok_norm", channel="  TikTok ", event_type="Click", cost=""),  # 2: lower-cased; blank cost = 0
    event(" "),  # 3
    event("bad_type", event_type="conversion"),  # 4
    event("blank_type", event_type=""),  # 5
    event("bad_ts", event_ts="yesterday"),  # 6
    event("neg_cost", cost="-0.01"),  # 7
    event("text_cost", cost="free"),  # 8
    event("precise_cost", cost="0.0000001"),  # 9
    event("next_day", event_ts="2025-03-10T00:00:00Z"),  # 10: UTC date is not the folder's
    event("naive_micros", event_ts="2025-03-09 23:59:59.999999", user_id=None),  # 11
    event("dup", cost="0.001"),  # 12: superseded by the re-delivery below
    {**event("dup", cost="0.002"), "_source_file": "f2.jsonl", "_ingested_at": T1},  # 13
]


@pytest.fixture(scope="module")
def events(spark):
    return split(spark, transforms.silver_ad_events, checks.SilverAdEvents, AD_EVENTS, EVENT_ROWS)


@pytest.mark.spark
def test_ad_events_are_typed_and_normalised(events):
    silver, _ = events
    assert sorted(silver) == ["dup", "ok_norm", "ok_offset"]
    assert silver["ok_offset"]["event_ts"].replace(tzinfo=timezone.utc) == utc("2025-03-09T23:00:00.500000")
    assert silver["ok_offset"]["cost"] == Decimal("0.004500") and silver["ok_offset"]["dt"] == DT
    assert (silver["ok_norm"]["channel"], silver["ok_norm"]["event_type"], silver["ok_norm"]["cost"]) == (
        "tiktok",
        "click",
        Decimal("0"),
    )
    # a re-delivered event counts once: the later delivery wins
    assert silver["dup"]["cost"] == Decimal("0.002000") and silver["dup"]["_source_file"] == "f2.jsonl"


@pytest.mark.spark
def test_ad_event_rules(events):
    silver, quarantine = events
    assert quarantine == {
        3: ["event_id_not_null"],
        4: ["event_type_valid"],
        5: ["event_type_valid"],
        6: ["event_ts_is_timestamp"],
        7: ["cost_non_negative"],
        8: ["cost_is_number"],
        9: ["cost_max_6_decimals"],
        10: ["event_date_matches_partition"],
        11: ["user_id_not_null"],
        12: [SUPERSEDED],
    }
    assert len(silver) + len(quarantine) == len(EVENT_ROWS)


def order(order_id, **kw):
    return {
        "order_id": order_id,
        "user_id": "u1",
        "order_ts": "2025-03-09 20:46:25.123456",
        "sku": "sku_1",
        "amount": "146",
        "currency": "USD",
        **kw,
    }


ORDER_ROWS = [
    order("ok"),  # 1
    order("ok_usd_lower", currency=" usd ", amount="19.90", order_ts="2025-03-09T08:00:00-05:00"),  # 2
    order("null_sku", sku=None),  # 3
    order("blank_sku", sku="  "),  # 4
    order("eur", currency="EUR"),  # 5
    order("no_currency", currency=""),  # 6
    order("negative", amount="-5"),  # 7
    order("cents", amount="12.345"),  # 8
    order("text_amount", amount="n/a"),  # 9
    order("other_day", order_ts="2025-03-08T23:59:59Z"),  # 10
    order("two_rules", sku="", currency="GBP"),  # 11
    order("redelivered", amount="10.00"),  # 12: superseded
    {**order("redelivered", amount="12.00"), "_source_file": "f2.csv", "_ingested_at": T1},  # 13
]


@pytest.fixture(scope="module")
def orders(spark):
    return split(spark, transforms.silver_orders, checks.SilverOrders, ORDERS, ORDER_ROWS)


@pytest.mark.spark
def test_orders_are_typed(orders):
    silver, _ = orders
    assert sorted(silver) == ["ok", "ok_usd_lower", "redelivered"]
    assert silver["ok"]["amount"] == Decimal("146.00") and silver["ok"]["sku"] == "sku_1"
    assert silver["ok"]["order_ts"].replace(tzinfo=timezone.utc) == utc("2025-03-09T20:46:25.123456")
    lower = silver["ok_usd_lower"]
    assert (lower["currency"], lower["amount"]) == ("USD", Decimal("19.90"))
    assert lower["order_ts"].replace(tzinfo=timezone.utc) == utc("2025-03-09T13:00:00")  # 08:00 -05:00
    assert silver["redelivered"]["amount"] == Decimal("12.00")  # the latest delivery


@pytest.mark.spark
def test_order_rules_sku_not_null_and_currency_usd(orders):
    silver, quarantine = orders
    assert quarantine == {
        3: ["sku_not_null"],
        4: ["sku_not_null"],
        5: ["currency_usd"],
        6: ["currency_usd"],
        7: ["amount_non_negative"],
        8: ["amount_max_2_decimals"],
        9: ["amount_is_number"],
        10: ["order_date_matches_partition"],
        11: ["sku_not_null", "currency_usd"],
        12: [SUPERSEDED],
    }
    assert len(silver) + len(quarantine) == len(ORDER_ROWS)
