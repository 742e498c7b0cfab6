"""Bench (not a test): the ad_attribution gold join (order_attribution + campaign_roas) at scale, in Spark
(the platform's own transform and local session) and, as a reference, the same query in DuckDB on the same
Parquet files; both in one run, each engine in its own process so wall time and peak memory are its own.

    .venv/bin/python bench/ad_attribution_join.py [--events 10000000] [--orders 1000000] [--keep DIR]

Data: generated directly with numpy into silver-shaped Parquet (event_ts/order_ts timestamps, cost
decimal(18,6), amount decimal(18,2), one file per day), not with `omnilake generate --scale`: the landing
generator writes JSON/CSV through Python at about 40k events a second (10M events: 4+ minutes, then the
files would still have to go through bronze/silver on the driver), and the bench is about the join. Shape:
`--events` ad events over 14 days (CPM costs, ~2 % clicks, a skewed user activity), `--orders` orders over
the last 7 days so every order day has its full 7-day window; about half of the orders follow an event of
the same user by minutes to days, the rest are organic. Seeded: the same arguments give the same data.

Measured per engine: wall time of the query (read Parquet -> both gold tables written as Parquet), engine
start-up separately, peak RSS of the engine's Python process and, for Spark, of the JVM (VmHWM in
/proc/<pid>/status; DuckDB runs inside the Python process). Both outputs are then compared (attributed orders, touch types, revenue,
and the exact (order_id, touch_event_id) pairs) so the two numbers are for the same answer.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAYS = 14
ENGINES = ("sail", "spark", "duckdb")  # spark: classic Spark local[2]; duckdb: the single-node reference
ORDER_DAYS = 7
START = "2025-03-01"


# ------------------------------------------------------------------ data


def _decimal(unscaled, precision: int, scale: int):
    """A pyarrow decimal128 array from int64 unscaled values (no Python objects)."""
    import numpy as np
    import pyarrow as pa

    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = np.where(unscaled < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(unscaled), [None, pa.py_buffer(words)])


def _labels(codes, names: list[str]):
    """A string array of names[codes] built through a dictionary (no 10M Python or numpy strings)."""
    import numpy as np
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(names)).cast(pa.string())


def _ids(prefix: str, numbers):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


def generate(data: Path, n_events: int, n_orders: int, seed: int = 11) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    day_us = 86_400 * 1_000_000
    t0 = int(np.datetime64(f"{START}T00:00:00", "us").astype(np.int64))
    n_users = max(1000, n_events // 20)
    activity = rng.lognormal(0.0, 1.0, n_users)
    activity /= activity.sum()
    users = rng.choice(n_users, size=n_events, p=activity)
    hours = np.array(
        [2, 1.5, 1, 1, 1, 1.5, 2.5, 3.5, 4, 4.5, 5, 5.5, 6, 6, 5.5, 5.5, 6, 6.5, 7, 7.5, 7, 6, 4.5, 3]
    )
    day = rng.integers(0, DAYS, n_events)
    hour = rng.choice(24, size=n_events, p=hours / hours.sum())
    ts = t0 + day * day_us + hour * 3_600_000_000 + rng.integers(0, 3_600_000_000, n_events)
    n_campaigns = 12
    campaign = rng.integers(0, n_campaigns, n_events)
    channel_of = np.array([0] * 5 + [1] * 4 + [2] * 3)
    is_click = rng.random(n_events) < 0.02
    cpm_micros = rng.integers(3_000, 14_000, n_events)  # USD 3-14 per 1,000 impressions, in micro-USD each
    cost = np.where(is_click, 0, cpm_micros)
    order = np.argsort(ts, kind="stable")
    events = {
        "event_id": _ids("evt_", np.arange(n_events)),
        "user_id": _ids("u_", users[order]),
        "campaign_id": _ids("cmp_", 101 + campaign[order]),
        "channel": _labels(channel_of[campaign[order]], ["meta", "google", "tiktok"]),
        "event_type": _labels(is_click[order].astype(np.int32), ["impression", "click"]),
        "event_ts": pa.array(ts[order].astype("datetime64[us]")).cast(pa.timestamp("us", tz="UTC")),
        "cost": _decimal(cost[order], 18, 6),
    }
    day_names = [str(np.datetime64(START) + i) for i in range(DAYS)]
    table = pa.table(events).append_column("dt", _labels(day[order], day_names))
    _write_days(table, data / "events", pq)

    # Orders: about half follow an event of the same user (minutes to days later), the rest organic.
    first_order_day = t0 + (DAYS - ORDER_DAYS) * day_us
    end = t0 + DAYS * day_us
    follow = rng.integers(0, n_events, n_orders * 2)
    lag = (rng.exponential(8.0, follow.size) * 3_600_000_000).astype(np.int64)
    o_ts = ts[follow] + lag
    o_user = users[follow]
    keep = (o_ts >= first_order_day) & (o_ts < end)
    o_ts, o_user = o_ts[keep][: n_orders // 2], o_user[keep][: n_orders // 2]
    organic = n_orders - o_ts.size
    o_ts = np.concatenate([o_ts, rng.integers(first_order_day, end, organic)])
    o_user = np.concatenate([o_user, rng.integers(0, n_users * 2, organic)])
    amount_cents = np.round(rng.lognormal(3.8, 0.7, n_orders) * 100).astype(np.int64)
    order = np.argsort(o_ts, kind="stable")
    orders = pa.table(
        {
            "order_id": _ids("ord_", np.arange(n_orders)),
            "user_id": _ids("u_", o_user[order]),
            "order_ts": pa.array(o_ts[order].astype("datetime64[us]")).cast(pa.timestamp("us", tz="UTC")),
            "sku": _ids("sku_", rng.integers(100, 160, n_orders)),
            "amount": _decimal(amount_cents[order], 18, 2),
            "currency": _labels(np.zeros(n_orders, dtype=np.int32), ["USD"]),
            "dt": _labels((o_ts[order] - t0) // day_us, day_names),
        }
    )
    _write_days(orders, data / "orders", pq)
    order_days = sorted(set(orders.column("dt").to_pylist()))
    return {"events": table.num_rows, "orders": orders.num_rows, "users": n_users, "order_days": order_days}


def _write_days(table, folder: Path, pq) -> None:
    import pyarrow.compute as pc

    folder.mkdir(parents=True)
    for dt in sorted(set(table.column("dt").to_pylist())):
        pq.write_table(table.filter(pc.equal(table["dt"], dt)), folder / f"dt={dt}.parquet")


# ------------------------------------------------------------------ engines (each in a child process)


def _peak_rss_mib() -> float:
    # VmHWM of this process's own address space: getrusage's ru_maxrss would also count the parent's
    # memory at fork time (Linux carries the high-water mark across fork + exec).
    return _vm_hwm_mib(os.getpid())


def _vm_hwm_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_spark(data: Path, out: Path, order_days: list[str], engine: str = "spark") -> dict:
    """The platform's transform on `engine`: "spark" (classic, local[2]) or "sail" (embedded Sail)."""
    from pyspark.sql import functions as F

    from platform_assets.ad_attribution import transforms
    from platform_assets.core.spark import local_session, sail_session

    started = time.perf_counter()
    spark = sail_session() if engine == "sail" else local_session()
    spark.range(1).count()  # the session is up and answering
    # Bench only: the JVM's pid for its peak memory (transforms never touch the JVM).
    jvm_pid = (
        int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()) if engine == "spark" else None
    )
    startup = time.perf_counter() - started
    t = time.perf_counter()
    # The file list, not the folder: Sail reads a `dt=<day>.parquet` file name as a partition folder.
    events = spark.read.parquet(*sorted(str(p) for p in (data / "events").glob("*.parquet")))
    orders = spark.read.parquet(*sorted(str(p) for p in (data / "orders").glob("*.parquet")))
    attribution = transforms.attribute(orders, events)
    attribution.write.mode("overwrite").parquet(str(out / "order_attribution"))
    attribution = spark.read.parquet(str(out / "order_attribution"))  # what the next asset reads
    roas = transforms.roas(events.where(F.col("dt").isin(*order_days)), attribution)
    roas.write.mode("overwrite").parquet(str(out / "campaign_roas"))
    wall = time.perf_counter() - t
    facts = {
        "engine": engine,
        "startup_s": startup,
        "wall_s": wall,
        "python_peak_mib": _peak_rss_mib(),
        "spark_client": spark.version,
    }
    if jvm_pid is not None:
        facts["jvm_peak_mib"] = _vm_hwm_mib(jvm_pid)
        facts["conf"] = {
            k: spark.conf.get(k)
            for k in ("spark.master", "spark.driver.memory", "spark.sql.shuffle.partitions")
        }
        spark.stop()
    return facts


DUCKDB_SQL = """
CREATE OR REPLACE VIEW o AS SELECT * FROM read_parquet('{data}/orders/*.parquet');
CREATE OR REPLACE VIEW e AS SELECT * FROM read_parquet('{data}/events/*.parquet')
    WHERE event_type IN ('impression', 'click');
COPY (
    WITH candidates AS (
        SELECT o.order_id, o.dt, e.event_id, e.campaign_id, e.channel, e.event_type, e.event_ts,
               epoch_us(o.order_ts) - epoch_us(e.event_ts) AS lag_us
        FROM o JOIN e ON e.user_id = o.user_id
        WHERE epoch_us(o.order_ts) - epoch_us(e.event_ts) BETWEEN 0
              AND CASE WHEN e.event_type = 'click' THEN 604800000000 ELSE 86400000000 END
    ), best AS (
        SELECT * FROM candidates
        QUALIFY row_number() OVER (PARTITION BY order_id, dt
                                   ORDER BY event_type = 'click' DESC, event_ts DESC, event_id DESC) = 1
    )
    SELECT o.order_id, o.user_id, o.order_ts, o.amount, b.campaign_id, b.channel,
           b.event_id AS touch_event_id,
           CASE b.event_type WHEN 'click' THEN 'click' WHEN 'impression' THEN 'view' END AS touch_type,
           b.lag_us / 1e6 AS touch_lag_seconds, o.dt
    FROM o LEFT JOIN best b ON b.order_id = o.order_id AND b.dt = o.dt
) TO '{out}/order_attribution.parquet' (FORMAT parquet);
COPY (
    WITH a AS (SELECT * FROM read_parquet('{out}/order_attribution.parquet')),
    spend AS (
        SELECT dt, campaign_id, channel, count(*) FILTER (WHERE event_type = 'impression') AS impressions,
               count(*) FILTER (WHERE event_type = 'click') AS clicks, sum(cost) AS spend
        FROM e WHERE dt IN (SELECT DISTINCT dt FROM o) GROUP BY ALL
    ), credited AS (
        SELECT dt, campaign_id, channel, count(*) AS attributed_orders, sum(amount) AS attributed_revenue
        FROM a GROUP BY ALL
    ), campaigns AS (
        SELECT coalesce(s.dt, c.dt) AS dt, coalesce(s.campaign_id, c.campaign_id) AS campaign_id,
               coalesce(s.channel, c.channel) AS channel, coalesce(impressions, 0) AS impressions,
               coalesce(clicks, 0) AS clicks, coalesce(spend, 0) AS spend,
               coalesce(attributed_orders, 0) AS attributed_orders, coalesce(attributed_revenue, 0) AS attributed_revenue
        FROM spend s FULL JOIN (SELECT * FROM credited WHERE campaign_id IS NOT NULL) c
          ON s.dt = c.dt AND s.campaign_id = c.campaign_id AND s.channel = c.channel
        UNION ALL
        SELECT dt, NULL, NULL, 0, 0, 0, attributed_orders, attributed_revenue FROM credited WHERE campaign_id IS NULL
    )
    SELECT campaign_id, channel, impressions, clicks, spend::DECIMAL(18,6) AS spend, attributed_orders,
           attributed_revenue::DECIMAL(18,2) AS attributed_revenue,
           CASE WHEN spend > 0 THEN attributed_revenue::DOUBLE / spend::DOUBLE END AS roas,
           CASE WHEN attributed_orders > 0 THEN (spend / attributed_orders)::DECIMAL(18,6) END AS cpa, dt
    FROM campaigns
) TO '{out}/campaign_roas.parquet' (FORMAT parquet);
"""


def run_duckdb(data: Path, out: Path, order_days: list[str]) -> dict:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    startup = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    con.execute(DUCKDB_SQL.format(data=data, out=out))
    wall = time.perf_counter() - t
    return {
        "engine": "duckdb",
        "startup_s": startup,
        "wall_s": wall,
        "python_peak_mib": _peak_rss_mib(),
        "duckdb": duckdb.__version__,
        "threads": con.execute("select current_setting('threads')").fetchone()[0],
    }


def compare(spark_out: Path, duck_out: Path, name: str = "spark") -> dict:
    import duckdb

    con = duckdb.connect()
    summary = """SELECT count(*) AS orders, count(touch_event_id) AS attributed,
                        count(*) FILTER (WHERE touch_type = 'click') AS clicks,
                        count(*) FILTER (WHERE touch_type = 'view') AS views, sum(amount) AS revenue,
                        sum(amount) FILTER (WHERE touch_event_id IS NOT NULL) AS attributed_revenue
                 FROM read_parquet('{}')"""
    s = con.execute(summary.format(f"{spark_out}/order_attribution/*.parquet")).fetchone()
    d = con.execute(summary.format(f"{duck_out}/order_attribution.parquet")).fetchone()
    diff = con.execute(
        f"""SELECT count(*) FROM (
              SELECT order_id, touch_event_id FROM read_parquet('{spark_out}/order_attribution/*.parquet')
              EXCEPT ALL SELECT order_id, touch_event_id FROM read_parquet('{duck_out}/order_attribution.parquet'))"""
    ).fetchone()[0]
    roas_rows = [
        con.execute(
            f"SELECT count(*), sum(attributed_revenue), sum(spend) FROM read_parquet('{p}')"
        ).fetchone()
        for p in (f"{spark_out}/campaign_roas/*.parquet", f"{duck_out}/campaign_roas.parquet")
    ]
    names = ("orders", "attributed", "click_touches", "view_touches", "revenue", "attributed_revenue")
    return {
        name: dict(zip(names, map(str, s))),
        "duckdb": dict(zip(names, map(str, d))),
        "touch_pairs_differing": diff,
        "campaign_roas (rows, revenue, spend)": {
            name: list(map(str, roas_rows[0])),
            "duckdb": list(map(str, roas_rows[1])),
        },
        "same_answer": s == d and diff == 0 and roas_rows[0] == roas_rows[1],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument(
        "--keep", type=Path, default=None, help="work directory to keep (default: a temp dir, removed)"
    )
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.engine:  # child process: one engine
        meta = json.loads((args.work / "data.json").read_text())
        out = args.work / f"out_{args.engine}"
        if args.engine == "duckdb":
            facts = run_duckdb(args.work / "data", out, meta["order_days"])
        else:
            facts = run_spark(args.work / "data", out, meta["order_days"], args.engine)
        print(json.dumps(facts))
        return 0

    work = args.keep or Path(tempfile.mkdtemp(prefix="omnilake-adbench-"))
    if (work / "data").exists():
        shutil.rmtree(work / "data")
    for old in [f"out_{e}" for e in ENGINES]:
        shutil.rmtree(work / old, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    meta = generate(work / "data", args.events, args.orders)
    meta["generate_s"] = time.perf_counter() - t
    (work / "data.json").write_text(json.dumps(meta))
    size = sum(p.stat().st_size for p in (work / "data").rglob("*.parquet"))
    print(
        f"data: {meta['events']:,} ad events, {meta['orders']:,} orders, {meta['users']:,} users, "
        f"{DAYS} event days, {len(meta['order_days'])} order days; {size / 2**20:.0f} MiB Parquet; "
        f"generated in {meta['generate_s']:.1f} s (numpy) -> {work}"
    )
    results = []
    for engine in ENGINES:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        proc = subprocess.run(
            [sys.executable, __file__, "--engine", engine, "--work", str(work)],
            capture_output=True,
            text=True,
            env=env,
        )
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        r = results[-1]
        jvm = f", JVM peak RSS {r['jvm_peak_mib']:.0f} MiB" if "jvm_peak_mib" in r else ""
        print(
            f"{engine:>6}: query {r['wall_s']:.1f} s (start-up {r['startup_s']:.1f} s), "
            f"Python peak RSS {r['python_peak_mib']:.0f} MiB{jvm}"
        )
    checks = {e: compare(work / f"out_{e}", work / "out_duckdb", e) for e in ENGINES if e != "duckdb"}
    wall = {r["engine"]: r["wall_s"] for r in results}
    ratios = {f"{e}/duckdb": wall[e] / wall["duckdb"] for e in wall if e != "duckdb"}
    print(json.dumps({"engines": results, "ratios": ratios, "comparison": checks}, indent=2))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(c["same_answer"] for c in checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
