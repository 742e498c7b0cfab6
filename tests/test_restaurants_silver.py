"""Bronze (with card tokenisation) and silver of the restaurants domain through the real path: landing
files -> the generic bronze job -> the silver jobs, on hand-made files (every number worked out by hand)
and on the real Global Partners samples (../shared/data/external/global-partners-orders)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
from collections import Counter
from dataclasses import asdict
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import shared_file

from platform_assets.core.execution import InputSpec, JobSpec, OutputSpec, execute
from platform_assets.core.lake import Lake
from platform_assets.core.rules import SUPERSEDED
from platform_assets.restaurants import marts
from platform_assets.restaurants.pii import WITHHELD
from platform_assets.restaurants.sources import DATE_DIM, ORDER_ITEM_OPTIONS, ORDER_ITEMS

pytestmark = pytest.mark.spark

KEY = "test-pii-key-restaurants"
DAY = "2025-03-01"
CARD = "4111111111111111"


def token(value: str) -> str:
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def run_job(spark, home: Path, transform: str, inputs: dict, outputs: dict, dts, params=None):
    spec = JobSpec(
        transform=transform,
        lake=str(home / "lake"),
        dts=dts,
        inputs={k: InputSpec(t, None if t.endswith("date_dim") else dts) for k, t in inputs.items()},
        outputs={k: OutputSpec(t, p, c) for k, (t, p, c) in outputs.items()},
        params=params or {},
        landing=str(home / "landing"),
    )
    result = execute(spark, spec, log=lambda _: None)
    assert not result.blocked, [(c.name, c.metadata) for c in result.blocked]
    return result


def bronze(spark, home: Path, source, dts):
    return run_job(
        spark,
        home,
        "platform_assets.core.bronze:ingest",
        {},
        {
            "bronze": (f"bronze/restaurants/{source.name}", True, None),
            "unparsed": (f"quarantine/restaurants/{source.name}_unparsed", True, None),
        },
        dts,
        {"source": asdict(source)},
    )


def silver(spark, home: Path, dts):
    C = "platform_assets.restaurants.checks"
    run_job(
        spark,
        home,
        "platform_assets.restaurants.transforms:silver_order_lines",
        {
            "order_items": "bronze/restaurants/order_items",
            "order_item_options": "bronze/restaurants/order_item_options",
        },
        {
            "silver": ("silver/restaurants/order_lines", True, f"{C}:SilverOrderLines"),
            "quarantine_items": ("quarantine/restaurants/order_items", True, None),
            "quarantine_options": ("quarantine/restaurants/order_item_options", True, None),
        },
        dts,
    )
    run_job(
        spark,
        home,
        "platform_assets.restaurants.transforms:silver_orders",
        {"order_lines": "silver/restaurants/order_lines"},
        {"silver": ("silver/restaurants/orders", True, f"{C}:SilverOrders")},
        dts,
    )


def write(home: Path, source: str, day: str, name: str, text: str, crlf: bool = False) -> None:
    path = home / "landing" / "restaurants" / source / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes(data.encode())
    stamp = datetime.fromisoformat(f"{day}T23:00:00+00:00").timestamp()
    os.utime(path, (stamp, stamp))


ITEMS = f"""APP_NAME,RESTAURANT_ID,CREATION_TIME_UTC,ORDER_ID,USER_ID,PRINTED_CARD_NUMBER,IS_LOYALTY,CURRENCY,LINEITEM_ID,ITEM_CATEGORY,ITEM_NAME,ITEM_PRICE,ITEM_QUANTITY
App,R1,2025-03-01 10:00:00.1 UTC,O1,U1,{CARD},TRUE,USD,L1,Sandwiches,Club Sandwich,21.75,3
App,R1,2025-03-01 10:00:00.1 UTC,O1,U1,{CARD},TRUE,USD,L2,Drinks,"DIET COKE 20OZ",5.00,1
App,R2,2025-03-01T11:00:00.123456Z,O2,GUEST,NONE,FALSE,USD,L3,Pizza,Cheese Pizza*,4.99,1
App,R2,2025-03-01T12:00:00Z,O3,,,true,usd,L4,Pizza,"1/4 Smoked Chicken Plate, White Meat",3.00,1
App,R1,2025-03-01T13:00:00.5Z,O4,U2,6.78037E+11,1,EUR,L5,Pizza,Margherita,9.00,1
App,R2,2025-03-01T11:00:00.123456Z,O2,GUEST,NONE,FALSE,USD,L3,Pizza,Cheese Pizza*,4.99,1
App,R1,2025-03-02T00:00:01Z,O5,U1,{CARD},TRUE,USD,L7,Pizza,Late,1.00,1
App,R1,2025-03-01T14:00:00Z,O6,U1,{CARD},maybe,USD,L8,Pizza,Bad,abc,1
App,R1,2025-03-01T14:00:00Z,O6,U1,{CARD},TRUE,USD,L9,Pizza
"""

OPTIONS = """order_id,lineitem_id,option_group_name,option_name,option_price,option_quantity
O1,L1,Extras,Add Egg,1.00,1
O1,L1,Extras,Add Egg,1.00,1
O1,L1,Promo,Two Dollars Fifty Off,-2.50,2
O2,L3,Toppings,No Onion,0.00,1
OX,LX,Extras,Orphan,1.00,1
O4,L5,Extras,Add Basil,0.50,1
O1,L2,Extras,Bad Price,x,1
"""


@pytest.fixture(scope="module")
def handmade(tmp_path_factory, spark):
    home = tmp_path_factory.mktemp("restaurants_silver")
    mp = pytest.MonkeyPatch()
    mp.setenv("OMNILAKE_PII_KEY", KEY)
    try:
        write(home, "order_items", DAY, "order_items.csv", ITEMS, crlf=True)
        write(home, "order_item_options", DAY, "options.csv", OPTIONS)
        for source in (ORDER_ITEMS, ORDER_ITEM_OPTIONS):
            bronze(spark, home, source, [DAY])
        silver(spark, home, [DAY])
    finally:
        mp.undo()
    return home, Lake(str(home / "lake"))


def test_bronze_tokenises_the_card_number_in_place(handmade):
    home, lake = handmade
    rows = lake.read_arrow("bronze/restaurants/order_items")
    names = rows.column_names
    assert "printed_card_number" not in names
    assert names[names.index("user_id") + 1 : names.index("user_id") + 3] == ["card_token", "card_last4"]
    by_line = {}
    for r in rows.to_pylist():
        by_line.setdefault(r["lineitem_id"], r)
    assert (by_line["L1"]["card_token"], by_line["L1"]["card_last4"]) == (token(CARD), "1111")
    assert (by_line["L3"]["card_token"], by_line["L3"]["card_last4"]) == (None, None)  # NONE
    assert (by_line["L4"]["card_token"], by_line["L4"]["card_last4"]) == (None, None)  # empty
    # The mangled number lost its digits: tokenised as delivered, no last4.
    assert (by_line["L5"]["card_token"], by_line["L5"]["card_last4"]) == (token("6.78037E+11"), None)
    # The malformed line (too few fields) is recorded without its raw text.
    unparsed = lake.read_arrow("quarantine/restaurants/order_items_unparsed").to_pylist()
    assert [(u["row"], u["raw"]) for u in unparsed] == [(10, WITHHELD)]
    for path in (home / "lake").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CARD.encode() not in data and b"6.78037E+11" not in data, path


def test_silver_order_lines_amounts_guests_and_quarantine(handmade):
    _, lake = handmade
    lines = {r["lineitem_id"]: r for r in lake.read_arrow("silver/restaurants/order_lines").to_pylist()}
    assert set(lines) == {"L1", "L2", "L3", "L4"}
    l1 = lines["L1"]
    # item_amount is ITEM_PRICE as delivered (already the line total for 3): never x 3 again.
    assert (l1["item_quantity"], l1["item_amount"]) == (3, Decimal("21.75"))
    # options: Add Egg 1.00 (the exact duplicate counts once) + 2 x -2.50 = -4.00; discount 5.00
    assert (l1["options"], l1["option_amount"], l1["discount_amount"], l1["net_amount"]) == (
        2,
        Decimal("-4.00"),
        Decimal("5.00"),
        Decimal("17.75"),
    )
    assert (l1["card_token"], l1["card_last4"], l1["is_loyalty"], l1["user_id"]) == (
        token(CARD),
        "1111",
        True,
        "U1",
    )
    assert l1["order_ts"] == datetime(2025, 3, 1, 10, 0, 0, 100000, tzinfo=timezone.utc) and l1["dt"] == DAY
    assert lines["L3"]["order_ts"] == datetime(2025, 3, 1, 11, 0, 0, 123456, tzinfo=timezone.utc)
    assert lines["L3"]["user_id"] is None and lines["L4"]["user_id"] is None  # GUEST and no user
    assert lines["L4"]["is_loyalty"] is True and lines["L4"]["currency"] == "USD"  # 'true', 'usd'
    assert (lines["L2"]["options"], lines["L2"]["net_amount"]) == (0, Decimal("5.00"))  # its option was bad
    assert lines["L4"]["item_name"] == "1/4 Smoked Chicken Plate, White Meat"

    q = lake.read_arrow("quarantine/restaurants/order_items").to_pylist()
    rules = {(r["lineitem_id"] or "").strip() or f"row{r['_row']}": sorted(r["_rules_failed"]) for r in q}
    assert rules == {
        "L5": ["currency_usd"],
        "L3": [SUPERSEDED],
        "L7": ["creation_date_matches_folder"],
        "L8": ["is_loyalty_is_boolean", "item_price_is_number"],
    }
    assert all("printed_card_number" not in r for r in q)
    oq = Counter(
        (r["option_name"], tuple(r["_rules_failed"]))
        for r in lake.read_arrow("quarantine/restaurants/order_item_options").to_pylist()
    )
    assert oq == Counter(
        {
            ("Add Egg", (SUPERSEDED,)): 1,
            ("Orphan", ("lineitem_in_silver",)): 1,
            ("Add Basil", ("lineitem_in_silver",)): 1,  # its line is quarantined (EUR)
            ("Bad Price", ("option_price_is_number",)): 1,
        }
    )


def test_silver_orders_roll_up_lines(handmade):
    _, lake = handmade
    orders = {r["order_id"]: r for r in lake.read_arrow("silver/restaurants/orders").to_pylist()}
    o1 = orders["O1"]
    # gross = 21.75 + 5.00 + the positive option 1.00; discount 5.00; net = 17.75 + 5.00
    assert (o1["gross_amount"], o1["discount_amount"], o1["net_amount"]) == (
        Decimal("27.75"),
        Decimal("5.00"),
        Decimal("22.75"),
    )
    assert (o1["items"], o1["lines"], o1["is_discounted"], o1["is_loyalty"], o1["user_id"]) == (
        4,
        2,
        True,
        True,
        "U1",
    )
    assert (orders["O2"]["is_discounted"], orders["O2"]["net_amount"], orders["O2"]["user_id"]) == (
        False,
        Decimal("4.99"),
        None,
    )
    assert set(orders) == {"O1", "O2", "O3"}


def test_discount_by_category_over_the_silver_lines(handmade, spark):
    _, lake = handmade
    from platform_assets.core.execution import TransformContext

    lines = Lake.read(lake, spark, "silver/restaurants/order_lines")
    got = {
        r["item_category"]: r.asDict()
        for r in marts.mart_discount_by_category(
            {"order_lines": lines}, TransformContext(spark, None, {}, lake)
        )["gold"].collect()
    }
    assert got == {
        "Sandwiches": {
            "item_category": "Sandwiches",
            "discounted_lines": 1,
            "lines": 1,
            "discount_amount": Decimal("5.00"),
            "net_revenue": Decimal("17.75"),
        },
        "Drinks": {
            "item_category": "Drinks",
            "discounted_lines": 0,
            "lines": 1,
            "discount_amount": Decimal("0.00"),
            "net_revenue": Decimal("5.00"),
        },
        "Pizza": {
            "item_category": "Pizza",
            "discounted_lines": 0,
            "lines": 2,
            "discount_amount": Decimal("0.00"),
            "net_revenue": Decimal("7.99"),
        },
    }


# ------------------------------------------------------------------ the real samples

SAMPLES = ("global-partners-orders",)


def test_the_real_samples_load_through_bronze_and_silver(tmp_path, spark, monkeypatch):
    """date_dim (2023, DD-MM-YYYY, CRLF) and the real item and option rows, as delivered: each item row
    goes to the folder of its UTC date (the raw line unchanged), the option files to one folder."""
    monkeypatch.setenv("OMNILAKE_PII_KEY", KEY)
    root = shared_file(*SAMPLES)
    home = tmp_path
    (home / "landing").mkdir()
    dim_raw = (root / "date_dim.csv").read_bytes()
    assert b"\r\n" in dim_raw

    def write_bytes(source: str, day: str, name: str, data: bytes) -> None:
        folder = home / "landing/restaurants" / source / day
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    write_bytes("date_dim", "2024-01-01", "date_dim.csv", dim_raw)
    days: set[str] = set()
    sample_cards: list[str] = []
    item_rows = 0
    for name in ("bronze_order_items_top_10_rows.csv", "bronze_order_items_last_10_rows.csv"):
        header, *lines = (root / "athena_query_results" / name).read_text().splitlines(keepends=True)
        for i, line in enumerate(lines):
            fields = next(csv.reader([line]))
            day = fields[2][:10]
            sample_cards.append(fields[5])
            days.add(day)
            write_bytes("order_items", day, f"{name[:-4]}_{i}.csv", (header + line).encode())
            item_rows += 1
    for name in ("bronze_order_item_options_top_10_rows.csv", "bronze_order_item_options_last_10_rows.csv"):
        write_bytes(
            "order_item_options", "2024-02-21", name, (root / "athena_query_results" / name).read_bytes()
        )
    for source in (DATE_DIM, ORDER_ITEMS, ORDER_ITEM_OPTIONS):
        bronze(spark, home, source, None)
    run_job(
        spark,
        home,
        "platform_assets.restaurants.transforms:silver_dim_date",
        {"bronze": "bronze/restaurants/date_dim"},
        {
            "silver": (
                "silver/restaurants/dim_date",
                False,
                "platform_assets.restaurants.checks:SilverDimDate",
            ),
            "quarantine": ("quarantine/restaurants/date_dim", False, None),
        },
        None,
    )
    silver(spark, home, None)
    lake = Lake(str(home / "lake"))

    dim = {r["date"]: r for r in lake.read_arrow("silver/restaurants/dim_date").to_pylist()}
    assert len(dim) == 365 and min(dim) == date(2023, 1, 1) and max(dim) == date(2023, 12, 31)
    assert (
        dim[date(2023, 1, 1)]["week"],
        dim[date(2023, 1, 1)]["is_weekend"],
        dim[date(2023, 1, 1)]["holiday_name"],
    ) == (52, True, "New Year's Day")
    assert sum(r["is_holiday"] for r in dim.values()) == 12
    assert lake.read_arrow("quarantine/restaurants/date_dim").num_rows == 0

    bronze_items = lake.read_arrow("bronze/restaurants/order_items").to_pylist()
    assert len(bronze_items) == item_rows == 20
    assert lake.read_arrow("bronze/restaurants/order_item_options").num_rows == 20
    # The real card values (empty or spreadsheet-mangled) are now tokens, where the number was.
    mangled = {c for c in sample_cards if "E+" in c}
    assert mangled, "the samples carry mangled card numbers"
    assert {r["card_token"] for r in bronze_items if r["card_token"]} == {token(c) for c in mangled}
    assert all(r["card_last4"] is None for r in bronze_items)
    for path in (home / "lake").rglob("*"):
        if path.is_file():
            assert not any(c.encode() in path.read_bytes() for c in mangled), path

    lines = lake.read_arrow("silver/restaurants/order_lines").to_pylist()
    quarantined = lake.read_arrow("quarantine/restaurants/order_items").to_pylist()
    assert len(lines) + len(quarantined) == 20
    assert all(set(q["_rules_failed"]) <= {SUPERSEDED} for q in quarantined), quarantined
    assert {r["dt"] for r in lines} == days
    assert {r["currency"] for r in lines} == {"USD"}
    assert any(r["order_ts"].microsecond == 394000 for r in lines)  # '...:14.394Z'
    assert any(r["item_name"] == "1/4 Smoked Chicken Plate, White Meat" for r in lines)
    # The item and option samples come from different orders: every option is an orphan.
    options = lake.read_arrow("quarantine/restaurants/order_item_options").to_pylist()
    assert len(options) == 20 and all("lineitem_in_silver" in o["_rules_failed"] for o in options)
    assert lake.read_arrow("silver/restaurants/orders").num_rows == len({r["order_id"] for r in lines})
