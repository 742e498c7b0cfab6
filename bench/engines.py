"""Bench (not a test): the embedded engine (Sail) against classic Spark 3.5 and DuckDB, each figure a ratio
measured in this one run (the machine is shared and noisy; absolute seconds are given for context).

    .venv/bin/python bench/engines.py [--quick] [--skip ad,marts,year,demo] [--tests]

1. ad join: `ad_attribution.transforms.attribute` + `roas` at 10 M events x 1 M orders, read from Parquet
   and written back, on sail, classic Spark local[2] and DuckDB (the single-node reference, the same query
   in SQL); every engine's answer is checked against DuckDB's (bench/ad_attribution_join.py).
2. marts: the seven restaurants marts over 1 M silver order lines, sail vs classic (bench/restaurants_marts.py).
3. year: `omnilake run --domain restaurants` over 365 daily landing files of about 5,000 orders, sail vs classic,
   and the same run with no compute at all (bench/dagster_floor.py: Dagster's own bookkeeping of the
   domain's graph over those days, timed as the run alone), which no engine can go under.
4. demo: `omnilake demo` (generate 14 days, run all five domains, summary), sail vs classic.
5. `--tests`: the wall time of the test suite (`pytest`), which has no second engine to compare with.
`--quick` shrinks 1-3 tenfold (a smoke run of the bench itself).
Each engine runs in its own process; the results are printed as a table and as JSON.
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

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"


def _env(home: Path | None = None, engine: str | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OMNILAKE_", "SPARK_CONNECT", "DAGSTER_HOME"))
    }
    env["PYTHONPATH"] = str(REPO)
    if home is not None:
        env["OMNILAKE_HOME"] = str(home)
    if engine is not None:
        env["OMNILAKE_SPARK"] = engine
    return env


def _run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return took, proc.stdout


def _last_json(text: str) -> dict:
    """The last line of `text` that is a JSON object (what a child bench prints last)."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{") and line.endswith("}"):
            return json.loads(line)
    raise ValueError(f"no JSON result in:\n{text[-2000:]}")


def ad_join(quick: bool) -> dict:
    events, orders = (1_000_000, 100_000) if quick else (10_000_000, 1_000_000)
    _, out = _run(
        [
            sys.executable,
            str(BENCH / "ad_attribution_join.py"),
            "--events",
            str(events),
            "--orders",
            str(orders),
        ],
        _env(),
    )
    print(out[: out.index("\n{")], flush=True)  # the per-engine lines of the ad bench
    result = json.loads(out[out.index("\n{") + 1 :])  # then its pretty-printed result
    wall = {r["engine"]: r["wall_s"] for r in result["engines"]}
    same = all(c["same_answer"] for c in result["comparison"].values())
    attributed = result["comparison"]["sail"]["sail"]["attributed"]
    return {
        "name": f"ad join {events:,} x {orders:,}",
        "seconds": wall,
        "ratios": {
            "sail/duckdb": wall["sail"] / wall["duckdb"],
            "spark/duckdb": wall["spark"] / wall["duckdb"],
        },
        "check": f"same answer on all three: {same} ({attributed} attributed orders)",
    }


def marts(quick: bool) -> dict:
    lines = 100_000 if quick else 1_000_000
    seconds = {}
    for engine in ("sail", "local"):
        _, out = _run(
            [
                sys.executable,
                str(BENCH / "restaurants_marts.py"),
                "--lines",
                str(lines),
                "--customers",
                str(lines // 10),
                "--engine",
                engine,
            ],
            _env(),
        )
        seconds[engine] = _last_json(out)["marts_s"]
    return {
        "name": f"restaurants marts, {lines:,} lines",
        "seconds": seconds,
        "ratios": {"sail/local": seconds["sail"] / seconds["local"]},
        "check": "same marts (parity suite)",
    }


def restaurants_year(quick: bool) -> dict:
    """365 daily landing files of ~5,000 orders each, through bronze -> silver -> gold -> marts."""
    # Scale 560: the generator's base rates (about 9 orders a day at scale 1) give about 5,000 a day.
    days, scale = (36, 56.0) if quick else (365, 560.0)
    work = Path(tempfile.mkdtemp(prefix="omnilake-bench-year-"))
    try:
        source = work / "source"
        _run(
            [
                sys.executable,
                "-m",
                "platform_assets.cli",
                "generate",
                "--out",
                str(source / "landing"),
                "--domain",
                "restaurants",
                "--days",
                str(days),
                "--scale",
                str(scale),
            ],
            _env(source),
        )
        orders = _count_orders(source / "landing")
        seconds = {}
        for engine in ("sail", "local"):
            home = work / engine
            shutil.copytree(source, home)
            seconds[engine], _ = _run(
                [sys.executable, "-m", "platform_assets.cli", "run", "--domain", "restaurants"],
                _env(home, engine),
            )
        _, out = _run([sys.executable, str(BENCH / "dagster_floor.py"), "--days", str(days)], _env())
        seconds["no compute"] = _last_json(out)["seconds"]
        return {
            "name": f"restaurants run, {days} daily files, {orders:,} order lines",
            "seconds": seconds,
            "ratios": {
                "sail/local": seconds["sail"] / seconds["local"],
                "no compute/sail": seconds["no compute"] / seconds["sail"],
            },
            "check": "exit 0 on both",
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _count_orders(landing: Path) -> int:
    total = 0
    for path in (landing / "restaurants").rglob("*"):
        if path.is_file() and "order" in path.parent.parent.name and path.suffix == ".csv":
            with path.open("rb") as f:
                total += max(sum(1 for _ in f) - 1, 0)
    return total


def demo() -> dict:
    work = Path(tempfile.mkdtemp(prefix="omnilake-bench-demo-"))
    try:
        seconds = {}
        for engine in ("sail", "local"):
            seconds[engine], out = _run(
                [sys.executable, "-m", "platform_assets.cli", "demo"], _env(work / engine, engine)
            )
            summary = [line for line in out.splitlines() if line.startswith("checks:")]
        return {
            "name": "omnilake demo (5 domains, 14 days)",
            "seconds": seconds,
            "ratios": {"sail/local": seconds["sail"] / seconds["local"]},
            "check": summary[-1] if summary else "",
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def tests() -> dict:
    took, out = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], {**_env(), "PYTHONPATH": str(REPO)}
    )
    return {
        "name": "test suite (pytest)",
        "seconds": {"sail": took},
        "ratios": {},
        "check": out.strip().splitlines()[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip", default="", help="comma-separated: ad, marts, year, demo")
    parser.add_argument("--tests", action="store_true", help="also time the test suite")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    steps = [
        ("ad", lambda: ad_join(args.quick)),
        ("marts", lambda: marts(args.quick)),
        ("year", lambda: restaurants_year(args.quick)),
        ("demo", demo),
    ]
    results = []
    for key, step in steps:
        if key not in skip:
            results.append(step())
            _print(results[-1])
    if args.tests:
        results.append(tests())
        _print(results[-1])
    print(json.dumps(results, indent=2))
    return 0


def _print(r: dict) -> None:
    secs = ", ".join(f"{k} {v:.1f} s" for k, v in r["seconds"].items())
    ratios = ", ".join(f"{k} = {v:.2f}" for k, v in r["ratios"].items())
    print(f"{r['name']}: {secs}; {ratios}; {r['check']}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
