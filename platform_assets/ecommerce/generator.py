"""Realistic, messy sample landing data for the ecommerce domain (spec: ecommerce.md, platform.md).

`generate(out, start, days)` writes products snapshots, orders and order items under `out/ecommerce/...`
shaped like the real lab data (data/external/ecommerce-lakehouse-apr2025): text ISO timestamps,
`Product_<id>_<Word>` names, department_id disagreeing with the department name, order_num 1-100 that is
not a key, Excel-style amounts, multi-sheet workbooks named by ISO date. It injects a small, counted set of
defects (duplicates, a re-delivery, rows breaking each silver rule, orphans, a malformed line, a late file,
an empty file) and returns a `Summary` so tests can reconcile bronze/silver/gold with what was delivered.

Deterministic: everything comes from one `random.Random(seed)`; the same arguments give the same bytes
and mtimes. No Dagster or Spark import.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, TypedDict

from platform_assets.core.samplefiles import GeneratedFiles, check_range, write_bytes, write_csv, write_xlsx
from platform_assets.ecommerce.sources import DOMAIN, ORDER_ITEMS, ORDERS, PRODUCTS

__all__ = ["generate", "RULES", "DEPARTMENTS"]

DEPARTMENTS = ("Books", "Clothing", "Electronics", "Home", "Sports", "Toys")

# Silver rule names, as counted in the summary's "bad_rows".
RULES = (
    "order_id_not_null",
    "id_not_null",
    "total_amount_non_negative",
    "reordered_in_0_1",
    "add_to_cart_order_positive",
    "product_exists",
)

_WORDS = (
    "Store",
    "There",
    "Hand",
    "Tv",
    "Able",
    "About",
    "Above",
    "Accept",
    "Across",
    "Action",
    "Address",
    "Adult",
    "Agency",
    "Agent",
    "Air",
    "Allow",
    "Always",
    "Amount",
    "Animal",
    "Answer",
    "Area",
    "Army",
    "Art",
    "Article",
    "Artist",
    "Attack",
    "Author",
    "Avoid",
    "Baby",
    "Bag",
    "Ball",
    "Bank",
    "Bar",
    "Base",
    "Beat",
    "Bed",
    "Best",
    "Bill",
    "Bit",
    "Black",
    "Blood",
    "Blue",
    "Board",
    "Body",
    "Book",
    "Born",
    "Box",
    "Boy",
    "Break",
    "Bring",
    "Brother",
    "Budget",
    "Build",
    "Business",
    "Buy",
    "Call",
    "Camera",
    "Campaign",
    "Card",
    "Care",
    "Career",
    "Carry",
    "Case",
    "Catch",
    "Cell",
    "Center",
    "Chair",
    "Chance",
    "Change",
    "Choice",
    "City",
    "Class",
    "Clear",
    "Close",
    "Coach",
    "Cold",
    "Color",
    "Common",
    "Cost",
    "Country",
    "Course",
    "Cover",
    "Cup",
    "Dark",
    "Data",
    "Deal",
    "Deep",
    "Degree",
    "Design",
    "Detail",
    "Dinner",
    "Door",
    "Dream",
    "Drive",
    "Early",
    "Earth",
    "East",
    "Edge",
    "Energy",
    "Enjoy",
    "Even",
    "Event",
    "Face",
    "Fact",
    "Family",
    "Field",
    "Figure",
    "Film",
    "Final",
    "Fine",
    "Fire",
    "Floor",
    "Fly",
    "Focus",
    "Force",
    "Forest",
    "Form",
    "Free",
    "Friend",
    "Front",
    "Game",
    "Garden",
    "Glass",
    "Gold",
    "Green",
    "Ground",
    "Group",
    "Guess",
    "Happy",
    "Heart",
    "Heavy",
    "High",
    "Home",
    "Hope",
    "Hot",
    "House",
    "Idea",
    "Image",
    "Island",
    "Job",
    "Kid",
    "Kitchen",
    "Land",
    "Large",
    "Late",
    "Leader",
    "Letter",
    "Light",
    "Line",
    "List",
    "Little",
    "Local",
    "Long",
    "Machine",
    "Magazine",
    "Main",
    "Market",
    "Media",
    "Memory",
    "Message",
    "Middle",
    "Minute",
    "Model",
    "Money",
    "Month",
    "Morning",
    "Mother",
    "Music",
    "Nature",
    "Network",
    "News",
    "Night",
    "North",
    "Note",
    "Ocean",
    "Office",
    "Open",
    "Paper",
    "Party",
    "Peace",
    "Phone",
    "Picture",
    "Piece",
    "Plan",
    "Plant",
    "Point",
    "Power",
    "Quality",
    "Radio",
    "Range",
    "Record",
    "Red",
    "Rest",
    "River",
    "Road",
    "Rock",
    "Room",
    "Round",
    "Rule",
    "Safe",
    "Scene",
    "School",
    "Sea",
    "Season",
    "Seat",
    "Shoulder",
    "Simple",
    "Sister",
    "Size",
    "Skill",
    "Small",
    "Smile",
    "Social",
    "Song",
    "Sound",
    "South",
    "Space",
    "Sport",
    "Spring",
    "Staff",
    "Stage",
    "Star",
    "State",
    "Step",
    "Stone",
    "Story",
    "Street",
    "Strong",
    "Style",
    "Summer",
    "System",
    "Table",
    "Task",
    "Teacher",
    "Team",
    "Theory",
    "Thing",
    "Today",
    "Top",
    "Town",
    "Travel",
    "Tree",
    "Truth",
    "Union",
    "Unit",
    "Value",
    "View",
    "Voice",
    "Wall",
    "Watch",
    "Water",
    "Wave",
    "West",
    "White",
    "Wind",
    "Window",
    "Winter",
    "Wood",
    "Word",
    "World",
    "Yard",
    "Year",
    "Young",
)

# Orders per day at scale 1.0 before the weekday factor and noise (Mon=0 .. Sun=6).
_BASE_ORDERS = 190
_WEEKDAY = (0.90, 0.88, 0.93, 0.97, 1.05, 1.20, 1.15)
# Hour-of-day weights of order timestamps (UTC): quiet nights, evening peak.
_HOURS = (2, 1.5, 1, 1, 1, 1.5, 2.5, 3.5, 4, 4.5, 5, 5.5, 6, 6, 5.5, 5.5, 6, 6.5, 7, 7.5, 7, 6, 4.5, 3)

# Defect rates (share of the planned volume); every defect occurs at least once over the range.
_RATE_BLANK_ORDER_ID = 0.0015
_RATE_NEGATIVE = 0.0015
_RATE_GHOST_ORDERS = 0.0015  # orders whose row never arrives: their items are orphans
_RATE_ITEM_RULE = 0.0005  # per item rule
_RATE_DUP_ORDERS = 0.001
_RATE_DUP_ITEMS = 0.001
_RATE_REDELIVERY = 0.04  # share of the re-delivered day's orders
_P_BOM_CRLF = 0.2

_CLEAN = ""  # tag of a row that is not a defect


@dataclass
class _Row:
    values: list[Any]
    tag: str = _CLEAN  # _CLEAN or the defect it carries (rule name, "orphan", "redelivered", ...)


@dataclass
class _Day:
    day: date
    orders: list[_Row] = field(default_factory=list)
    items: list[_Row] = field(default_factory=list)
    # Truth for reconciliation: valid order ids -> true total_amount; valid item count.
    valid_orders: dict[int, float] = field(default_factory=dict)
    valid_items: int = 0


@dataclass
class _Customer:
    user_id: int
    existing: bool  # already a customer before the generated range
    last_order: date | None = None
    bought: list[int] = field(default_factory=list)
    bought_set: set[int] = field(default_factory=set)


def _iso(d: date) -> str:
    return d.isoformat()


def _at(d: date, hours: int = 0, seconds: int = 0) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=timezone.utc) + timedelta(hours=hours, seconds=seconds)


def _excel_number(x: float) -> str:
    """How Excel exports a 2-decimal float: 229.5, 230, 131.93."""
    x = round(x, 2)
    if x == int(x):
        return str(int(x))
    return repr(x)


def _xlsx_number(x: float) -> int | float:
    x = round(x, 2)
    return int(x) if x == int(x) else x


def _planned_orders(rng: random.Random, d: date, scale: float) -> int:
    noise = rng.uniform(0.92, 1.08)
    return max(1, round(_BASE_ORDERS * scale * _WEEKDAY[d.weekday()] * noise))


def _spread(rng: random.Random, n: int, choices: list[date]) -> dict[date, int]:
    """Place n occurrences on days drawn from `choices` -> {day: count}."""
    out: dict[date, int] = {}
    for _ in range(n):
        d = rng.choice(choices)
        out[d] = out.get(d, 0) + 1
    return out


def _at_least_one(rate: float, volume: int) -> int:
    return max(1, round(rate * volume))


class DefectFiles(TypedDict):
    """Landing keys of the delivery-level defects."""

    redeliveries: list[str]  # `orders_redelivery.csv`: a day's orders again, amounts corrected
    malformed_rows: list[str]  # files with a line of the wrong width
    late_files: list[str]  # order_items files landing a day late
    empty_files: list[str]  # zero-byte files
    bom_crlf_files: list[str]  # files with a BOM and CRLF line ends
    xlsx_files: list[str]  # multi-sheet workbooks (one sheet per ISO date)


class ProductsDelivered(TypedDict):
    snapshots: list[str]  # the dates of the products snapshots
    initial: int
    renamed: int
    moved: int  # to another department
    new: int


class DayTruth(TypedDict):
    orders: int
    order_items: int
    revenue: float  # sum of the winning total_amount of the day's orders


class ExpectedSilver(TypedDict):
    """What a correct silver layer holds: the latest amount per order_id, orphans kept."""

    products: int
    orders: int
    order_items: int
    quarantine: dict[str, int]  # by table: orders, order_items
    daily: dict[str, DayTruth]  # by date


class Summary(GeneratedFiles):
    """What `generate` delivered (all counts physical rows/files as delivered: duplicates, re-delivered and
    malformed rows included) and what a correct pipeline makes of it."""

    rows: dict[str, int]  # data rows of every file (header excluded), by source
    duplicates: int  # extra exact copies inside a file
    redeliveries: int  # order rows repeated in the later `orders_redelivery.csv`
    bad_rows: dict[str, int]  # by silver rule; each bad row breaks exactly one rule
    orphan_items: int
    malformed_rows: int
    empty_files: int
    late_files: int
    blank_days_since_prior_order: int
    bom_crlf_files: int
    defect_files: DefectFiles
    products: ProductsDelivered
    expected_silver: ExpectedSilver


ITEM_RULES = ("id_not_null", "reordered_in_0_1", "add_to_cart_order_positive", "product_exists")


@dataclass
class _Catalog:
    """The products of the two snapshots (the second `mid` days in: renames, moves, new products)."""

    products: dict[int, list[Any]]  # product_id -> [product_id, department_id, department, name]
    price: dict[int, float]
    popularity: dict[int, float]
    snapshot1: list[list[Any]]
    snapshot2: list[list[Any]]
    snap2_day: date | None
    new_ids: list[int]
    renamed: int
    moved: int
    added: int
    base_ids: list[int]

    def weights(self, ids: list[int]) -> tuple[list[int], list[float]]:
        """`ids` and their cumulative popularity (what an order's products are drawn by)."""
        out, acc = [], 0.0
        for pid in ids:
            acc += self.popularity[pid]
            out.append(acc)
        return ids, out


@dataclass
class _Plan:
    """How many orders each day, and on which days each defect falls."""

    planned: dict[date, int]
    blank_order: dict[date, int]
    negative: dict[date, int]
    ghost: dict[date, int]
    items: dict[str, dict[date, int]]


@dataclass
class _Deliveries:
    """The delivery-level defects of the CSV days and how each day's files are written."""

    order_fmt: dict[date, str] = field(default_factory=dict)
    bom: dict[tuple[date, str], bool] = field(default_factory=dict)
    redelivery_day: date | None = None
    late_day: date | None = None
    empty_day: date | None = None
    malformed_day: date | None = None
    redelivered: list[_Row] = field(default_factory=list)
    duplicates: int = 0
    malformed: int = 0


def generate(out: Path, start: date, days: int, *, seed: int = 7, scale: float = 1.0) -> Summary:
    """Write ecommerce landing files for `days` days from `start` under `out/ecommerce/`.

    Layout: products snapshots `products/<start>/products.csv` and `products/<mid>/products.csv` (mid =
    start + days//2, when days >= 2); per day `orders/<D>/orders.csv` and `order_items/<D>/order_items.csv`,
    except the last min(3, days//2) days, delivered as `orders.xlsx` / `order_items.xlsx` (one sheet per
    ISO date) in the last day's folder. A day's files get mtime D+1 01:00 UTC plus a few minutes
    (products 00:30), the re-delivery 4-9 hours later, the late file D+2 06:00.
    """
    check_range(days, scale)
    out = Path(out)
    # One random stream, drawn in this order (products, customers, plan, days, delivery defects, file
    # times): same seed, same bytes.
    rng = random.Random(seed)
    dates = [start + timedelta(days=i) for i in range(days)]
    n_xlsx = min(3, days // 2)
    csv_days, xlsx_days = dates[: days - n_xlsx], dates[days - n_xlsx :]
    catalog = _products(rng, dates, scale)
    customers, cum_user = _customers(rng, scale, catalog.base_ids)
    plan = _plan(rng, dates, scale)
    day_data = _orders_and_items(rng, dates, catalog, customers, cum_user, plan)
    by_day = {dd.day: dd for dd in day_data}
    deliveries = _delivery_defects(rng, csv_days, by_day)
    files = _write(out, rng, start, csv_days, xlsx_days, catalog, by_day, deliveries)
    return _summary(start, dates, seed, scale, catalog, day_data, deliveries, files)


def _products(rng: random.Random, dates: list[date], scale: float) -> _Catalog:
    n_products = max(12, round(200 * scale))
    products: dict[int, list[Any]] = {}
    price: dict[int, float] = {}
    popularity: dict[int, float] = {}

    def new_product(pid: int) -> list[Any]:
        price[pid] = round(rng.uniform(3.0, 80.0), 2)
        popularity[pid] = rng.lognormvariate(0.0, 0.8)
        return [pid, rng.randint(1, 6), rng.choice(DEPARTMENTS), f"Product_{pid}_{rng.choice(_WORDS)}"]

    for pid in range(1, n_products + 1):
        products[pid] = new_product(pid)
    snapshot1 = [list(products[pid]) for pid in sorted(products)]

    days = len(dates)
    snap2_day = dates[days // 2] if days >= 2 else None
    renamed = moved = added = 0
    snapshot2: list[list[Any]] = []
    new_ids: list[int] = []
    if snap2_day is not None:
        ids = sorted(products)
        k = max(1, round(0.02 * n_products))
        for pid in rng.sample(ids, k):
            old = products[pid][3]
            while products[pid][3] == old:
                products[pid][3] = f"Product_{pid}_{rng.choice(_WORDS)}"
            renamed += 1
        for pid in rng.sample(ids, k):
            dept = products[pid][2]
            products[pid][2] = rng.choice([d for d in DEPARTMENTS if d != dept])
            products[pid][1] = rng.randint(1, 6)
            moved += 1
        added = max(1, round(0.025 * n_products))
        for pid in range(n_products + 1, n_products + added + 1):
            products[pid] = new_product(pid)
            new_ids.append(pid)
        snapshot2 = [list(products[pid]) for pid in sorted(products)]
    base_ids = list(range(1, n_products + 1))
    return _Catalog(
        products, price, popularity, snapshot1, snapshot2, snap2_day, new_ids, renamed, moved, added, base_ids
    )


def _customers(rng: random.Random, scale: float, base_ids: list[int]) -> tuple[list[_Customer], list[float]]:
    """The customers (half of them bought before the range) and their cumulative order weights (the first
    5% order eight times as often)."""
    n_users = max(50, round(1800 * scale))
    id_space = max(8999, 3 * n_users)
    user_ids = rng.sample(range(1001, 1001 + id_space), n_users)
    customers = [_Customer(uid, existing=rng.random() < 0.5) for uid in user_ids]
    n_heavy = max(1, round(0.05 * n_users))
    cum_user: list[float] = []
    acc = 0.0
    for i in range(n_users):
        acc += 8.0 if i < n_heavy else 1.0
        cum_user.append(acc)
    for c in customers:
        if c.existing:
            for pid in rng.sample(base_ids, rng.randint(2, 8)):
                c.bought.append(pid)
                c.bought_set.add(pid)
    return customers, cum_user


def _plan(rng: random.Random, dates: list[date], scale: float) -> _Plan:
    planned = {d: _planned_orders(rng, d, scale) for d in dates}
    total = sum(planned.values())
    blank_order = _spread(rng, _at_least_one(_RATE_BLANK_ORDER_ID, total), dates)
    negative = _spread(rng, _at_least_one(_RATE_NEGATIVE, total), dates)
    ghost = _spread(rng, _at_least_one(_RATE_GHOST_ORDERS, total), dates)
    items = {rule: _spread(rng, _at_least_one(_RATE_ITEM_RULE, total * 5), dates) for rule in ITEM_RULES}
    return _Plan(planned, blank_order, negative, ghost, items)


def _orders_and_items(
    rng: random.Random,
    dates: list[date],
    catalog: _Catalog,
    customers: list[_Customer],
    cum_user: list[float],
    plan: _Plan,
) -> list[_Day]:
    """Each day's orders and items: repeat customers re-buy, ghost orders leave orphan items, and the
    planned rows break one silver rule each."""
    catalog_before = catalog.weights(catalog.base_ids)
    catalog_after = catalog.weights(catalog.base_ids + catalog.new_ids)
    max_product_id = max(catalog.products)
    cum_hours: list[float] = []
    a = 0.0
    for w in _HOURS:
        a += w
        cum_hours.append(a)
    next_order_id = 10000
    next_item_id = 1
    day_data: list[_Day] = []
    for d in dates:
        dd = _Day(d)
        snap2_day = catalog.snap2_day
        pids, cum_p = catalog_after if (snap2_day is not None and d >= snap2_day) else catalog_before
        kinds = (
            ["normal"] * plan.planned[d]
            + ["negative"] * plan.negative.get(d, 0)
            + ["ghost"] * plan.ghost.get(d, 0)
        )
        rng.shuffle(kinds)

        def timestamp() -> str:
            h = rng.choices(range(24), cum_weights=cum_hours)[0]
            return f"{_iso(d)}T{h:02d}:{rng.randint(0, 59):02d}:00"

        for kind in kinds:
            oid = next_order_id
            next_order_id += 1
            c = rng.choices(customers, cum_weights=cum_user)[0]
            ts = timestamp()
            order_num = rng.randint(1, 100)
            if kind == "negative":
                amount = -round(rng.uniform(5.0, 150.0), 2)
                dd.orders.append(
                    _Row([order_num, oid, c.user_id, ts, amount, _iso(d)], "total_amount_non_negative")
                )
                continue
            repeat = c.last_order is not None or c.existing
            if c.last_order is not None:
                since: int | None = min(30, (d - c.last_order).days)
            elif c.existing:
                since = rng.randint(0, 30)
            else:
                since = None
            n_items = rng.randint(1, 3) if kind == "ghost" else rng.randint(1, 9)
            chosen: list[int] = []
            for _ in range(n_items):
                if repeat and c.bought and rng.random() < 0.45:
                    chosen.append(rng.choice(c.bought))
                else:
                    chosen.append(rng.choices(pids, cum_weights=cum_p)[0])
            for pos, pid in enumerate(chosen, start=1):
                reordered = 1 if pid in c.bought_set else (1 if repeat and rng.random() < 0.2 else 0)
                row = [next_item_id, oid, c.user_id, since, pid, pos, reordered, ts, _iso(d)]
                next_item_id += 1
                dd.items.append(_Row(row, "orphan" if kind == "ghost" else _CLEAN))
            if kind == "ghost":
                continue  # the order row is lost; its items are orphans
            subtotal = sum(catalog.price[p] for p in chosen)
            amount = round(subtotal * rng.uniform(0.9, 1.0) + (0.0 if subtotal >= 50 else 4.99), 2)
            dd.orders.append(_Row([order_num, oid, c.user_id, ts, amount, _iso(d)]))
            dd.valid_orders[oid] = amount
            c.last_order = d
            for pid in chosen:
                if pid not in c.bought_set:
                    c.bought_set.add(pid)
                    c.bought.append(pid)

        for _ in range(plan.blank_order.get(d, 0)):
            c = rng.choices(customers, cum_weights=cum_user)[0]
            row = [
                rng.randint(1, 100),
                None,
                c.user_id,
                timestamp(),
                round(rng.uniform(20.0, 300.0), 2),
                _iso(d),
            ]
            dd.orders.insert(rng.randint(0, len(dd.orders)), _Row(row, "order_id_not_null"))

        for rule in ITEM_RULES:
            k = plan.items[rule].get(d, 0)
            clean = [i for i, r in enumerate(dd.items) if r.tag == _CLEAN]
            for i in rng.sample(clean, min(k, len(clean))):
                r = dd.items[i]
                if rule == "id_not_null":
                    r.values[0] = None
                elif rule == "reordered_in_0_1":
                    r.values[6] = 2
                elif rule == "add_to_cart_order_positive":
                    r.values[5] = 0
                else:
                    r.values[4] = max_product_id + rng.randint(1000, 9000)
                r.tag = rule
        dd.valid_items = sum(1 for r in dd.items if r.tag in (_CLEAN, "orphan"))
        day_data.append(dd)
    return day_data


def _delivery_defects(rng: random.Random, csv_days: list[date], by_day: dict[date, _Day]) -> _Deliveries:
    """Per CSV day its files' format (BOM + CRLF, Excel-style amounts); a re-delivered day, exact
    duplicate rows, a malformed line, and the days of the late and the empty file."""
    out = _Deliveries()
    for d in csv_days:
        for src in (ORDERS.name, ORDER_ITEMS.name):
            out.bom[(d, src)] = rng.random() < _P_BOM_CRLF
    if csv_days and not any(out.bom.values()):
        out.bom[(rng.choice(csv_days), rng.choice((ORDERS.name, ORDER_ITEMS.name)))] = True
    for d in csv_days:
        # Windows/Excel exports (BOM + CRLF) write amounts the Excel way (229.5, 230); other exports
        # with 2 decimals or, about half of them, the Excel way too.
        out.order_fmt[d] = "excel" if out.bom[(d, ORDERS.name)] or rng.random() < 0.5 else "fixed"
    if not csv_days:
        return out
    picks = rng.sample(csv_days, min(4, len(csv_days)))
    while len(picks) < 4:
        picks.append(rng.choice(csv_days))
    out.redelivery_day, out.malformed_day, out.late_day, out.empty_day = picks

    # Re-delivery: the first file carries wrong amounts; the later file the corrected ones.
    dd = by_day[out.redelivery_day]
    clean = [i for i, r in enumerate(dd.orders) if r.tag == _CLEAN]
    k = min(len(clean), _at_least_one(_RATE_REDELIVERY, len(dd.orders)))
    for i in sorted(rng.sample(clean, k)):
        r = dd.orders[i]
        correct = r.values[4]
        r.values[4] = round(correct * rng.uniform(1.05, 1.3), 2)
        r.tag = "redelivered"
        fixed = list(r.values)
        fixed[4] = correct
        out.redelivered.append(_Row(fixed, "redelivered"))

    # Exact duplicate rows inside a file (right after the original, as a copy-paste would).
    total_csv_orders = sum(len(by_day[d].orders) for d in csv_days)
    total_csv_items = sum(len(by_day[d].items) for d in csv_days)
    for attr, rate, total in (
        ("orders", _RATE_DUP_ORDERS, total_csv_orders),
        ("items", _RATE_DUP_ITEMS, total_csv_items),
    ):
        cands = [
            (di, i)
            for di, d in enumerate(csv_days)
            for i, r in enumerate(getattr(by_day[d], attr))
            if r.tag == _CLEAN
        ]
        k = min(len(cands), _at_least_one(rate, total))
        for di, i in sorted(rng.sample(cands, k), reverse=True):
            rows = getattr(by_day[csv_days[di]], attr)
            rows.insert(i + 1, _Row(list(rows[i].values), "duplicate"))
            out.duplicates += 1

    # One malformed line (a field repeated: one field too many) in an order_items CSV.
    dd = by_day[out.malformed_day]
    clean = [i for i, r in enumerate(dd.items) if r.tag == _CLEAN]
    if clean:
        i = rng.choice(clean)
        v = dd.items[i].values
        dd.items.insert(i + 1, _Row(v[:5] + v[4:], "malformed"))
        out.malformed = 1
    return out


def _orders_csv_rows(rows: list[_Row], fmt: str) -> list[list[Any]]:
    out_rows = []
    for r in rows:
        v = list(r.values)
        if r.tag != "malformed":
            v[4] = _excel_number(v[4]) if fmt == "excel" else f"{v[4]:.2f}"
        out_rows.append(v)
    return out_rows


def _key(source: str, d: date, name: str) -> str:
    return f"{DOMAIN}/{source}/{_iso(d)}/{name}"


def _write(
    out: Path,
    rng: random.Random,
    start: date,
    csv_days: list[date],
    xlsx_days: list[date],
    catalog: _Catalog,
    by_day: dict[date, _Day],
    deliveries: _Deliveries,
) -> tuple[list[str], dict[str, int], DefectFiles]:
    """Write every file (their times drawn here); the keys written, data rows by source, defect files."""
    written: list[str] = []
    rows_written = {PRODUCTS.name: 0, ORDERS.name: 0, ORDER_ITEMS.name: 0}
    files: DefectFiles = {
        "redeliveries": [],
        "malformed_rows": [],
        "late_files": [],
        "empty_files": [],
        "bom_crlf_files": [],
        "xlsx_files": [],
    }
    k = _key(PRODUCTS.name, start, "products.csv")
    write_csv(out, k, PRODUCTS.columns, catalog.snapshot1, modified=_at(start, 24, 30 * 60))
    written.append(k)
    rows_written[PRODUCTS.name] += len(catalog.snapshot1)
    if catalog.snap2_day is not None:
        k = _key(PRODUCTS.name, catalog.snap2_day, "products.csv")
        write_csv(out, k, PRODUCTS.columns, catalog.snapshot2, modified=_at(catalog.snap2_day, 24, 30 * 60))
        written.append(k)
        rows_written[PRODUCTS.name] += len(catalog.snapshot2)

    for d in csv_days:
        dd = by_day[d]
        t_orders = _at(d, 25, rng.randint(0, 600))
        t_items = t_orders + timedelta(seconds=rng.randint(30, 900))
        is_bom = deliveries.bom[(d, ORDERS.name)]
        fmt = deliveries.order_fmt[d]
        k = _key(ORDERS.name, d, "orders.csv")
        write_csv(
            out,
            k,
            ORDERS.columns,
            _orders_csv_rows(dd.orders, fmt),
            modified=t_orders,
            bom=is_bom,
            crlf=is_bom,
        )
        written.append(k)
        rows_written[ORDERS.name] += len(dd.orders)
        if is_bom:
            files["bom_crlf_files"].append(k)
        if d == deliveries.redelivery_day:
            k = _key(ORDERS.name, d, "orders_redelivery.csv")
            t = t_orders + timedelta(hours=rng.randint(4, 8), seconds=rng.randint(0, 3599))
            rows = _orders_csv_rows(deliveries.redelivered, fmt)
            write_csv(out, k, ORDERS.columns, rows, modified=t, bom=is_bom, crlf=is_bom)
            written.append(k)
            rows_written[ORDERS.name] += len(deliveries.redelivered)
            files["redeliveries"].append(k)
            if is_bom:
                files["bom_crlf_files"].append(k)
        is_bom = deliveries.bom[(d, ORDER_ITEMS.name)]
        k = _key(ORDER_ITEMS.name, d, "order_items.csv")
        if d == deliveries.late_day:
            t_items = _at(d, 48 + 6, rng.randint(0, 600))
            files["late_files"].append(k)
        rows = [r.values for r in dd.items]
        write_csv(out, k, ORDER_ITEMS.columns, rows, modified=t_items, bom=is_bom, crlf=is_bom)
        written.append(k)
        rows_written[ORDER_ITEMS.name] += len(dd.items)
        if is_bom:
            files["bom_crlf_files"].append(k)
        if d == deliveries.malformed_day and deliveries.malformed:
            files["malformed_rows"].append(k)
        if d == deliveries.empty_day:
            k = _key(ORDER_ITEMS.name, d, "order_items_part2.csv")
            write_bytes(out, k, b"", modified=_at(d, 25, 1200 + rng.randint(0, 600)))
            written.append(k)
            files["empty_files"].append(k)

    if xlsx_days:
        last = xlsx_days[-1]
        t = _at(last, 25, rng.randint(0, 600))

        def order_cells(r: _Row) -> list[Any]:
            v = list(r.values)
            v[4] = _xlsx_number(v[4])
            return v

        k = _key(ORDERS.name, last, "orders.xlsx")
        write_xlsx(
            out,
            k,
            {_iso(d): (ORDERS.columns, [order_cells(r) for r in by_day[d].orders]) for d in xlsx_days},
            modified=t,
        )
        written.append(k)
        files["xlsx_files"].append(k)
        rows_written[ORDERS.name] += sum(len(by_day[d].orders) for d in xlsx_days)
        k = _key(ORDER_ITEMS.name, last, "order_items.xlsx")
        write_xlsx(
            out,
            k,
            {_iso(d): (ORDER_ITEMS.columns, [list(r.values) for r in by_day[d].items]) for d in xlsx_days},
            modified=t + timedelta(seconds=rng.randint(30, 900)),
        )
        written.append(k)
        files["xlsx_files"].append(k)
        rows_written[ORDER_ITEMS.name] += sum(len(by_day[d].items) for d in xlsx_days)
    return written, rows_written, files


def _summary(
    start: date,
    dates: list[date],
    seed: int,
    scale: float,
    catalog: _Catalog,
    day_data: list[_Day],
    deliveries: _Deliveries,
    files: tuple[list[str], dict[str, int], DefectFiles],
) -> Summary:
    written, rows_written, defect_files = files
    bad_rows = {rule: 0 for rule in RULES}
    orphans = blank_since = 0
    for dd in day_data:
        for r in dd.orders:
            if r.tag in bad_rows:
                bad_rows[r.tag] += 1
        for r in dd.items:
            if r.tag in bad_rows:
                bad_rows[r.tag] += 1
            elif r.tag == "orphan":
                orphans += 1
            if r.tag != "malformed" and r.values[3] is None:
                blank_since += 1

    # correct the truth of re-delivered orders (the later file wins)
    by_day = {dd.day: dd for dd in day_data}
    for r in deliveries.redelivered:
        by_day[deliveries.redelivery_day].valid_orders[r.values[1]] = r.values[4]
    daily: dict[str, DayTruth] = {
        _iso(dd.day): {
            "orders": len(dd.valid_orders),
            "order_items": dd.valid_items,
            "revenue": round(sum(dd.valid_orders.values()), 2),
        }
        for dd in day_data
    }
    quarantine_orders = bad_rows["order_id_not_null"] + bad_rows["total_amount_non_negative"]
    return {
        "domain": DOMAIN,
        "start": _iso(start),
        "end": _iso(dates[-1]),
        "days": len(dates),
        "seed": seed,
        "scale": scale,
        "files": sorted(written),
        "files_written": len(written),
        "rows": rows_written,
        "duplicates": deliveries.duplicates,
        "redeliveries": len(deliveries.redelivered),
        "bad_rows": bad_rows,
        "orphan_items": orphans,
        "malformed_rows": deliveries.malformed,
        "empty_files": len(defect_files["empty_files"]),
        "late_files": len(defect_files["late_files"]),
        "blank_days_since_prior_order": blank_since,
        "bom_crlf_files": len(defect_files["bom_crlf_files"]),
        "defect_files": defect_files,
        "products": {
            "snapshots": [_iso(start)] + ([_iso(catalog.snap2_day)] if catalog.snap2_day is not None else []),
            "initial": len(catalog.snapshot1),
            "renamed": catalog.renamed,
            "moved": catalog.moved,
            "new": catalog.added,
        },
        "expected_silver": {
            "products": len(catalog.products),
            "orders": sum(v["orders"] for v in daily.values()),
            "order_items": sum(v["order_items"] for v in daily.values()),
            "quarantine": {
                "orders": quarantine_orders,
                "order_items": sum(bad_rows[r] for r in ITEM_RULES),
            },
            "daily": daily,
        },
    }
