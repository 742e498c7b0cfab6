"""Builders for the medallion assets every domain declares: bronze ingestion and Spark transforms.

An asset here is a thin Dagster face over one `JobSpec`: it names the tables it reads and writes, the
partitions of the run, and its checks; the `spark` resource runs the job wherever Spark lives.
"""


import inspect
import warnings
from datetime import date, timedelta
from dataclasses import asdict, dataclass, field
from typing import Iterator, Sequence

import dagster as dg

from platform_assets import settings
from platform_assets.core.execution import CONTRACT_CHECK, CheckSpec, InputSpec, JobSpec, OutputSpec
from platform_assets.core.lake import TableRef
from platform_assets.core.sources import Source
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import SparkEngine

# Today's partition exists too: a file landing today for today can be processed today.
DAILY = dg.DailyPartitionsDefinition(start_date=settings.start_date(), end_offset=1)
# A range of days is one run that reads and writes the whole range at once.
SINGLE_RUN = dg.BackfillPolicy.single_run()


@dataclass(frozen=True)
class Read:
    """An input table: the run's days by default; `all_partitions` reads the whole table; `window`
    (start, end offsets in days, e.g. (-7, 0)) reads each run day's window, so a late upstream day
    re-materializes exactly the downstream days it can touch."""

    table: TableRef
    all_partitions: bool = False
    window: tuple[int, int] | None = None

    def mapping(self, partitioned: bool) -> dg.PartitionMapping | None:
        if self.window is not None:
            # Days before the first partition simply have no data (the window of the first days is short).
            # The parameter is marked beta; we rely on it knowingly, so its warning is not shown to users.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", dg.BetaWarning)
                return dg.TimeWindowPartitionMapping(
                    start_offset=self.window[0],
                    end_offset=self.window[1],
                    allow_nonexistent_upstream_partitions=True,
                )
        return dg.AllPartitionMapping() if (self.all_partitions and partitioned) else None

    def days(self, run_days: list[str] | None, partitioned: bool) -> list[str] | None:
        if self.all_partitions or not partitioned or run_days is None:
            return None
        if self.window is None or not run_days:
            return run_days
        first = date.fromisoformat(run_days[0]) + timedelta(days=self.window[0])
        last = date.fromisoformat(run_days[-1]) + timedelta(days=self.window[1])
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class Write:
    table: TableRef
    description: str
    contract: str | None = None  # "module:Model"
    partitioned: bool = True
    # "merge": the transform returns an `Upsert` committed by `key` (delta-rs MERGE); see core/execution.py.
    mode: str = "replace"
    key: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Check:
    name: str
    output: str
    fn: str
    description: str
    severity: str = "ERROR"
    blocking: bool = False
    params: dict = field(default_factory=dict)


def partition_days(context: dg.AssetExecutionContext) -> list[str] | None:
    """The days of the run (a single-run backfill covers a range); None for unpartitioned assets."""
    if context.assets_def.partitions_def is None:
        return None
    return list(context.partition_keys)


def quarantine_description(source: str) -> str:
    return (
        f"Rows of {source} that failed a silver rule, as delivered, with `_rules_failed` naming every rule "
        "they broke (or `superseded_by_later_delivery`). Bronze rows = silver rows + these rows."
    )


def bronze_asset(source: Source) -> dg.AssetsDefinition:
    """Landing files of `source` into bronze, and what could not be parsed into quarantine."""
    bronze = TableRef("bronze", source.domain, source.name)
    unparsed = TableRef("quarantine", source.domain, f"{source.name}_unparsed")
    outputs = {
        "bronze": Write(
            bronze,
            f"{source.description} Every column as delivered (strings), plus `_source_file`, `_row`, "
            "`_ingested_at` (delivery time) and `dt` (the partition the file or sheet feeds).",
        ),
        "unparsed": Write(
            unparsed,
            f"Files and rows of landing source `{source.domain}/{source.name}` that could not be parsed: "
            "file, row, reason and the raw text (withheld where the source carries PII).",
        ),
    }
    return spark_asset(
        name=f"bronze_{source.domain}_{source.name}",
        group=source.domain,
        transform="platform_assets.core.bronze:ingest",
        reads={},
        writes=outputs,
        params={"source": asdict(source)},
        kinds={"spark", "delta", "bronze"},
    )


def spark_asset(
    *,
    name: str,
    group: str,
    transform: str,
    reads: dict[str, Read],
    writes: dict[str, Write],
    checks: Sequence[Check] = (),
    partitioned: bool = True,
    params: dict | None = None,
    kinds: set[str] | None = None,
) -> dg.AssetsDefinition:
    """A multi-asset that runs `transform` over the run's days and commits every output table."""
    partitions_def = DAILY if partitioned else None
    deps = []
    for read in reads.values():
        deps.append(dg.AssetDep(dg.AssetKey(read.table.key), partition_mapping=read.mapping(partitioned)))
    specs = [
        dg.AssetSpec(
            dg.AssetKey(w.table.key),
            description=w.description,
            group_name=group,
            deps=deps,
            kinds=kinds or {"spark", "delta", w.table.layer},
            metadata={"table": w.table.path, "layer": w.table.layer},
        )
        for w in writes.values()
    ]
    check_specs = [
        dg.AssetCheckSpec(
            CONTRACT_CHECK,
            asset=dg.AssetKey(w.table.key),
            blocking=True,
            description=f"pandera contract {w.contract.split(':')[1]}: columns, types, nulls and ranges.",
        )
        for w in writes.values()
        if w.contract
    ] + [
        dg.AssetCheckSpec(
            c.name, asset=dg.AssetKey(writes[c.output].table.key), blocking=c.blocking, description=c.description
        )
        for c in checks
    ]

    @dg.multi_asset(
        name=name,
        specs=specs,
        check_specs=check_specs,
        partitions_def=partitions_def,
        backfill_policy=SINGLE_RUN if partitioned else None,
        can_subset=False,
        op_tags={"omnilake/domain": group},
    )
    def _asset(
        context: dg.AssetExecutionContext, spark: SparkEngine, lake: LakeResource, landing: ObjectStoreResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        days = partition_days(context)
        spec = JobSpec(
            transform=transform,
            lake=lake.root,
            dts=days,
            inputs={n: InputSpec(r.table.path, r.days(days, partitioned)) for n, r in reads.items()},
            outputs={
                n: OutputSpec(w.table.path, w.partitioned, w.contract, w.mode, list(w.key) if w.key else None)
                for n, w in writes.items()
            },
            checks=[
                CheckSpec(c.name, c.output, c.fn, c.severity, c.blocking, c.description, dict(c.params))
                for c in checks
            ],
            params=params or {},
            landing=landing.root,
            storage_options=lake.storage_options(),
            endpoint_url=landing.endpoint_url,
        )
        if days is not None:
            context.log.info(f"{name}: {len(days)} day(s) {days[0]}..{days[-1]}" if days else f"{name}: no days")
        yield from report(context, spark.run(context, spec), [w.table for w in writes.values()])

    return _asset


def report(
    context: dg.AssetExecutionContext, results: list, tables: Sequence[TableRef]
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Yield check results, then materializations; fail the step when a blocking check failed (nothing
    was committed) or when the job did not report every table (a Spark job that never spoke Pipes)."""
    checks = [r for r in results if isinstance(r, dg.AssetCheckResult)]
    materialized = {r.asset_key: r for r in results if isinstance(r, dg.MaterializeResult)}
    yield from checks
    failed = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
    blocking = {(s.asset_key, s.name) for s in context.assets_def.check_specs if s.blocking}
    blocked = [c for c in failed if (c.asset_key, c.check_name) in blocking]
    if blocked:
        names = ", ".join(f"{c.asset_key.to_user_string()}:{c.check_name}" for c in blocked)
        details = "; ".join(filter(None, (_failure_detail(c) for c in blocked)))
        raise dg.Failure(
            f"blocking checks failed ({names}); no table of this step was written"
            + (f": {details}" if details else ""),
            metadata={"failed_checks": names},
        )
    missing = [t.path for t in tables if dg.AssetKey(t.key) not in materialized]
    if missing:
        raise dg.Failure(f"the Spark job reported no materialization for {', '.join(missing)}")
    for t in tables:
        yield materialized[dg.AssetKey(t.key)]


def _failure_detail(check: dg.AssetCheckResult, limit: int = 5) -> str:
    """What a failed contract check found (column, check, reason), so the step's error names the rule."""
    failures = check.metadata.get("failures")
    items = getattr(failures, "value", failures) or []
    if not isinstance(items, list):
        return ""
    shown = [f"{f.get('column')}: {f.get('check')} ({f.get('reason')})" for f in items[:limit] if isinstance(f, dict)]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{check.check_name}: " + ", ".join(shown) + more if shown else ""


def docstring(path: str) -> str:
    """The docstring of a transform (`module:function`): the asset description analysts read."""
    from platform_assets.core.execution import load_object

    return inspect.cleandoc(load_object(path).__doc__ or "")


def unique_key_check(output: str, key: Sequence[str], description: str | None = None) -> Check:
    """Blocking check: the key columns identify one row of the output."""
    return Check(
        "unique_key",
        output,
        "platform_assets.core.checks:unique_key",
        description or f"One row per {' + '.join(key)}.",
        blocking=True,
        params={"output": output, "columns": list(key)},
    )


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def silver_asset(
    source: Source,
    *,
    package: str,
    reads: dict[str, Read],
    key: Sequence[str],
    partitioned: bool = True,
    checks: Sequence[Check] = (),
) -> dg.AssetsDefinition:
    """Silver table of a landing source and its quarantine: transform `<package>.transforms:silver_<source>`,
    contract `<package>.checks:Silver<Source>`, one row per `key`."""
    transform = f"{package}.transforms:silver_{source.name}"
    return spark_asset(
        name=f"silver_{source.domain}_{source.name}",
        group=source.domain,
        transform=transform,
        reads=reads,
        writes={
            "silver": Write(
                TableRef("silver", source.domain, source.name),
                docstring(transform),
                f"{package}.checks:Silver{_camel(source.name)}",
                partitioned,
            ),
            "quarantine": Write(
                TableRef("quarantine", source.domain, source.name), quarantine_description(f"bronze {source.name}")
            ),
        },
        checks=[
            unique_key_check(
                "silver", key, f"One row per {' + '.join(key)}: latest-wins dedupe left no duplicate."
            ),
            *checks,
        ],
        partitioned=partitioned,
        kinds={"spark", "delta", "silver"},
    )


def gold_asset(
    domain: str,
    name: str,
    *,
    package: str,
    reads: dict[str, Read],
    contract: str,
    key: Sequence[str],
    partitioned: bool = True,
    checks: Sequence[Check] = (),
) -> dg.AssetsDefinition:
    """Gold table `name`: transform `<package>.transforms:<name>`, contract `<package>.checks:<contract>`."""
    transform = f"{package}.transforms:{name}"
    return spark_asset(
        name=f"gold_{domain}_{name}",
        group=domain,
        transform=transform,
        reads=reads,
        writes={
            "gold": Write(
                TableRef("gold", domain, name), docstring(transform), f"{package}.checks:{contract}", partitioned
            )
        },
        checks=[unique_key_check("gold", key), *checks],
        partitioned=partitioned,
        kinds={"spark", "delta", "gold"},
    )
