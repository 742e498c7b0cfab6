"""Bench (not a test): the restaurants gold marts over 1 million order lines.

    /tmp/probe-venv/bin/python bench/restaurants_marts.py [--lines 1000000] [--customers 100000] [--days 365]

1. Writes silver `order_lines` and `orders` directly (numpy -> Arrow -> delta-rs, partitioned by dt, the
   silver schema): `--lines` lines in orders of 1-4 lines over `--days` days at 50 restaurants, customers
   with Gamma-distributed order rates (20% guest orders), discounts on ~12% of lines. The landing generator
   is not used (it writes CSV row by row, minutes for a million lines).
2. Runs each mart as the Dagster asset would (`execute`: read silver, transform, pandera contract and key
   checks, Delta commit) in one warm local Spark session, and prints per mart the wall time and rows, then
   the peak resident memory of the Python driver and of the Spark JVM (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

START = date(2024, 1, 1)


def silver_tables(lines: int, customers: int, days: int, seed: int = 7) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    # Customers follow the BG/NBD story (so the CLV fit has something to fit): a first order on a random
    # day, then orders at Poisson rate lambda ~ Gamma until dropping out (p ~ Beta) after some order.
    lam = rng.gamma(0.8, 1 / 12, customers)
    purchases = rng.geometric(rng.beta(1.0, 6.0, customers))
    owner = np.repeat(np.arange(customers), purchases)
    gaps = rng.exponential(1 / np.maximum(lam[owner], 1e-6))
    first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    gaps[first] = rng.integers(0, days, customers)  # the first order's day
    t = np.cumsum(gaps)
    t -= np.repeat(t[first] - gaps[first], purchases)  # cumulative time within each customer
    kept = t < days
    user, day = owner[kept], t[kept].astype(np.int64)
    n_guest = len(user) // 4  # guests: 20% of all orders
    user = np.r_[user, np.zeros(n_guest, np.int64)]
    day = np.r_[day, rng.integers(0, days, n_guest)]
    guest = np.r_[np.zeros(len(user) - n_guest, bool), np.ones(n_guest, bool)]
    n_orders = len(user)
    sizes = np.maximum(1, np.round(rng.gamma(4.0, lines / n_orders / 4.0, n_orders))).astype(np.int64)
    order_of_line = np.repeat(np.arange(n_orders), sizes)
    if len(order_of_line) < lines:  # top up the last orders to exactly `lines` lines
        order_of_line = np.r_[order_of_line, rng.integers(0, n_orders, lines - len(order_of_line))]
    order_of_line = np.sort(order_of_line[:lines])
    present = np.unique(order_of_line)  # orders cut off by the line budget are dropped
    order_of_line = np.searchsorted(present, order_of_line)
    user, day, guest, n_orders = user[present], day[present], guest[present], len(present)
    seconds = rng.integers(6 * 3600, 23 * 3600, n_orders)
    restaurant = rng.integers(0, 50, n_orders)
    loyal_customer = rng.random(customers) < 0.35
    base = np.datetime64(START.isoformat(), "us")
    order_ts = base + (day.astype("int64") * 86_400 + seconds).astype("timedelta64[s]")
    dts = np.array([(START + timedelta(days=int(d))).isoformat() for d in range(days)])[day]
    user_ids = np.char.add("u", user.astype(str)).astype(object)
    user_ids[guest] = None

    o = order_of_line
    qty = rng.choice([1, 1, 1, 2, 3], lines)
    cents = (rng.gamma(3.0, 250.0, lines).astype(np.int64) + 199) * qty
    discount = np.where(rng.random(lines) < 0.12, rng.choice([100, 150, 200], lines), 0)
    extras = np.where(rng.random(lines) < 0.4, rng.choice([50, 100, 200], lines), 0)
    option = extras - discount
    money = pa.decimal128(18, 2)

    def dec(c: np.ndarray) -> pa.Array:
        """Integer cents as decimal(18,2): the unscaled 128-bit values are the cents themselves."""
        c = np.asarray(c, dtype=np.int64)
        words = np.empty((len(c), 2), dtype=np.int64)
        words[:, 0], words[:, 1] = c, np.where(c < 0, -1, 0)  # little-endian low word, sign-extended high
        return pa.Array.from_buffers(money, len(c), [None, pa.py_buffer(words.tobytes())])

    categories = np.array(
        [
            "Breakfast",
            "Burgers & Sandwiches",
            "BBQ Plates",
            "Pizza",
            "Beverages",
            "Salads",
            "Sides",
            "Desserts",
            "Coffee",
            "Kids",
        ]
    )
    loyal = loyal_customer[user] & ~guest
    order_lines = pa.table(
        {
            "lineitem_id": pa.array(np.char.add("l", np.arange(lines).astype(str))),
            "order_id": pa.array(np.char.add("o", o.astype(str))),
            "restaurant_id": pa.array(np.char.add("r", restaurant[o].astype(str))),
            "app_name": pa.array(np.full(lines, "Alltown Fresh")),
            "user_id": pa.array(user_ids[o], pa.string()),
            "card_token": pa.nulls(lines, pa.string()),
            "card_last4": pa.nulls(lines, pa.string()),
            "is_loyalty": pa.array(loyal[o]),
            "currency": pa.array(np.full(lines, "USD")),
            "order_ts": pa.array(order_ts[o]).cast(pa.timestamp("us", tz="UTC")),
            "item_category": pa.array(categories[rng.integers(0, 10, lines)]),
            "item_name": pa.array(np.full(lines, "Item")),
            "item_quantity": pa.array(qty.astype(np.int32)),
            "item_amount": dec(cents),
            "options": pa.array((extras > 0).astype(np.int32) + (discount > 0).astype(np.int32)),
            "option_amount": dec(option),
            "discount_amount": dec(discount),
            "net_amount": dec(cents + option),
            "_source_file": pa.array(np.full(lines, "bench.csv")),
            "_row": pa.array(np.arange(2, lines + 2, dtype=np.int64)),
            "_ingested_at": pa.array(order_ts[o]).cast(pa.timestamp("us", tz="UTC")),
            "dt": pa.array(dts[o]),
        }
    )
    gross = np.bincount(o, weights=cents + extras, minlength=n_orders).astype(np.int64)
    disc = np.bincount(o, weights=discount, minlength=n_orders).astype(np.int64)
    orders = pa.table(
        {
            "order_id": pa.array(np.char.add("o", np.arange(n_orders).astype(str))),
            "restaurant_id": pa.array(np.char.add("r", restaurant.astype(str))),
            "app_name": pa.array(np.full(n_orders, "Alltown Fresh")),
            "user_id": pa.array(user_ids, pa.string()),
            "is_loyalty": pa.array(loyal),
            "order_ts": pa.array(order_ts).cast(pa.timestamp("us", tz="UTC")),
            "lines": pa.array(np.bincount(o, minlength=n_orders).astype(np.int32)),
            "items": pa.array(np.bincount(o, weights=qty, minlength=n_orders).astype(np.int64)),
            "gross_amount": dec(gross),
            "discount_amount": dec(disc),
            "net_amount": dec(gross - disc),
            "is_discounted": pa.array(disc > 0),
            "dt": pa.array(dts),
        }
    )
    return order_lines, orders


def jvm_peak_kb() -> int | None:
    """VmHWM of the Spark JVM (a child of this process)."""
    me = str(os.getpid())
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == me and "java" in fields.get("Name", ""):
            return int(fields["VmHWM"].split()[0])
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--engine", choices=("sail", "local"), default="sail")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="omnilake-bench-restaurants-"))
    lake_root = str(home / "lake")

    from platform_assets.core.execution import CheckSpec, InputSpec, JobSpec, OutputSpec, execute
    from platform_assets.core.lake import Lake
    from platform_assets.core.spark import local_session, sail_session
    from platform_assets.restaurants.assets import MART_KEYS, MART_READS, contract, mart_checks
    from platform_assets.restaurants.marts import CLV_FIT, MARTS

    t = time.perf_counter()
    lines, orders = silver_tables(args.lines, args.customers, args.days)
    lake = Lake(lake_root)
    lake.write_arrow(lines, "silver/restaurants/order_lines", None, partitioned=True)
    lake.write_arrow(orders, "silver/restaurants/orders", None, partitioned=True)
    dim = pa.table(
        {
            "date": pa.array([START + timedelta(days=k) for k in range(0, args.days, 2)], pa.date32()),
            "year": pa.array([2024] * len(range(0, args.days, 2)), pa.int32()),
        }
    )
    dim = pa.table(
        {
            "date": dim["date"],
            "year": dim["year"],
            "month": pa.array([1] * dim.num_rows, pa.int32()),
            "week": pa.array([1] * dim.num_rows, pa.int32()),
            "day_of_week": pa.array(["x"] * dim.num_rows),
            "is_weekend": pa.array([False] * dim.num_rows),
            "is_holiday": pa.array([False] * dim.num_rows),
            "holiday_name": pa.nulls(dim.num_rows, pa.string()),
        }
    )
    lake.write_arrow(dim, "silver/restaurants/dim_date", None, partitioned=False)
    print(
        f"silver: {lines.num_rows} order lines, {orders.num_rows} orders over {args.days} days "
        f"written in {time.perf_counter() - t:.1f} s -> {home}"
    )

    spark = sail_session() if args.engine == "sail" else local_session()
    spark.range(1).count()  # warm the session before timing
    total = 0.0
    for mart in MARTS:
        spec = JobSpec(
            transform=f"platform_assets.restaurants.marts:{mart}",
            lake=lake_root,
            dts=None,
            inputs={k: InputSpec(r.table.path) for k, r in MART_READS[mart].items()},
            outputs={"gold": OutputSpec(f"gold/restaurants/{mart}", False, contract(mart))},
            # the asset's own checks (unique key; clv_fit on the LTV mart), as the Dagster asset runs them
            checks=[
                CheckSpec(c.name, c.output, c.fn, c.severity, c.blocking, c.description, dict(c.params))
                for c in mart_checks(mart)
            ],
        )
        t = time.perf_counter()
        result = execute(spark, spec, log=lambda _: None)
        elapsed = time.perf_counter() - t
        total += elapsed
        failed = [c.name for c in result.checks if not c.passed]
        rows = result.outputs["gold"].rows if "gold" in result.outputs else None
        extra = ""
        if mart == "mart_customer_ltv":
            fit = spec.params.get(CLV_FIT, {})
            extra = f" clv_fit={fit.get('status')} {fit.get('reason', '')} bgnbd={fit.get('bgnbd')} gg={fit.get('gamma_gamma')}"
        print(
            f"{mart:32s} {elapsed:7.1f} s  rows={rows}  failed_checks={failed}{extra}  key={MART_KEYS[mart]}"
        )
    py_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    jvm = jvm_peak_kb() if args.engine == "local" else None
    print(
        f"all marts on {args.engine}: {total:.1f} s wall; peak RSS python driver {py_peak / 1024:.0f} MiB, "
        f"Spark JVM {('%.0f MiB' % (jvm / 1024)) if jvm else 'n/a'}"
    )
    print(json.dumps({"engine": args.engine, "marts_s": total, "lines": lines.num_rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
