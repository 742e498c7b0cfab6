"""Silver rules of the ecommerce domain on hand-made bronze rows (spec: ecommerce.md, Silver).

Every test builds a few bronze rows (all source columns strings, plus `_source_file`, `_row`, `_ingested_at`,
`dt`), runs the transform as a pure function and collects the outputs once, asserting exact outcomes:
typed values in silver, the exact rule names in `quarantine._rules_failed`, latest-delivery-wins, and
bronze rows = silver rows + quarantine rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from platform_assets.core.execution import CONTRACT_CHECK, TransformContext, contract_outcome
from platform_assets.core.rules import LINEAGE_COLUMNS, SUPERSEDED
from platform_assets.core.sources import Source
from platform_assets.ecommerce import checks, transforms
from platform_assets.ecommerce.sources import ORDER_ITEMS, ORDERS, PRODUCTS

pytestmark = pytest.mark.spark

DT = "2025-04-01"
T0 = datetime(2025, 4, 1, 6, 0, tzinfo=timezone.utc)  # delivery time of the first file
T1 = T0 + timedelta(hours=3)  # a later delivery
TS = "2025-04-01T11:27:00"  # an order timestamp on DT, as the lab workbooks store it

QUARANTINE_TAIL = [*LINEAGE_COLUMNS, "_rules_failed", "dt"]


# ------------------------------------------------------------------ helpers


def bronze(spark, source: Source, rows: list[dict]):
    """A bronze frame of `source` from dicts: source columns are strings (a missing key is None); the lineage
    columns default to one file `f1.csv` delivered at T0, `_row` = position in the list (1-based), dt = DT."""
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
    unknown = {k for r in rows for k in r} - set(schema.fieldNames())
    assert not unknown, f"not columns of {source.name}: {unknown}"
    data = [
        (
            *[r.get(c) for c in source.columns],
            r.get("_source_file", "f1.csv"),
            r.get("_row", i),
            r.get("_ingested_at", T0),
            r.get("dt", DT),
        )
        for i, r in enumerate(rows, start=1)
    ]
    return spark.createDataFrame(data, schema)


def ctx(spark, dts=(DT,)) -> TransformContext:
    return TransformContext(spark, list(dts) if dts is not None else None, {}, lake=None)


def order(**kw) -> dict:
    """A valid bronze order row; keyword arguments override columns."""
    row = {
        "order_num": "1",
        "order_id": "101",
        "user_id": "7",
        "order_timestamp": TS,
        "total_amount": "12.5",
        "date": DT,
    }
    row.update(kw)
    return row


def item(**kw) -> dict:
    """A valid bronze order_items row (product 1, first order so no days_since_prior_order)."""
    row = {
        "id": "1",
        "order_id": "101",
        "user_id": "7",
        "days_since_prior_order": "",
        "product_id": "1",
        "add_to_cart_order": "1",
        "reordered": "0",
        "order_timestamp": TS,
        "date": DT,
    }
    row.update(kw)
    return row


def product(**kw) -> dict:
    row = {"product_id": "1", "department_id": "4", "department": "produce", "product_name": "Banana"}
    row.update(kw)
    return row


def collect_both(out: dict):
    """(silver rows, quarantine rows) with one Spark job each."""
    return out["silver"].collect(), out["quarantine"].collect()


def by_row(rows) -> dict:
    """Rows keyed by (_source_file, _row)."""
    keyed = {(r["_source_file"], r["_row"]): r for r in rows}
    assert len(keyed) == len(rows), "a bronze row appears twice"
    return keyed


def materialized(df):
    """The frame computed once (pandera runs one Spark job per check; `execute` persists outputs likewise)."""
    return df.persist()


def products_frame(spark, ids=("1", "2")):
    return spark.createDataFrame([(i,) for i in ids], "product_id string")


# ------------------------------------------------------------------ orders


def test_orders_valid_rows_are_typed(spark):
    from pyspark.sql import functions as F

    df = bronze(
        spark,
        ORDERS,
        [
            order(),
            # White space around values is tolerated; order_num '3.0' (Excel) is 3; a space-separated stamp.
            order(
                order_num="3.0",
                order_id=" 102 ",
                user_id="8",
                order_timestamp="2025-04-01 23:59:59",
                total_amount="0",
            ),
        ],
    )
    out = transforms.silver_orders({"bronze": df}, ctx(spark))
    silver = out["silver"]
    assert silver.columns == [
        "order_id",
        "order_num",
        "user_id",
        "order_timestamp",
        "total_amount",
        *LINEAGE_COLUMNS,
        "dt",
    ]
    types = dict(silver.dtypes)
    # Keys are identifiers (trimmed strings); counts and positions are numbers.
    assert types == {
        "order_id": "string",
        "order_num": "int",
        "user_id": "string",
        "order_timestamp": "timestamp",
        "total_amount": "decimal(18,2)",
        "_source_file": "string",
        "_row": "bigint",
        "_ingested_at": "timestamp",
        "dt": "string",
    }
    # The session time zone is UTC: render the timestamp in Spark, not in the local zone of Python.
    rows = silver.withColumn("_ts", F.date_format("order_timestamp", "yyyy-MM-dd HH:mm:ss")).collect()
    got = {r["order_id"]: r for r in rows}
    assert sorted(got) == ["101", "102"]
    a, b = got["101"], got["102"]
    assert (a["order_num"], a["user_id"], a["total_amount"], a["_ts"]) == (
        1,
        "7",
        Decimal("12.50"),
        "2025-04-01 11:27:00",
    )
    assert (b["order_num"], b["user_id"], b["total_amount"], b["_ts"]) == (
        3,
        "8",
        Decimal("0.00"),
        "2025-04-01 23:59:59",
    )
    assert (a["_source_file"], a["_row"], a["dt"]) == ("f1.csv", 1, DT)


def test_orders_each_rule_fires_by_name_and_quarantine_keeps_raw_strings(spark):
    cases = [
        # (row overrides, exact _rules_failed)
        (dict(order_id="  "), ["order_id_not_null"]),
        (dict(order_id="103", user_id=None), ["user_id_not_null"]),
        (dict(order_id="105", order_timestamp=""), ["order_timestamp_not_null"]),
        (dict(order_id="106", order_timestamp="01/04/2025 11:27"), ["order_timestamp_is_timestamp"]),
        (dict(order_id="107", total_amount=None), ["total_amount_not_null"]),
        (dict(order_id="108", total_amount="twelve"), ["total_amount_is_number"]),
        (dict(order_id="109", total_amount="-1.00"), ["total_amount_non_negative"]),
        (dict(order_id="110", order_timestamp="2025-04-02T00:00:01"), ["order_date_matches_partition"]),
        (dict(order_id="111", order_timestamp="2025-03-31T23:59:59"), ["order_date_matches_partition"]),
        # Several failures on one row, listed together in rule order.
        (
            dict(order_id="", user_id="x", total_amount="-5", order_timestamp="2025-04-03T10:00:00"),
            ["order_id_not_null", "total_amount_non_negative", "order_date_matches_partition"],
        ),
    ]
    # Keys that do not look like numbers are keys all the same.
    valid = [order(order_id="100"), order(order_id="abc"), order(order_id="104", user_id="u7")]
    rows = valid + [order(**overrides) for overrides, _ in cases]
    out = transforms.silver_orders({"bronze": bronze(spark, ORDERS, rows)}, ctx(spark))
    silver, quarantine = collect_both(out)

    assert sorted((r["order_id"], r["user_id"]) for r in silver) == [
        ("100", "7"),
        ("104", "u7"),
        ("abc", "7"),
    ]
    assert out["quarantine"].columns == [*ORDERS.columns, *QUARANTINE_TAIL]
    q = by_row(quarantine)
    assert len(q) == len(cases)
    for i, (overrides, expected) in enumerate(cases, start=len(valid) + 1):
        got = q[("f1.csv", i)]
        assert got["_rules_failed"] == expected, overrides
        # The raw strings exactly as delivered (white space, None, text), not the typed values.
        delivered = order(**overrides)
        assert {c: got[c] for c in ORDERS.columns} == delivered, overrides
        assert (got["_ingested_at"] is not None, got["dt"]) == (True, DT)


def test_orders_latest_delivery_wins(spark):
    rows = [
        # order 1: delivered twice; the later file wins, the earlier is superseded.
        order(order_id="1", total_amount="10.00", _source_file="a.csv", _row=1, _ingested_at=T0),
        order(order_id="1", total_amount="11.00", _source_file="b.csv", _row=1, _ingested_at=T1),
        # order 2: twice in one file; the higher _row wins (listed first here, so it is not list order).
        order(order_id="2", total_amount="21.00", _source_file="c.csv", _row=5, _ingested_at=T0),
        order(order_id="2", total_amount="20.00", _source_file="c.csv", _row=3, _ingested_at=T0),
        # order 3: the later delivery is invalid: it does not displace the earlier valid row.
        order(order_id="3", total_amount="30.00", _source_file="a.csv", _row=2, _ingested_at=T0),
        order(order_id="3", total_amount="-30.00", _source_file="b.csv", _row=2, _ingested_at=T1),
        # order 4: same delivery time, two files: the later file name (a re-delivery) wins.
        order(order_id="4", total_amount="40.00", _source_file="d-1.csv", _row=1, _ingested_at=T1),
        order(order_id="4", total_amount="41.00", _source_file="d-2.csv", _row=1, _ingested_at=T1),
    ]
    out = transforms.silver_orders({"bronze": bronze(spark, ORDERS, rows)}, ctx(spark))
    silver, quarantine = collect_both(out)

    got = {r["order_id"]: (r["total_amount"], r["_source_file"], r["_row"]) for r in silver}
    assert len(got) == len(silver), "one silver row per order_id"
    assert got == {
        "1": (Decimal("11.00"), "b.csv", 1),
        "2": (Decimal("21.00"), "c.csv", 5),
        "3": (Decimal("30.00"), "a.csv", 2),
        "4": (Decimal("41.00"), "d-2.csv", 1),
    }
    q = {k: (r["order_id"], r["total_amount"], r["_rules_failed"]) for k, r in by_row(quarantine).items()}
    assert q == {
        ("a.csv", 1): ("1", "10.00", [SUPERSEDED]),
        ("c.csv", 3): ("2", "20.00", [SUPERSEDED]),
        ("b.csv", 2): ("3", "-30.00", ["total_amount_non_negative"]),
        ("d-1.csv", 1): ("4", "40.00", [SUPERSEDED]),
    }


def test_every_bronze_row_lands_exactly_once(spark):
    rows = [
        order(order_id="1", _source_file="a.csv", _row=1),
        order(order_id="1", _source_file="b.csv", _row=1, _ingested_at=T1),  # supersedes a.csv:1
        order(order_id="2", _source_file="a.csv", _row=2),
        order(order_id="2", _source_file="a.csv", _row=3),  # supersedes a.csv:2
        order(order_id="abc", _source_file="a.csv", _row=4),  # an opaque key: valid
        order(order_id="", _source_file="a.csv", _row=5),
        order(order_id="", _source_file="a.csv", _row=6),  # two invalid rows with the same (null) key
        order(order_id="3", total_amount="-1", _source_file="b.csv", _row=2, _ingested_at=T1),
        order(order_id="3", _source_file="a.csv", _row=7),
        order(order_id="4", order_timestamp="2025-04-05T10:00:00", _source_file="a.csv", _row=8),
        order(order_id="5", _source_file="a.csv", _row=9),
    ]
    df = bronze(spark, ORDERS, rows)
    out = transforms.silver_orders({"bronze": df}, ctx(spark))
    silver, quarantine = collect_both(out)

    bronze_keys = sorted((r["_source_file"], r["_row"]) for r in rows)
    landed = sorted(
        [(r["_source_file"], r["_row"]) for r in silver]
        + [(r["_source_file"], r["_row"]) for r in quarantine]
    )
    assert landed == bronze_keys  # bronze rows = silver rows + quarantine rows, each exactly once
    assert (len(silver), len(quarantine)) == (5, 6)  # silver: orders 1, 2, 3, 5, abc
    assert sorted(r["order_id"] for r in silver) == ["1", "2", "3", "5", "abc"]


# ------------------------------------------------------------------ order items


def test_order_items_rules_and_typing(spark):
    cases = [
        (dict(id="10", product_id="99"), ["product_exists"]),
        (dict(id="11", product_id="abc"), ["product_exists"]),  # an opaque key, but not a known product
        (dict(id="12", product_id=" "), ["product_id_not_null"]),
        (dict(id="13", reordered="2"), ["reordered_in_0_1"]),
        (dict(id="14", reordered=""), ["reordered_in_0_1"]),
        (dict(id="15", add_to_cart_order="0"), ["add_to_cart_order_positive"]),
        (dict(id="16", days_since_prior_order="3.5"), ["days_since_prior_order_is_integer"]),
        (dict(id="17", days_since_prior_order="-1"), ["days_since_prior_order_non_negative"]),
        (dict(id="18", add_to_cart_order=""), ["add_to_cart_order_not_null"]),
        (dict(id="19", order_timestamp="2025-04-02T08:00:00"), ["order_date_matches_partition"]),
        (
            dict(id="20", product_id="99", reordered="2", add_to_cart_order="0"),
            ["add_to_cart_order_positive", "reordered_in_0_1", "product_exists"],
        ),
    ]
    valid = [
        item(id="1"),  # blank days_since_prior_order: a first order, allowed
        item(id="2", product_id="2", days_since_prior_order="3.0", add_to_cart_order="2.0", reordered="1.0"),
        item(id="3", days_since_prior_order=" 0 ", add_to_cart_order="7", reordered="1"),
        item(id=" x "),  # an opaque key, trimmed
    ]
    rows = valid + [item(**overrides) for overrides, _ in cases]
    out = transforms.silver_order_items(
        {"bronze": bronze(spark, ORDER_ITEMS, rows), "products": products_frame(spark, (1, 2))}, ctx(spark)
    )
    silver, quarantine = collect_both(out)

    assert dict(out["silver"].dtypes) == {
        "id": "string",
        "order_id": "string",
        "user_id": "string",
        "product_id": "string",
        "days_since_prior_order": "int",
        "add_to_cart_order": "int",
        "reordered": "int",
        "order_timestamp": "timestamp",
        "_source_file": "string",
        "_row": "bigint",
        "_ingested_at": "timestamp",
        "dt": "string",
    }
    got = {
        r["id"]: (r["product_id"], r["days_since_prior_order"], r["add_to_cart_order"], r["reordered"])
        for r in silver
    }
    assert got == {"1": ("1", None, 1, 0), "2": ("2", 3, 2, 1), "3": ("1", 0, 7, 1), "x": ("1", None, 1, 0)}

    assert out["quarantine"].columns == [*ORDER_ITEMS.columns, *QUARANTINE_TAIL]
    q = by_row(quarantine)
    assert len(q) == len(cases)
    for i, (overrides, expected) in enumerate(cases, start=len(valid) + 1):
        got_q = q[("f1.csv", i)]
        assert got_q["_rules_failed"] == expected, overrides
        assert {c: got_q[c] for c in ORDER_ITEMS.columns} == item(**overrides), overrides


def test_order_items_out_of_range_integer_is_rejected_not_wrapped(spark):
    """A value beyond the int range is not an integer (a plain cast would wrap it around silently)."""
    rows = [
        item(id="1", add_to_cart_order="4294967297"),  # 2**32 + 1
        item(id="2", days_since_prior_order="3000000000"),
    ]
    out = transforms.silver_order_items(
        {"bronze": bronze(spark, ORDER_ITEMS, rows), "products": products_frame(spark)}, ctx(spark)
    )
    silver, quarantine = collect_both(out)
    assert [(r["id"], r["add_to_cart_order"], r["days_since_prior_order"]) for r in silver] == []
    assert {r["id"]: r["_rules_failed"] for r in quarantine} == {
        "1": ["add_to_cart_order_is_integer"],
        "2": ["days_since_prior_order_is_integer"],
    }


def test_order_items_latest_delivery_wins_per_id(spark):
    rows = [
        item(id="1", reordered="0", _source_file="a.csv", _row=1, _ingested_at=T0),
        item(id="1", reordered="1", _source_file="b.csv", _row=1, _ingested_at=T1),
    ]
    out = transforms.silver_order_items(
        {"bronze": bronze(spark, ORDER_ITEMS, rows), "products": products_frame(spark)}, ctx(spark)
    )
    silver, quarantine = collect_both(out)
    assert [(r["id"], r["reordered"], r["_source_file"]) for r in silver] == [("1", 1, "b.csv")]
    assert [(r["_source_file"], r["_rules_failed"]) for r in quarantine] == [("a.csv", [SUPERSEDED])]


# ------------------------------------------------------------------ products


def test_products_latest_snapshot_wins_and_older_snapshots_are_not_quarantined(spark):
    later = "2025-04-02"
    rows = [
        # Product 1: the 04-02 snapshot was delivered BEFORE the 04-01 one; the latest snapshot still wins.
        product(
            product_id="1",
            department="produce",
            product_name="Banana",
            dt=later,
            _source_file="p-0402.csv",
            _row=1,
            _ingested_at=T0,
        ),
        product(
            product_id="1",
            department="frozen",
            product_name="Old banana",
            dt=DT,
            _source_file="p-0401.csv",
            _row=1,
            _ingested_at=T1,
        ),
        # Product 2: only in the older snapshot; typed and trimmed.
        product(
            product_id="2",
            department_id="3.0",
            department="  dairy eggs ",
            product_name="",
            dt=DT,
            _source_file="p-0401.csv",
            _row=2,
            _ingested_at=T1,
        ),
        # An opaque key is a product like any other; invalid rows are quarantined, in either snapshot.
        product(product_id="x", dt=DT, _source_file="p-0401.csv", _row=3, _ingested_at=T1),
        product(product_id="3", department=" ", dt=later, _source_file="p-0402.csv", _row=2, _ingested_at=T0),
        product(product_id="", department=None, dt=later, _source_file="p-0402.csv", _row=3, _ingested_at=T0),
    ]
    out = transforms.silver_products({"bronze": bronze(spark, PRODUCTS, rows)}, ctx(spark, [DT, later]))
    silver, quarantine = collect_both(out)

    assert out["silver"].columns == [
        "product_id",
        "department_id",
        "department",
        "product_name",
        "snapshot_date",
        *LINEAGE_COLUMNS,
    ]
    got = {
        r["product_id"]: (
            r["department_id"],
            r["department"],
            r["product_name"],
            r["snapshot_date"],
            r["_source_file"],
        )
        for r in silver
    }
    assert got == {
        "1": ("4", "produce", "Banana", later, "p-0402.csv"),
        "2": ("3.0", "dairy eggs", None, DT, "p-0401.csv"),  # an id as delivered, not a number
        "x": ("4", "produce", "Banana", DT, "p-0401.csv"),
    }
    # The older snapshot of product 1 is history, not a problem: it is in neither output.
    q = {k: (r["product_id"], r["_rules_failed"], r["dt"]) for k, r in by_row(quarantine).items()}
    assert q == {
        ("p-0402.csv", 2): ("3", ["department_not_null"], later),
        ("p-0402.csv", 3): ("", ["product_id_not_null", "department_not_null"], later),
    }
    assert out["quarantine"].columns == [*PRODUCTS.columns, *QUARANTINE_TAIL]


# ------------------------------------------------------------------ orphan items (WARN check)


def _keys(spark, pairs):
    return spark.createDataFrame(pairs, "order_id string, dt string")


def test_orphan_items_counts_items_without_an_order_on_the_same_day(spark):
    d2 = "2025-04-02"
    items = _keys(spark, [("101", DT), ("102", DT), ("102", DT), ("103", d2), ("104", DT)])
    orders = _keys(spark, [("101", DT), ("103", DT), ("104", DT)])
    passed, meta = transforms.orphan_items({"silver": items}, {"orders": orders}, ctx(spark))
    # 102 has no order at all (2 items); 103 has an order, but on another day (1 item): 2 + 1 = 3.
    assert passed is False
    assert meta == {"orphan_items": 3, "sample_order_ids": ["102", "103"]}


def test_orphan_items_passes_when_every_item_has_its_order(spark):
    items = _keys(spark, [("101", DT), ("101", DT), ("102", DT)])
    orders = _keys(spark, [("101", DT), ("102", DT), ("999", DT)])
    passed, meta = transforms.orphan_items({"silver": items}, {"orders": orders}, ctx(spark))
    assert passed is True
    assert meta == {"orphan_items": 0, "sample_order_ids": []}


# ------------------------------------------------------------------ contracts


def test_silver_orders_contract_passes_on_valid_output_and_fails_on_null_order_id(spark):
    from pyspark.sql import functions as F

    df = bronze(spark, ORDERS, [order(order_id="1"), order(order_id="2", total_amount="0.00")])
    silver = materialized(transforms.silver_orders({"bronze": df}, ctx(spark))["silver"])

    ok = contract_outcome("silver/ecommerce/orders", checks.SilverOrders, silver)
    assert (ok.name, ok.passed, ok.metadata["failures"], ok.metadata["model"]) == (
        CONTRACT_CHECK,
        True,
        [],
        "SilverOrders",
    )

    null_id = F.when(F.col("order_id") == 2, F.lit(None)).otherwise(F.col("order_id"))
    broken = materialized(silver.withColumn("order_id", null_id))
    bad = contract_outcome("silver/ecommerce/orders", checks.SilverOrders, broken)
    assert bad.passed is False
    assert bad.blocking is True and bad.severity == "ERROR"
    # Only the broken column, by pandera's not-null check.
    assert bad.metadata["failures"] == [
        {"column": "order_id", "check": "not_nullable", "reason": "SERIES_CONTAINS_NULLS"}
    ]
    assert bad.metadata["failed_checks"] == 1


def test_silver_items_and_products_contracts_pass_on_transform_output(spark):
    items = bronze(
        spark, ORDER_ITEMS, [item(id="1"), item(id="2", days_since_prior_order="4", reordered="1")]
    )
    items_silver = transforms.silver_order_items(
        {"bronze": items, "products": products_frame(spark)}, ctx(spark)
    )
    prods = bronze(spark, PRODUCTS, [product(), product(product_id="2", department_id="", product_name=None)])
    prods_silver = transforms.silver_products({"bronze": prods}, ctx(spark))
    for table, model, df in [
        ("silver/ecommerce/order_items", checks.SilverOrderItems, items_silver["silver"]),
        ("silver/ecommerce/products", checks.SilverProducts, prods_silver["silver"]),
    ]:
        outcome = contract_outcome(table, model, materialized(df))
        assert (outcome.passed, outcome.metadata["failures"]) == (True, []), table
