"""Bench (not a test): one new ingestion date against a large history, incremental vs full recomputation.

    .venv/bin/python bench/purchases_incremental.py [--history 1000000] [--per-day 10000] [--customers 200000]

1. Writes `history / per-day` days of clean purchases (AUD, USD, EUR; customers drawn from a pool) and the fx
   rates, vectorised with numpy/pyarrow so that writing 1M rows takes seconds, and ingests them in ONE
   Dagster run of `purchases_job` (bronze, silver, the summary's first full build, the warehouse).
2. Lands one new day of `per-day` purchases and runs `purchases_job` for that day: the summary step is
   incremental (only the customers of that day are recomputed and merged with delta-rs).
3. In the same warm Spark session, alternately (`--repeats` times): the summary step in incremental mode
   from a copy of the summary as it was before the new day, and the full recomputation from all of silver
   (the same transform in full mode) into a scratch table; both must equal the maintained summary. Prints
   the medians (the machine may be shared), the Dagster step and run times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
START = date(2025, 1, 1)
CURRENCIES = np.array(["AUD", "USD", "EUR"])
RATES = {"USD": 1.52, "EUR": 1.65}


def write_day(
    landing: Path, day: date, n: int, first_pid: int, customers: int, rng: np.random.Generator
) -> None:
    cust = rng.integers(1, customers + 1, n)
    table = pa.table(
        {
            "customer_id": pa.array(cust.astype(str)),
            "first_name": pa.array(np.char.add("First", (cust % 997).astype(str))),
            "last_name": pa.array(np.char.add("Last", (cust % 991).astype(str))),
            "email": pa.array(np.char.add(np.char.add("c", cust.astype(str)), "@example.com")),
            "purchase_id": pa.array(np.arange(first_pid, first_pid + n).astype(str)),
            "purchase_date": pa.array(
                [(day - timedelta(days=int(k))).isoformat() for k in rng.integers(0, 3, n)]
            ),
            "amount": pa.array(np.char.mod("%.2f", np.round(rng.lognormal(4.0, 0.9, n), 2) + 0.01)),
            "currency": pa.array(CURRENCIES[cust % 3]),
        }
    )
    path = landing / "purchases/purchases" / day.isoformat() / "purchases.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    stamp = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc).timestamp() + 20 * 3600
    os.utime(path, (stamp, stamp))


def write_rates(landing: Path, first: date, last: date) -> None:
    path = landing / "purchases/fx_rates" / first.isoformat() / "fx_rates.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["date,currency,aud_per_unit"]
    d = first - timedelta(days=7)
    while d <= last:
        lines += [f"{d.isoformat()},{c},{r + (d.toordinal() % 17) / 1000:.4f}" for c, r in RATES.items()]
        d += timedelta(days=1)
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=1_000_000, help="purchases already in the lake")
    parser.add_argument("--per-day", type=int, default=10_000, help="purchases per ingestion date")
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--home", type=Path, default=None, help="default: a new temporary directory")
    parser.add_argument("--repeats", type=int, default=3, help="paired incremental/full measurements")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="omnilake-bench-purchases-"))
    os.environ["OMNILAKE_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    os.environ["OMNILAKE_START_DATE"] = START.isoformat()
    (home / "dagster").mkdir(parents=True, exist_ok=True)

    import dagster as dg

    from platform_assets.core.execution import InputSpec, JobSpec, OutputSpec, execute
    from platform_assets.core.lake import Lake
    from platform_assets.core.spark import local_session
    from platform_assets.definitions import build_definitions
    from resources.lake import LakeResource
    from resources.object_store import ObjectStoreResource
    from resources.spark import spark_engine
    from resources.warehouse import WarehouseResource

    days = max(1, args.history // args.per_day)
    history_days = [START + timedelta(days=i) for i in range(days)]
    new_day = history_days[-1] + timedelta(days=1)
    landing = home / "landing"
    rng = np.random.default_rng(42)
    started = time.perf_counter()
    write_rates(landing, START, new_day)
    for i, d in enumerate(history_days):
        write_day(landing, d, args.per_day, 1 + i * args.per_day, args.customers, rng)
    print(f"wrote {days} days x {args.per_day} purchases in {time.perf_counter() - started:.1f} s -> {home}")

    defs = build_definitions(
        {
            "spark": spark_engine("sail"),
            "lake": LakeResource(root=str(home / "lake")),
            "landing": ObjectStoreResource(root=str(landing)),
            "warehouse": WarehouseResource(url=f"sqlite:///{home / 'warehouse.db'}"),
        }
    )
    instance = dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def("purchases_job")

    def run(first: date, last: date):
        t = time.perf_counter()
        result = job.execute_in_process(
            instance=instance,
            tags={RANGE_START: first.isoformat(), RANGE_END: last.isoformat()},
            raise_on_error=False,
        )
        wall = time.perf_counter() - t
        if not result.success:
            raise SystemExit([e.event_specific_data.error.message for e in result.get_step_failure_events()])
        steps = {
            e.step_key: e.event_specific_data.duration_ms / 1000
            for e in result.all_events
            if e.event_type_value == "STEP_SUCCESS"
        }
        facts = {}
        for e in result.all_events:
            if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key.path[0] == "gold":
                facts = {
                    k: getattr(v, "value", v)
                    for k, v in e.event_specific_data.materialization.metadata.items()
                    if k
                    in ("mode", "customers_recomputed", "rows_updated", "rows_inserted", "dagster/row_count")
                }
        return wall, steps, facts

    wall_history, steps_history, facts_history = run(history_days[0], history_days[-1])
    print(
        f"history run ({days} days, one run): {wall_history:.1f} s; steps {json.dumps(steps_history)}; gold {facts_history}"
    )
    lake = Lake(str(home / "lake"))
    gold = "gold/purchases/customer_purchase_summary"
    # The summary as of the history (its watermark included): each incremental measurement starts from it.
    snapshot = home / "bench-gold-before-new-day"
    shutil.copytree(lake.uri(gold), snapshot)

    write_day(landing, new_day, args.per_day, 1 + days * args.per_day, args.customers, rng)
    wall_new, steps_new, facts_new = run(new_day, new_day)
    print(f"new day run: {wall_new:.1f} s; steps {json.dumps(steps_new)}; gold {facts_new}")

    def summary_job(target: str, full: bool) -> JobSpec:
        return JobSpec(
            transform="platform_assets.purchases.transforms:customer_purchase_summary",
            lake=str(home / "lake"),
            dts=None,
            inputs={"purchases": InputSpec("silver/purchases/purchases")},
            outputs={
                "gold": OutputSpec(
                    target,
                    False,
                    "platform_assets.purchases.checks:CustomerPurchaseSummary",
                    "merge",
                    ["customer_id"],
                )
            },
            params={"silver": "silver/purchases/purchases", "gold": target, "full_refresh": full},
        )

    # Paired measurements in the same warm session (the machine is shared: alternate, take medians).
    incremental_times, full_times, same = [], [], True
    expected = lake.read_arrow(gold).sort_by("customer_id")
    for _ in range(args.repeats):
        target = "gold/purchases/bench_incremental"
        shutil.rmtree(lake.uri(target), ignore_errors=True)
        shutil.copytree(snapshot, lake.uri(target))
        t = time.perf_counter()
        result = execute(local_session(), summary_job(target, False), log=lambda _: None)
        incremental_times.append(time.perf_counter() - t)
        assert result.facts["gold"]["mode"] == "incremental", result.facts
        t = time.perf_counter()
        execute(local_session(), summary_job("gold/purchases/bench_full", True), log=lambda _: None)
        full_times.append(time.perf_counter() - t)
        for table in ("gold/purchases/bench_incremental", "gold/purchases/bench_full"):
            same &= lake.read_arrow(table).sort_by("customer_id").cast(expected.schema).equals(expected)
    silver_rows = lake.read_arrow("silver/purchases/purchases", columns=["purchase_id"]).num_rows
    print(
        f"\nhistory {silver_rows - args.per_day:,} purchases + 1 new day of {args.per_day:,} "
        f"({facts_new.get('customers_recomputed')} customers recomputed of {expected.num_rows:,}):\n"
        f"  summary, incremental (merge of the new day's customers): median {statistics.median(incremental_times):.1f} s "
        f"{[round(x, 1) for x in incremental_times]}\n"
        f"  summary, full recomputation from all of silver:           median {statistics.median(full_times):.1f} s "
        f"{[round(x, 1) for x in full_times]}\n"
        f"  the summary step inside the new day's Dagster run:         {steps_new['gold_purchases_customer_purchase_summary']:.1f} s\n"
        f"  whole run for the new day (bronze, silver, summary, warehouse): {wall_new:.1f} s\n"
        f"  whole history run from scratch ({days} days in one run): {wall_history:.1f} s\n"
        f"  incremental and full results equal the maintained summary: {same}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
