"""Bench (not a test): wall time of `omnilake run --domain ecommerce` on generated days, then the same run again.

    .venv/bin/python bench/ecommerce_run.py [--days 14] [--scale 1.0]

Each run is a fresh `omnilake` process (Spark start included), as a user would type it. The second run
replaces every partition with identical rows (idempotent re-run); the script checks that and prints
both wall times and the table sizes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="omnilake-bench-"))
    env = {**os.environ, "OMNILAKE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    omnilake = [sys.executable, "-m", "platform_assets.cli"]
    subprocess.run(
        [
            *omnilake,
            "generate",
            "--start",
            "2025-01-01",
            "--days",
            str(args.days),
            "--scale",
            str(args.scale),
        ],
        env=env,
        check=True,
    )
    from platform_assets.core.lake import Lake

    timings, snapshots = [], []
    for attempt in ("first run", "re-run"):
        started = time.perf_counter()
        subprocess.run(
            [*omnilake, "run", "--domain", "ecommerce"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        timings.append(time.perf_counter() - started)
        lake = Lake(str(home / "lake"))
        snapshots.append({r.path: lake.read_arrow(r).num_rows for r in lake.list_tables()})
        print(f"{attempt}: {timings[-1]:.1f} s")
    same = snapshots[0] == snapshots[1]
    print(
        f"\n{args.days} days at scale {args.scale}: first run {timings[0]:.1f} s, re-run {timings[1]:.1f} s; "
        f"row counts identical after re-run: {same}"
    )
    for path, rows in snapshots[1].items():
        print(f"  {path:<48} {rows:>8}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
