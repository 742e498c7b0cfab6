"""Bench (not a test): what Dagster's own bookkeeping costs a restaurants run over a year, with no compute.

    .venv/bin/python bench/dagster_floor.py [--days 365] [--domain restaurants] [--postgres-url URL]

The domain's asset graph is copied as it is (the same asset keys, dependencies, daily partitions, single-run
backfill policy and asset checks) but every step does nothing: it reports its assets materialized and its
checks passed, with no metadata. That graph is then run over `--days` days in one run on a fresh Dagster
home with the project's instance settings (the stock SQLite storage), as `omnilake run` does. What is left
is what Dagster records: a planned event at run creation and a materialization at the end of the step,
per partitioned asset and day. `bench/engines.py` runs this beside the real run to say how much of the
year is this floor. `--postgres-url` (needs `dagster-postgres`, not a project dependency) stores the
instance in that PostgreSQL database instead, as a deployed Dagster would. Prints one JSON line: seconds,
partitioned assets, materialization events.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def noop_copy(assets_def):
    """The same keys, deps, partitions, backfill policy and checks as `assets_def`; a body doing nothing."""
    import dagster as dg

    specs = [dg.AssetSpec(key=s.key, deps=s.deps, group_name=s.group_name) for s in assets_def.specs]
    checks = list(assets_def.check_specs)

    @dg.multi_asset(
        name=assets_def.node_def.name,
        specs=specs,
        check_specs=checks,
        partitions_def=assets_def.partitions_def,
        backfill_policy=assets_def.backfill_policy,
    )
    def _noop(context):
        for spec in specs:
            yield dg.MaterializeResult(asset_key=spec.key)
        for check in checks:
            yield dg.AssetCheckResult(asset_key=check.asset_key, check_name=check.name, passed=True)

    return _noop


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--domain", default="restaurants")
    parser.add_argument("--postgres-url", help="postgresql://user:password@host:port/db (never printed)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="omnilake-bench-floor-"))
    try:
        os.environ["DAGSTER_HOME"] = str(home)
        settings = (REPO / "platform_assets" / "dagster.yaml").read_text()
        if args.postgres_url:
            os.environ["OMNILAKE_BENCH_DAGSTER_PG"] = args.postgres_url
            settings += "storage:\n  postgres:\n    postgres_url:\n      env: OMNILAKE_BENCH_DAGSTER_PG\n"
        (home / "dagster.yaml").write_text(settings)
        import dagster as dg

        from platform_assets import settings
        from platform_assets.progress import LOGGER, progress_logger, run_config

        domain = importlib.import_module(f"platform_assets.{args.domain}.definitions").defs
        copies = [noop_copy(a) for a in domain.assets if isinstance(a, dg.AssetsDefinition)]
        job = dg.define_asset_job("floor", selection=dg.AssetSelection.all())
        # The CLI's loggers (a line per step), not Dagster's default console at DEBUG.
        defs = dg.Definitions(assets=copies, jobs=[job], loggers={LOGGER: progress_logger})
        start = date.fromisoformat(settings.start_date())
        end = start + timedelta(days=args.days - 1)
        instance = dg.DagsterInstance.get()
        began = time.perf_counter()
        result = defs.resolve_job_def("floor").execute_in_process(
            run_config=run_config(False),
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
            },
        )
        seconds = time.perf_counter() - began
        assert result.success
        partitioned = sum(1 for a in copies for _ in a.keys if a.partitions_def is not None)
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "days": args.days,
                    "assets": sum(len(a.keys) for a in copies),
                    "partitioned_assets": partitioned,
                    "materializations": len(result.get_asset_materialization_events()),
                    "storage": "postgres" if args.postgres_url else "sqlite",
                }
            )
        )
        return 0
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
