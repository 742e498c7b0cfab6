"""Realistic, messy sample landing data for the restaurants domain (spec: restaurants.md; the quirks of
the real Global Partners samples in ../shared/data/external/global-partners-orders).

`generate(out, start, days)` writes, under `out/restaurants/`:
- `date_dim/<start>/date_dim.csv`: DD-MM-YYYY keys, TRUE/FALSE, CRLF, a few holidays, and it stops two
  days short of the orders (the calendar covers fewer days than the orders, as the real one does);
- `order_items/<D>/order_items_<D>.csv` and `order_item_options/<D>/order_item_options_<D>.csv`: the
  orders of UTC day D at a handful of restaurants of two apps. Customers follow the BG/NBD story: each
  joins on some day, orders on a day with their own probability and may drop out (churn) after an order;
  loyalty members order more often and get more discounts; guests order as `GUEST` with card `NONE` or
  without a user. Menus with categories, options with prices, discounts as options with negative prices.
Quirks: two timestamp formats with 1-3 fractional digits, upper- or lower-case headers, CRLF files,
booleans TRUE/FALSE/true/1, card numbers as 16 digits, blank, NONE or spreadsheet-mangled (`6.78037E+11`),
ITEM_PRICE already the line total (unit price x quantity), exact duplicate option rows.
Defects (counted in the summary): one non-USD order, a re-delivered line item, a line timestamped in the
next day, an unreadable price, a non-boolean loyalty flag, an orphan option, a malformed CSV line.

Deterministic: one `random.Random(seed)`, same arguments, same bytes and mtimes. No Dagster or Spark import.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TypedDict

from platform_assets.core.samplefiles import write_csv

__all__ = ["generate", "card_numbers"]

DOMAIN = "restaurants"
ITEM_HEADER = (
    "APP_NAME",
    "RESTAURANT_ID",
    "CREATION_TIME_UTC",
    "ORDER_ID",
    "USER_ID",
    "PRINTED_CARD_NUMBER",
    "IS_LOYALTY",
    "CURRENCY",
    "LINEITEM_ID",
    "ITEM_CATEGORY",
    "ITEM_NAME",
    "ITEM_PRICE",
    "ITEM_QUANTITY",
)
OPTION_HEADER = (
    "ORDER_ID",
    "LINEITEM_ID",
    "OPTION_GROUP_NAME",
    "OPTION_NAME",
    "OPTION_PRICE",
    "OPTION_QUANTITY",
)
DIM_HEADER = ("date_key", "year", "month", "week", "day_of_week", "is_weekend", "is_holiday", "holiday_name")
APPS = ("Alltown Fresh", "Global Eats")
MENU = {
    "Breakfast": [
        ("Breakfast Burrito*", "5.99"),
        ("Southwest Sausage Breakfast Sandwich*", "6.99"),
        ("Avocado Toast", "7.49"),
    ],
    "Burgers & Sandwiches": [("Club Sandwich", "7.25"), ("Cheeseburger", "8.49"), ("B.L.A.T", "8.99")],
    "BBQ Plates": [
        ("Pulled Pork Plate", "9.99"),
        ("1/4 Smoked Chicken Plate, White Meat", "11.99"),
        ("Smoked Brisket Plate", "14.99"),
    ],
    "Pizza": [("Cheese Pizza", "4.99"), ("Pepperoni Pizza", "5.99")],
    "Beverages": [("DIET COKE 20OZ", "2.29"), ("Drip Coffee", "1.99"), ("Smoothie", "5.49")],
}
OPTIONS = {
    "Breakfast": [
        ("Breakfast Burrito Options", "Add Egg", "1.00"),
        ("Breakfast Burrito Options", "No Wrap, Make It A Bowl", "0.00"),
        ("Avocado Toast Options", "Add Smokehouse Bacon", "2.00"),
    ],
    "Burgers & Sandwiches": [
        ("Condiments", "Ketchup", "0.00"),
        ("Condiments", "Mustard", "0.00"),
        ("Sandwich Options", "Add Gluten Free Bread", "1.00"),
    ],
    "BBQ Plates": [("Sides", "Extra Slaw", "1.50"), ("Sauces", "Add BBQ Sauce", "0.50")],
    "Pizza": [("Toppings", "Extra Cheese", "1.00"), ("Toppings", "No Onion", "0.00")],
    "Beverages": [("Milk Options", "Add Whole Milk", "0.00"), ("Smoothie Add-ons", "Add Protein", "1.00")],
}
DISCOUNTS = [
    ("Promotions", "Loyalty Reward", "-1.00"),
    ("Promotions", "Happy Hour 20% Off", "-1.50"),
    ("Promotions", "App Launch Promo", "-2.00"),
]
HOLIDAYS = {
    (1, 1): "New Year's Day",
    (7, 4): "Indep. Day",
    (12, 25): "Christmas Day",
    (11, 11): "Veterans Day",
}
_BASE_CUSTOMERS = 160
_BASE_GUEST_ORDERS = 6  # per day at scale 1.0


def _oid(rng: random.Random, moment: datetime) -> str:
    """A MongoDB-like ObjectId: 8 hex digits of the epoch second, then 16 random ones."""
    return f"{int(moment.timestamp()):08x}{rng.getrandbits(64):016x}"


def _stamp(rng: random.Random, moment: datetime) -> str:
    """Either '2020-04-21 18:56:44.244 UTC' or '2024-02-21T02:52:35.366Z', with 1-3 fractional digits."""
    digits = rng.choice((1, 2, 3, 3, 3))
    fraction = f"{moment.microsecond:06d}"[:digits].rstrip("0") or "0"
    if rng.random() < 0.5:
        return moment.strftime("%Y-%m-%d %H:%M:%S") + f".{fraction} UTC"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction}Z"


def _luhn_card(rng: random.Random) -> str:
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


@dataclass
class _Customer:
    user_id: str
    card: str | None
    mangled: bool  # the card arrives spreadsheet-mangled ('6.78037E+11')
    loyalty: bool
    joins: int  # day index of the first possible order
    rate: float  # probability of ordering on a day while alive
    dropout: float  # probability of churning after each order
    spend: float  # the customer's mean order value (Gamma-Gamma: it varies between customers)
    alive: bool = True


def _bool_text(rng: random.Random, value: bool) -> str:
    return rng.choice(("TRUE", "TRUE", "true", "1") if value else ("FALSE", "FALSE", "false", "0"))


class Defects(TypedDict):
    """One of each, counted as a correct pipeline must meet them."""

    currency_usd: int
    superseded_line_items: int
    creation_date_matches_folder: int
    item_price_is_number: int
    is_loyalty_is_boolean: int
    duplicate_option_rows: int
    orphan_options: int
    malformed_lines: int


class Summary(TypedDict):
    """What `generate` wrote: files, rows by source, the customers' story, the defects."""

    files_written: int
    rows: dict[str, int]  # data rows by source (defect rows included)
    customers: int
    loyalty_members: int
    orders: int
    lines: int  # line items before the defects were added
    options: int  # option rows before the defects were added
    guest_orders: int
    churned_customers: int
    defects: Defects


def generate(out: Path, start: date, days: int, *, seed: int = 7, scale: float = 1.0) -> Summary:
    """Write the restaurants landing files for `days` days from `start` under `out/restaurants/`."""
    # One random stream, drawn in this order (restaurants, customers, each day's orders, defects): same
    # seed, same bytes.
    rng = random.Random(seed)
    out = Path(out)
    restaurants = [f"{rng.getrandbits(96):024x}" for _ in range(6)]
    customers = _customers(rng, days, scale)
    items, options, counts = _orders(rng, start, days, scale, restaurants, customers)
    defects = _defects(rng, start, days, restaurants, items, options)
    files, dim_rows = _write(out, start, days, items, options)
    return {
        "files_written": files,
        "rows": {
            "order_items": sum(len(v) for v in items.values()),
            "order_item_options": sum(len(v) for v in options.values()),
            "date_dim": dim_rows,
        },
        "customers": len(customers),
        "loyalty_members": sum(c.loyalty for c in customers),
        "orders": counts["orders"],
        "lines": counts["lines"],
        "options": counts["options"],
        "guest_orders": counts["guest_orders"],
        "churned_customers": counts["churned_customers"],
        "defects": defects,
    }


def _customers(rng: random.Random, days: int, scale: float) -> list[_Customer]:
    """The BG/NBD story per customer: a join day, an order rate, a dropout chance, a mean spend; loyalty
    members order more often and churn less; some have a card (a few spreadsheet-mangled)."""
    customers: list[_Customer] = []
    for _ in range(max(12, int(_BASE_CUSTOMERS * scale))):
        loyalty = rng.random() < 0.35
        has_card = loyalty or rng.random() < 0.3
        card = _luhn_card(rng) if has_card else None
        customers.append(
            _Customer(
                user_id=f"{rng.getrandbits(96):024x}",
                card=card,
                mangled=bool(card) and rng.random() < 0.3,
                loyalty=loyalty,
                # Most join in the first days, so BG/NBD sees repeat behaviour; some join later.
                joins=min(days - 1, int(rng.expovariate(1 / max(1.0, days / 4)))),
                rate=min(0.9, rng.gammavariate(2.0, 0.2 if loyalty else 0.1)),
                dropout=rng.betavariate(1.0, 6.0 if loyalty else 3.0),
                spend=rng.gammavariate(3.0, 6.0),
            )
        )
    return customers


def _orders(
    rng: random.Random,
    start: date,
    days: int,
    scale: float,
    restaurants: list[str],
    customers: list[_Customer],
) -> tuple[dict[str, list[list[str]]], dict[str, list[list[str]]], dict[str, int]]:
    """Each day's line items and options by date: the customers alive, joined and drawn that day, and a
    few guests; a customer may churn after an order."""
    popularity = [6, 5, 4, 3, 2, 1]
    items: dict[str, list[list[str]]] = {}
    options: dict[str, list[list[str]]] = {}
    counts = {"orders": 0, "lines": 0, "options": 0, "guest_orders": 0, "churned_customers": 0}
    for k in range(days):
        day = start + timedelta(days=k)
        d = day.isoformat()
        day_items: list[list[str]] = []
        day_options: list[list[str]] = []
        buyers = []
        for c in customers:
            if c.alive and k >= c.joins and rng.random() < c.rate:
                buyers.append(c)
        guests = [None] * max(1, int(rng.gauss(_BASE_GUEST_ORDERS * scale, 1)))
        for who in buyers + guests:
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(
                seconds=rng.randrange(6 * 3600, 23 * 3600), microseconds=rng.randrange(1000) * 1000
            )
            _order(rng, who, moment, restaurants, popularity, day_items, day_options)
            counts["orders"] += 1
            if who is None:
                counts["guest_orders"] += 1
            elif rng.random() < who.dropout:
                who.alive = False
                counts["churned_customers"] += 1
        items[d], options[d] = day_items, day_options
    counts["lines"] = sum(len(v) for v in items.values())
    counts["options"] = sum(len(v) for v in options.values())
    return items, options, counts


def _write(
    out: Path, start: date, days: int, items: dict[str, list[list[str]]], options: dict[str, list[list[str]]]
) -> tuple[int, int]:
    """Each day's two files (lower-case headers on some days, CRLF on alternate ones) and the calendar;
    the files written and the calendar's rows."""
    files = 0
    for k in range(days):
        d = (start + timedelta(days=k)).isoformat()
        modified = datetime.fromisoformat(f"{d}T23:45:00+00:00")
        lower = k % 3 == 1  # some deliveries have lower-case headers
        header = [h.lower() for h in ITEM_HEADER] if lower else list(ITEM_HEADER)
        write_csv(
            out,
            f"{DOMAIN}/order_items/{d}/order_items_{d}.csv",
            header,
            items[d],
            modified=modified,
            crlf=k % 2 == 0,
        )
        write_csv(
            out,
            f"{DOMAIN}/order_item_options/{d}/order_item_options_{d}.csv",
            [h.lower() for h in OPTION_HEADER] if lower else list(OPTION_HEADER),
            options[d],
            modified=modified,
            crlf=k % 2 == 1,
        )
        files += 2
    dim_rows = _date_dim(start, max(1, days - 2))
    write_csv(
        out,
        f"{DOMAIN}/date_dim/{start.isoformat()}/date_dim.csv",
        DIM_HEADER,
        dim_rows,
        modified=datetime.fromisoformat(f"{start.isoformat()}T00:30:00+00:00"),
        crlf=True,
    )
    return files + 1, len(dim_rows)


def _order(rng, who, moment, restaurants, popularity, day_items, day_options) -> None:
    order_id = _oid(rng, moment)
    restaurant = rng.choices(restaurants, weights=popularity)[0]
    app = APPS[0] if restaurants.index(restaurant) < 4 else APPS[1]
    stamp = _stamp(rng, moment)
    if who is None:
        user, card, loyal = rng.choice((("GUEST", "NONE"), ("GUEST", "NONE"), ("", ""))) + (False,)
    else:
        card = "" if who.card is None else (_excel(who.card) if who.mangled else who.card)
        user, loyal = who.user_id, who.loyalty
    # Lines are added until the order reaches a target drawn around the customer's own mean order value.
    target = rng.gammavariate(4.0, (who.spend if who else 15.0) / 4.0)
    total, n = Decimal(0), 0
    while n == 0 or (total < Decimal(f"{target:.2f}") and n < 8):
        n += 1
        category = rng.choice(list(MENU))
        name, unit = rng.choice(MENU[category])
        qty = rng.choice((1, 1, 1, 2, 3))
        line_id = _oid(rng, moment + timedelta(seconds=n - 1))
        # ITEM_PRICE is the line total as the source delivers it: unit price x quantity.
        total += Decimal(unit) * qty
        day_items.append(
            [
                app,
                restaurant,
                stamp,
                order_id,
                user,
                card,
                _bool_text(rng, loyal),
                "USD",
                line_id,
                category,
                name,
                f"{Decimal(unit) * qty:.2f}",
                str(qty),
            ]
        )
        for group, option, price in rng.sample(OPTIONS[category], k=rng.choice((0, 0, 1, 1, 2))):
            day_options.append([order_id, line_id, group, option, price, "1"])
        if rng.random() < (0.3 if loyal else 0.08):
            group, option, price = rng.choice(DISCOUNTS)
            day_options.append([order_id, line_id, group, option, price, "1"])


def _excel(card: str) -> str:
    """A 12-digit prefix shown as Excel does: '678037123456' -> '6.78037E+11'."""
    text = f"{int(card[:12]):.5E}"  # '6.78037E+11'
    mantissa, exponent = text.split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{exponent}"


def _defects(rng, start: date, days: int, restaurants, items, options) -> Defects:
    """One of each defect, on the middle day (and the malformed line on the last day)."""
    d = (start + timedelta(days=days // 2)).isoformat()
    day = date.fromisoformat(d)
    moment = datetime(day.year, day.month, day.day, 15, tzinfo=timezone.utc)
    rows = items[d]
    order_id, line_id = _oid(rng, moment), _oid(rng, moment)
    # A single-line order in Canadian dollars (out of scope) with an option: both quarantined.
    rows.append(
        [
            "Alltown Fresh",
            restaurants[0],
            _stamp(rng, moment),
            order_id,
            "GUEST",
            "NONE",
            "FALSE",
            "CAD",
            line_id,
            "Pizza",
            "Cheese Pizza",
            "6.49",
            "1",
        ]
    )
    options[d].append([order_id, line_id, "Toppings", "Extra Cheese", "1.00", "1"])
    # A line item delivered twice (the second copy is superseded).
    rows.append(list(rows[0]))
    # A line timestamped in the next UTC day, in this day's file.
    late = list(rows[1])
    late[2] = (moment + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.5Z")
    late[8] = _oid(rng, moment)
    rows.append(late)
    # An unreadable price and a loyalty flag that is no boolean.
    bad = list(rows[2])
    bad[8], bad[11], bad[6] = _oid(rng, moment), "N/A", "maybe"
    rows.append(bad)
    # An exact duplicate option row (counts once) and an option of an unknown line.
    if options[d]:
        options[d].append(list(options[d][0]))
    options[d].append([_oid(rng, moment), _oid(rng, moment), "Condiments", "Ketchup", "0.00", "1"])
    # A malformed line (too few fields) on the last day.
    last = (start + timedelta(days=days - 1)).isoformat()
    items[last].append(["Alltown Fresh", restaurants[1], "broken line"])
    return {
        "currency_usd": 1,
        "superseded_line_items": 1,
        "creation_date_matches_folder": 1,
        "item_price_is_number": 1,
        "is_loyalty_is_boolean": 1,
        "duplicate_option_rows": 1 if options[d] else 0,
        "orphan_options": 2,  # the unknown line's and the CAD line's
        "malformed_lines": 1,
    }


def _date_dim(start: date, days: int) -> list[list[str]]:
    rows = []
    for k in range(days):
        day = start + timedelta(days=k)
        holiday = HOLIDAYS.get((day.month, day.day)) or ("Founders Day" if k == 3 else None)
        rows.append(
            [
                day.strftime("%d-%m-%Y"),
                day.year,
                day.month,
                day.isocalendar()[1],
                day.strftime("%A"),
                "TRUE" if day.weekday() >= 5 else "FALSE",
                "TRUE" if holiday else "FALSE",
                holiday,
            ]
        )
    return rows


def card_numbers(out: Path) -> set[str]:
    """Every card value the generator wrote into `out` (real and mangled numbers; no sentinels)."""
    found: set[str] = set()
    for path in Path(out).glob(f"{DOMAIN}/order_items/*/*.csv"):
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        header = [h.upper() for h in next(reader)]
        at = header.index("PRINTED_CARD_NUMBER")
        for row in reader:
            if len(row) > at and row[at].strip() and row[at].strip().upper() != "NONE":
                found.add(row[at].strip())
    return found
