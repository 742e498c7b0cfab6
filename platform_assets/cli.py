"""The `omnilake` command line: generate sample data, run domains, query the lake, run the demo."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Sequence

from platform_assets import settings
from platform_assets.core.conventions import RANGE_END_TAG as RANGE_END
from platform_assets.core.conventions import RANGE_START_TAG as RANGE_START
from platform_assets.domains import DOMAINS

DEMO_DAYS = 14


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omnilake", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write realistic, messy sample landing data")
    gen.add_argument("--out", type=Path, default=None, help="landing root (default: $OMNILAKE_LANDING)")
    gen.add_argument("--start", type=date.fromisoformat, default=date.fromisoformat(settings.start_date()))
    gen.add_argument("--days", type=int, default=DEMO_DAYS)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--scale", type=float, default=1.0)
    gen.add_argument("--domain", action="append", choices=DOMAINS)
    gen.add_argument(
        "--journeys-db",
        default=None,
        help="SQLAlchemy URL of the journeys source database (default: OUT/../sources/challenge.db)",
    )

    run = sub.add_parser("run", help="materialize every asset of the chosen domains for a range of days")
    run.add_argument("--domain", action="append", choices=DOMAINS)
    run.add_argument("--from", dest="start", type=date.fromisoformat)
    run.add_argument("--to", dest="end", type=date.fromisoformat)
    run.add_argument("--verbose", action="store_true", help="Dagster's log and the engine's start-up output")

    query = sub.add_parser("query", help="run DuckDB SQL over the lake (views <layer>_<domain>_<table>)")
    query.add_argument("sql")

    demo = sub.add_parser("demo", help="generate sample data if none, run everything, print a summary")
    demo.add_argument("--verbose", action="store_true", help="Dagster's log and the engine's start-up output")

    export = sub.add_parser(
        "export", help="export a report as CSV (channel-reporting: the journeys channel report)"
    )
    export.add_argument("report", choices=["channel-reporting"])
    export.add_argument("--from", dest="start", type=date.fromisoformat)
    export.add_argument("--to", dest="end", type=date.fromisoformat)
    export.add_argument(
        "--out",
        default=None,
        help="path or s3:// URI (default: $OMNILAKE_HOME/reports/channel_reporting.csv)",
    )

    aws = sub.add_parser("aws", help="AWS deployment helpers (docs/aws.md)")
    aws_sub = aws.add_subparsers(dest="aws_command", required=True)
    pkg = aws_sub.add_parser(
        "package", help="build the job package, upload it to S3, print the job parameters"
    )
    pkg.add_argument("uri", nargs="?", help="s3://bucket/prefix (instead of --bucket/--prefix)")
    pkg.add_argument("--bucket")
    pkg.add_argument("--prefix", help="key prefix (default omnilake/packages)")
    pkg.add_argument("--deps-archive", help="s3:// URI of a packed Python environment for EMR (venv-pack)")
    pkg.add_argument("--glue-job", help="create or update this Glue job to run the package")
    pkg.add_argument("--role-arn", help="IAM role of the Glue job (default $OMNILAKE_AWS_ROLE_ARN)")

    dash = sub.add_parser(
        "dashboards", help="start the Streamlit dashboards (marts, ad ROAS, channel report)"
    )
    dash.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    dash.add_argument(
        "--address", default="127.0.0.1", help="address to bind (default 127.0.0.1; 0.0.0.0 to share)"
    )

    args = parser.parse_args(argv)
    if getattr(args, "verbose", False):
        os.environ.setdefault("RUST_LOG", "info")  # Sail's own log (quiet by default)
    elif args.command in ("run", "demo"):
        # A quiet console: the libraries' own warnings (the Spark Connect client's planning hints, Dagster's
        # preview notices) are for --verbose; what a run found is in its step lines and checks.
        warnings.filterwarnings("ignore")
    if args.command == "generate":
        return cmd_generate(
            args.out, args.start, args.days, args.seed, args.scale, args.domain, args.journeys_db
        )
    if args.command == "run":
        return cmd_run(args.domain or list(DOMAINS), args.start, args.end, args.verbose)[0]
    if args.command == "query":
        return cmd_query(args.sql)
    if args.command == "export":
        return cmd_export(args.start, args.end, args.out)
    if args.command == "aws":
        from resources.aws import packaging

        return packaging.main(args)
    if args.command == "dashboards":
        return cmd_dashboards(args.port, args.address)
    return cmd_demo(args.verbose)


def cmd_generate(out, start, days, seed, scale, domains, journeys_db=None) -> int:
    from platform_assets.generate import generate

    out = Path(out or settings.landing_root())
    summaries = generate(out, start, days, seed=seed, scale=scale, domains=domains, journeys_db=journeys_db)
    for domain, s in summaries.items():
        print(f"{domain}: {s['files_written']} files, rows {s['rows']} -> {out}")
    return 0


def domain_dates(domain: str) -> list[str]:
    """The dates a domain's run covers by default: the domain package's own `partition_dates()` when it
    has one (a domain fed by a database, not landing files: journeys), else the landing zone's dates."""
    import importlib

    own = getattr(importlib.import_module(f"platform_assets.{domain}"), "partition_dates", None)
    return own() if own is not None else landing_dates(domain)


def landing_dates(domain: str) -> list[str]:
    """Every partition date the landing zone holds for a domain (date folders and workbook sheets)."""
    from platform_assets.core.landing import LayoutError, parse_landing_key, partitions_of
    from platform_assets.core.storage import open_store

    store = open_store(settings.landing_root(), endpoint_url=settings.s3_endpoint_url())
    dates: set[str] = set()
    for info in store.list(f"{domain}/"):
        try:
            dates.update(partitions_of(store, parse_landing_key(info)))
        except LayoutError:
            continue
    return sorted(dates)


def _instance():
    """The Dagster instance of this home; a new home gets the project's instance settings first (run
    queue, no telemetry), so its first run is as quiet as the next."""
    import dagster as dg

    os.environ.setdefault("DAGSTER_HOME", settings.dagster_home())
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_bytes((Path(__file__).parent / "dagster.yaml").read_bytes())
    return dg.DagsterInstance.get()


def cmd_run(
    domains: Sequence[str], start: date | None, end: date | None, verbose: bool = False
) -> tuple[int, list]:
    """One Dagster run per domain over the whole range (partitioned assets run as single-run backfills).

    Returns the exit code and the check evaluations of the runs."""
    from platform_assets.definitions import defs

    instance = _instance()
    failed, checks = [], []
    for domain in domains:
        dates = domain_dates(domain)
        lo = start.isoformat() if start else (dates[0] if dates else None)
        hi = end.isoformat() if end else (dates[-1] if dates else None)
        if lo is None or hi is None:
            print(
                f"{domain}: no landing data under {settings.landing_root()}/{domain}/ and no --from/--to: skipped"
            )
            continue
        if lo > hi:
            print(f"{domain}: --from {lo} is after --to {hi}", file=sys.stderr)
            return 2, checks
        job = defs.resolve_job_def(f"{domain}_job")
        print(f"{domain}: materializing {lo}..{hi} in one run (engine: {settings.spark_mode()})", flush=True)
        result = _run_job(domain, job, instance, lo, hi, None, verbose)
        checks += _check_evaluations(result)
        if not result.success:
            failed.append(domain)
            # Days a blocking check held back stop there; the days committed beside them still flow to
            # what depends on them (one more run per contiguous range of those days).
            for keys, days in _held_back(defs, job, result):
                for first, last in _ranges(days):
                    print(
                        f"{domain}: {first}..{last} committed beside held days: refreshing what depends on them"
                    )
                    follow = _run_job(domain, job, instance, first, last, keys, verbose)
                    checks += _check_evaluations(follow)
    return (1 if failed else 0), checks


def _run_job(domain, job, instance, lo: str, hi: str, asset_selection, verbose: bool):
    from platform_assets.progress import run_config

    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance,
        tags={RANGE_START: lo, RANGE_END: hi},
        run_config=run_config(verbose),
        raise_on_error=False,
        asset_selection=asset_selection,
    )
    steps = result.get_step_success_events()
    failures = result.get_step_failure_events()
    print(
        f"{domain}: run {result.run_id} {'succeeded' if result.success else 'FAILED'} in "
        f"{time.monotonic() - started:.1f}s ({len(steps)} steps ok, {len(failures)} failed)"
    )
    for event in failures:
        error = event.event_specific_data.error
        print(f"  {event.step_key}: {error.message.strip() if error else 'failed'}", file=sys.stderr)
    return result


def _check_evaluations(result) -> list:
    return [
        e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]


def _held_back(defs, job, result) -> list[tuple[list, list[str]]]:
    """What to refresh after a run whose steps held days back: the job's assets downstream of the failed
    steps (whole steps: a multi-asset runs all its tables) for the days every failed step committed.
    Nothing when a step failed without holding days (its downstream would read what it did not write)."""
    import dagster as dg

    from platform_assets.core.quality import HELD_DAYS

    graph = defs.resolve_asset_graph()
    steps = {ad.node_def.name: set(ad.keys) for ad in graph.assets_defs if ad.is_executable}
    in_job = set(job.asset_layer.executable_asset_keys)
    failed: set = set()
    committed: set[str] | None = None
    for event in result.get_step_failure_events():
        failure = event.event_specific_data.user_failure_data
        metadata = {k: getattr(v, "value", v) for k, v in (failure.metadata if failure else {}).items()}
        own = steps.get(event.step_key, set())
        if not own or not metadata.get(HELD_DAYS) or not metadata.get("committed_days"):
            return []
        failed |= own
        days = set(metadata["committed_days"])
        committed = days if committed is None else committed & days
    if not failed or not committed:
        return []
    below = (dg.AssetSelection.assets(*failed).downstream().resolve(graph) - failed) & in_job
    whole = {k for keys in steps.values() if keys & below for k in keys} & in_job - failed
    return [(sorted(whole, key=lambda k: k.to_user_string()), sorted(committed))] if whole else []


def _ranges(days: Sequence[str]) -> list[tuple[str, str]]:
    """Contiguous (first, last) runs of ISO days."""
    from datetime import timedelta

    out: list[tuple[str, str]] = []
    for day in sorted(days):
        if out and date.fromisoformat(out[-1][1]) + timedelta(days=1) == date.fromisoformat(day):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def cmd_export(start: date | None, end: date | None, out: str | None) -> int:
    """The journeys channel report (gold) as CSV for a date range (both ends inclusive)."""
    from platform_assets.journeys.export import export_channel_reporting
    from resources.lake import LakeResource

    lake = LakeResource(root=settings.lake_root(), endpoint_url=settings.s3_endpoint_url()).lake()
    if not lake.exists("gold/journeys/channel_reporting"):
        print(
            "gold/journeys/channel_reporting does not exist yet: run `omnilake run --domain journeys` first",
            file=sys.stderr,
        )
        return 1
    done = export_channel_reporting(
        lake,
        out,
        start.isoformat() if start else None,
        end.isoformat() if end else None,
        settings.s3_endpoint_url(),
        settings.sse_kms_key_id(),
    )
    print(f"channel_reporting: {done['rows']} rows -> {done['path']}")
    return 0


def _duckdb_with_views():
    import duckdb

    from platform_assets.core.lake import Lake
    from resources.lake import LakeResource

    lake: Lake = LakeResource(root=settings.lake_root(), endpoint_url=settings.s3_endpoint_url()).lake()
    con = duckdb.connect()
    tables = lake.list_tables()
    for ref in tables:
        con.register(ref.view_name, lake.delta(ref).to_pyarrow_dataset())
    return con, tables


def cmd_query(sql: str) -> int:
    con, tables = _duckdb_with_views()
    if not tables:
        print(
            f"the lake at {settings.lake_root()} has no tables yet: run `omnilake run` first", file=sys.stderr
        )
        return 1
    try:
        rel = con.sql(sql)
    except Exception as exc:  # DuckDB's own message names the problem (unknown view, syntax)
        print(f"query failed: {exc}", file=sys.stderr)
        return 1
    if rel is not None:
        rel.show(max_rows=100, max_width=200)
    return 0


def cmd_dashboards(port: int, address: str) -> int:
    """`streamlit run` on the dashboards app with this Python (so the same environment and settings).

    The process becomes Streamlit (exec), so stopping `omnilake dashboards` stops the server with it."""
    from platform_assets.dashboards import APP

    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    print(
        f"omnilake dashboards on http://{address}:{port}/ (warehouse and lake from the OMNILAKE_* settings)"
    )
    sys.stdout.flush()
    os.execv(sys.executable, command)
    return 0  # not reached: exec replaced the process


def cmd_demo(verbose: bool = False) -> int:
    from platform_assets.core.storage import open_store

    landing = settings.landing_root()
    store = open_store(landing, endpoint_url=settings.s3_endpoint_url())
    if next(iter(store.list()), None) is None:
        if settings.is_s3(landing):
            print(
                "the demo generates into a local landing zone; OMNILAKE_LANDING points at S3", file=sys.stderr
            )
            return 2
        start = date.fromisoformat(settings.start_date())
        print(f"generating {DEMO_DAYS} days of sample data from {start} into {landing}")
        cmd_generate(Path(landing), start, DEMO_DAYS, 7, 1.0, None)
    else:
        print(f"using the landing data already in {landing}")
    code, checks = cmd_run(list(DOMAINS), None, None, verbose)
    print_summary(checks)
    return code


def print_summary(checks: list) -> None:
    con, tables = _duckdb_with_views()
    print("\nomnilake lake summary")
    print(f"{'table':<48} {'rows':>10}")
    for ref in tables:
        rows = con.execute(f'select count(*) from "{ref.view_name}"').fetchone()[0]
        print(f"{ref.path:<48} {rows:>10}")
    failed = [c for c in checks if not c.passed and c.severity.value == "ERROR"]
    warned = [c for c in checks if not c.passed and c.severity.value != "ERROR"]
    print(
        f"\nchecks: {len(checks) - len(failed) - len(warned)} passed, {len(warned)} warnings, {len(failed)} failed"
    )
    for c in failed + warned:
        print(f"  {c.severity.value:<5} {c.asset_key.to_user_string()}:{c.check_name} {_check_detail(c)}")
    print('\nexplore: omnilake query "select * from gold_ecommerce_daily_sales order by dt"; UI: make dev;')
    print("dashboards: omnilake dashboards; channel report CSV: omnilake export channel-reporting")


# What a failed or warning check's summary line shows (the rest is in the UI).
SUMMARY_KEYS = (
    "orphan_items",
    "duplicate_keys",
    "failed_checks",
    "share",
    "days_over_warn",
    "held_days",
    "new_columns",
    "unparsed_rows",
    "total_error_share",
    "mae_per_customer",
)


def _check_detail(evaluation) -> str:
    md = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
    shown = {k: v for k, v in md.items() if k in SUMMARY_KEYS}
    return str(shown) if shown else ""


if __name__ == "__main__":
    sys.exit(main())
