"""Gold formulas of the ecommerce domain on small hand-made silver frames (spec: ecommerce.md, Gold).

Every expected number is written literally, with the arithmetic beside it. Integers and decimals are compared
exactly, doubles with pytest.approx. Each output also passes its pandera contract (checks.DailySales, ...).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from platform_assets.core.execution import TransformContext, contract_outcome
from platform_assets.ecommerce import checks, transforms

pytestmark = pytest.mark.spark

D1, D2, D3 = "2025-04-01", "2025-04-02", "2025-04-03"

# Keys are identifiers (strings) in silver; the rows below write them as numbers for brevity.
ORDERS_SCHEMA = (
    "order_id string, user_id string, order_timestamp timestamp, total_amount decimal(18,2), dt string"
)
ITEMS_SCHEMA = (
    "id string, order_id string, user_id string, product_id string, days_since_prior_order int, "
    "add_to_cart_order int, reordered int, dt string"
)
PRODUCTS_SCHEMA = (
    "product_id string, department_id string, department string, product_name string, snapshot_date string"
)

PRODUCTS = [
    # product_id, department_id, department, product_name
    (1, 4, "produce", "Banana"),
    (2, 4, "produce", "Apple"),
    (3, 3, "bakery", "Bread"),
]


# ------------------------------------------------------------------ silver frames


def ctx(spark) -> TransformContext:
    return TransformContext(spark, None, {}, lake=None)


def orders_frame(spark, rows):
    """rows: (order_id, user_id, 'YYYY-MM-DDTHH:MM' UTC, 'amount'); dt = the date of the timestamp."""
    data = []
    for order_id, user_id, stamp, amount in rows:
        ts = datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc)
        data.append((str(order_id), str(user_id), ts, Decimal(amount), stamp[:10]))
    return spark.createDataFrame(data, ORDERS_SCHEMA)


def items_frame(spark, rows):
    """rows: dicts with order_id, user_id, product_id, dt and optionally days (None), cart (1), reordered (0)."""
    data = [
        (
            str(i),
            str(r["order_id"]),
            str(r["user_id"]),
            str(r["product_id"]),
            r.get("days"),
            r.get("cart", 1),
            r.get("reordered", 0),
            r["dt"],
        )
        for i, r in enumerate(rows, start=1)
    ]
    return spark.createDataFrame(data, ITEMS_SCHEMA)


def products_frame(spark, rows=PRODUCTS):
    return spark.createDataFrame([(str(p), str(d), *rest, D1) for p, d, *rest in rows], PRODUCTS_SCHEMA)


def run(spark, fn, model, **inputs):
    """(rows, dtypes) of the gold output, computed once; asserts the output passes its pandera contract."""
    gold = fn(inputs, ctx(spark))["gold"].persist()  # one job; pandera and collect reuse it
    rows = gold.collect()
    outcome = contract_outcome(f"gold/ecommerce/{fn.__name__}", model, gold)
    assert (outcome.passed, outcome.metadata["failures"]) == (True, [])
    return rows, dict(gold.dtypes), gold.columns


# ------------------------------------------------------------------ daily_sales


def test_daily_sales(spark):
    orders = orders_frame(
        spark,
        [
            (1, 10, "2025-04-01T09:00", "10.00"),
            (2, 10, "2025-04-01T12:00", "5.50"),
            (3, 11, "2025-04-01T18:30", "4.51"),
            (4, 12, "2025-04-03T10:00", "7.00"),  # D3: an order without items
        ],
    )
    items = items_frame(
        spark,
        [
            dict(order_id=1, user_id=10, product_id=1, reordered=1, dt=D1),
            dict(order_id=1, user_id=10, product_id=2, reordered=0, dt=D1),
            dict(order_id=2, user_id=10, product_id=1, reordered=1, dt=D1),
            dict(order_id=3, user_id=11, product_id=3, reordered=1, dt=D1),
            # D2: items but no orders (their orders are not (yet) in silver)
            dict(order_id=8, user_id=13, product_id=1, reordered=0, dt=D2),
            dict(order_id=8, user_id=13, product_id=3, reordered=1, dt=D2),
        ],
    )
    rows, dtypes, columns = run(
        spark, transforms.daily_sales, checks.DailySales, orders=orders, order_items=items
    )

    assert columns == ["orders", "items", "customers", "revenue", "avg_order_value", "reorder_rate", "dt"]
    assert dtypes["revenue"] == dtypes["avg_order_value"] == "decimal(18,2)"
    got = {r["dt"]: r.asDict() for r in rows}
    assert sorted(got) == [D1, D2, D3]  # days kept apart

    d1 = got[D1]
    assert (d1["orders"], d1["items"], d1["customers"]) == (3, 4, 2)  # users {10, 11}
    assert d1["revenue"] == Decimal("20.01")  # 10.00 + 5.50 + 4.51
    assert d1["avg_order_value"] == Decimal("6.67")  # 20.01 / 3 = 6.67
    assert d1["reorder_rate"] == pytest.approx(0.75)  # 3 of 4 items reordered

    d2 = got[D2]
    assert (d2["orders"], d2["items"], d2["customers"]) == (0, 2, 0)
    assert d2["revenue"] == Decimal("0.00")
    assert d2["avg_order_value"] is None  # no orders: no average
    assert d2["reorder_rate"] == pytest.approx(0.5)  # 1 of 2

    d3 = got[D3]
    assert (d3["orders"], d3["items"], d3["customers"]) == (1, 0, 1)
    assert (d3["revenue"], d3["avg_order_value"]) == (Decimal("7.00"), Decimal("7.00"))  # 7.00 / 1
    assert d3["reorder_rate"] is None  # no items


# ------------------------------------------------------------------ product_performance


def test_product_performance(spark):
    items = items_frame(
        spark,
        [
            # product 1 on D1: twice in order 101 (2 units, 1 order) and once in 102
            dict(order_id=101, user_id=10, product_id=1, cart=1, reordered=1, dt=D1),
            dict(order_id=101, user_id=10, product_id=1, cart=3, reordered=0, dt=D1),
            dict(order_id=102, user_id=11, product_id=1, cart=2, reordered=1, dt=D1),
            dict(order_id=102, user_id=11, product_id=2, cart=1, reordered=0, dt=D1),
            dict(order_id=103, user_id=12, product_id=99, cart=4, reordered=1, dt=D1),  # unknown product
            dict(order_id=201, user_id=10, product_id=1, cart=5, reordered=0, dt=D2),  # another day
        ],
    )
    rows, dtypes, columns = run(
        spark,
        transforms.product_performance,
        checks.ProductPerformance,
        order_items=items,
        products=products_frame(spark),
    )

    assert columns == [
        "product_id",
        "product_name",
        "department",
        "units",
        "orders",
        "reorder_rate",
        "avg_add_to_cart_order",
        "dt",
    ]
    got = {(r["dt"], int(r["product_id"])): r.asDict() for r in rows}
    assert sorted(got) == [(D1, 1), (D1, 2), (D1, 99), (D2, 1)]

    p1 = got[(D1, 1)]
    assert (p1["product_name"], p1["department"]) == ("Banana", "produce")
    assert (p1["units"], p1["orders"]) == (3, 2)  # 3 item rows; orders {101, 102}
    assert p1["reorder_rate"] == pytest.approx(2 / 3)  # (1 + 0 + 1) / 3
    assert p1["avg_add_to_cart_order"] == pytest.approx(2.0)  # (1 + 3 + 2) / 3

    p2 = got[(D1, 2)]
    assert (p2["product_name"], p2["department"], p2["units"], p2["orders"]) == ("Apple", "produce", 1, 1)
    assert (p2["reorder_rate"], p2["avg_add_to_cart_order"]) == (pytest.approx(0.0), pytest.approx(1.0))

    unknown = got[(D1, 99)]
    assert (unknown["product_name"], unknown["department"], unknown["units"], unknown["orders"]) == (
        None,
        None,
        1,
        1,
    )
    assert (unknown["reorder_rate"], unknown["avg_add_to_cart_order"]) == (
        pytest.approx(1.0),
        pytest.approx(4.0),
    )

    later = got[(D2, 1)]
    assert (later["units"], later["orders"]) == (1, 1)  # D1's units are not added in
    assert (later["reorder_rate"], later["avg_add_to_cart_order"]) == (pytest.approx(0.0), pytest.approx(5.0))


# ------------------------------------------------------------------ department_analytics


def test_department_analytics(spark):
    items = items_frame(
        spark,
        [
            # D1: produce = products 1, 2; bakery = product 3
            dict(order_id=101, user_id=10, product_id=1, reordered=1, dt=D1),
            dict(order_id=101, user_id=10, product_id=2, reordered=0, dt=D1),
            dict(order_id=102, user_id=11, product_id=1, reordered=1, dt=D1),
            dict(order_id=103, user_id=12, product_id=3, reordered=0, dt=D1),
            # D2: bakery twice and an unknown product
            dict(order_id=201, user_id=10, product_id=3, reordered=1, dt=D2),
            dict(order_id=202, user_id=11, product_id=3, reordered=1, dt=D2),
            dict(order_id=202, user_id=11, product_id=99, reordered=0, dt=D2),
        ],
    )
    rows, dtypes, columns = run(
        spark,
        transforms.department_analytics,
        checks.DepartmentAnalytics,
        order_items=items,
        products=products_frame(spark),
    )

    assert columns == [
        "department",
        "units",
        "orders",
        "distinct_products",
        "reorder_rate",
        "unit_share",
        "dt",
    ]
    got = {(r["dt"], r["department"]): r.asDict() for r in rows}
    assert set(got) == {(D1, "produce"), (D1, "bakery"), (D2, "bakery"), (D2, None)}

    produce = got[(D1, "produce")]
    assert (produce["units"], produce["orders"], produce["distinct_products"]) == (
        3,
        2,
        2,
    )  # orders {101, 102}
    assert produce["reorder_rate"] == pytest.approx(2 / 3)  # (1 + 0 + 1) / 3
    assert produce["unit_share"] == pytest.approx(0.75)  # 3 of D1's 4 units

    bakery1 = got[(D1, "bakery")]
    assert (bakery1["units"], bakery1["orders"], bakery1["distinct_products"]) == (1, 1, 1)
    assert (bakery1["reorder_rate"], bakery1["unit_share"]) == (
        pytest.approx(0.0),
        pytest.approx(0.25),
    )  # 1 / 4

    bakery2 = got[(D2, "bakery")]
    assert (bakery2["units"], bakery2["orders"], bakery2["distinct_products"]) == (2, 2, 1)
    assert (bakery2["reorder_rate"], bakery2["unit_share"]) == (
        pytest.approx(1.0),
        pytest.approx(2 / 3),
    )  # 2 / 3

    unknown = got[(D2, None)]
    assert (unknown["units"], unknown["orders"], unknown["distinct_products"]) == (1, 1, 1)
    assert unknown["unit_share"] == pytest.approx(1 / 3)

    for day in (D1, D2):  # the shares of a day sum to 1
        assert sum(r["unit_share"] for r in rows if r["dt"] == day) == pytest.approx(1.0)


# ------------------------------------------------------------------ customer_insights


def test_customer_insights(spark):
    orders = orders_frame(
        spark,
        [
            (1, 10, "2025-04-01T09:00", "10.00"),
            (2, 10, "2025-04-03T23:30", "5.00"),
            (3, 10, "2025-04-02T12:00", "6.01"),
            (4, 11, "2025-04-02T08:00", "3.00"),
            (5, 13, "2025-04-03T10:00", "0.00"),  # a customer without items
            (6, 14, "2025-04-01T08:00", "20.00"),
            (7, 14, "2025-04-01T20:00", "10.00"),
        ],
    )
    items = items_frame(
        spark,
        [
            # user 10: produce 2 units, bakery 2 units: a tie, broken alphabetically -> bakery
            dict(order_id=1, user_id=10, product_id=1, days=None, reordered=0, dt=D1),
            dict(order_id=2, user_id=10, product_id=2, days=7, reordered=1, dt=D3),
            dict(order_id=3, user_id=10, product_id=3, days=3, reordered=1, dt=D2),
            dict(order_id=3, user_id=10, product_id=3, days=None, reordered=0, dt=D2),
            # user 11: only an unknown product -> no favorite department
            dict(order_id=4, user_id=11, product_id=99, days=6, reordered=0, dt=D2),
            # user 12: items but no order -> not a customer
            dict(order_id=9, user_id=12, product_id=1, days=1, reordered=1, dt=D2),
            # user 14: produce 3 units, bakery 1 unit -> produce (most units beats the alphabet)
            dict(order_id=6, user_id=14, product_id=1, days=2, reordered=1, dt=D1),
            dict(order_id=6, user_id=14, product_id=2, days=None, reordered=1, dt=D1),
            dict(order_id=7, user_id=14, product_id=1, days=None, reordered=1, dt=D1),
            dict(order_id=7, user_id=14, product_id=3, days=4, reordered=1, dt=D1),
        ],
    )
    rows, dtypes, columns = run(
        spark,
        transforms.customer_insights,
        checks.CustomerInsights,
        orders=orders,
        order_items=items,
        products=products_frame(spark),
    )

    assert columns == [
        "user_id",
        "orders",
        "total_spent",
        "avg_order_value",
        "first_order_date",
        "last_order_date",
        "avg_days_since_prior_order",
        "reorder_rate",
        "favorite_department",
    ]
    assert (dtypes["first_order_date"], dtypes["last_order_date"]) == ("date", "date")
    got = {int(r["user_id"]): r.asDict() for r in rows}
    assert sorted(got) == [10, 11, 13, 14]  # user 12 has no order

    u10 = got[10]
    assert u10["orders"] == 3
    assert u10["total_spent"] == Decimal("21.01")  # 10.00 + 5.00 + 6.01
    assert u10["avg_order_value"] == Decimal("7.00")  # 21.01 / 3 = 7.0033
    assert (u10["first_order_date"], u10["last_order_date"]) == (date(2025, 4, 1), date(2025, 4, 3))
    assert u10["avg_days_since_prior_order"] == pytest.approx(5.0)  # (7 + 3) / 2, nulls ignored (not 10 / 4)
    assert u10["reorder_rate"] == pytest.approx(0.5)  # 2 of 4 items
    assert u10["favorite_department"] == "bakery"  # 2 = 2 units: 'bakery' < 'produce'

    u11 = got[11]
    assert (u11["orders"], u11["total_spent"], u11["avg_order_value"]) == (
        1,
        Decimal("3.00"),
        Decimal("3.00"),
    )
    assert (u11["first_order_date"], u11["last_order_date"]) == (date(2025, 4, 2), date(2025, 4, 2))
    assert u11["avg_days_since_prior_order"] == pytest.approx(6.0)
    assert u11["reorder_rate"] == pytest.approx(0.0)
    assert u11["favorite_department"] is None  # its only product is unknown

    u13 = got[13]
    assert (u13["orders"], u13["total_spent"], u13["avg_order_value"]) == (
        1,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert (u13["avg_days_since_prior_order"], u13["reorder_rate"], u13["favorite_department"]) == (
        None,
        None,
        None,
    )

    u14 = got[14]
    assert u14["orders"] == 2
    assert (u14["total_spent"], u14["avg_order_value"]) == (Decimal("30.00"), Decimal("15.00"))  # 30.00 / 2
    assert (u14["first_order_date"], u14["last_order_date"]) == (date(2025, 4, 1), date(2025, 4, 1))
    assert u14["avg_days_since_prior_order"] == pytest.approx(3.0)  # (2 + 4) / 2
    assert u14["reorder_rate"] == pytest.approx(1.0)  # 4 of 4
    assert u14["favorite_department"] == "produce"  # 3 units against bakery's 1
