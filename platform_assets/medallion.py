"""Builders for the medallion assets every domain declares: bronze ingestion and Spark transforms.

An asset here is a thin Dagster face over one `JobSpec`: it names the tables it reads and writes, the
partitions of the run, and its checks; the `spark` resource runs the job wherever Spark lives.
"""

import inspect
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Iterator, Mapping, Sequence

import dagster as dg

from platform_assets import settings
from platform_assets.core import checks as shared_checks
from platform_assets.core import quality
from platform_assets.core.bronze import ingest
from platform_assets.core.contract_source import contract_columns, source_text
from platform_assets.core.conventions import DOMAIN_TAG
from platform_assets.core.execution import (
    CONTRACT_CHECK,
    CheckOutcome,
    CheckSpec,
    InputSpec,
    JobSpec,
    OutputSpec,
    StepOutput,
    dotted,
    load_object,
    publish_step,
)
from platform_assets.core.lake import TableRef
from platform_assets.core.quality import (
    ACCEPT_SHARE_TAG,
    HELD_DAYS,
    QUARANTINE_SHARE_CHECK,
    SCHEMA_DRIFT_CHECK,
    UNPARSED_CHECK,
    QuarantineThresholds,
)
from platform_assets.core.sources import Source
from platform_assets.domains import OWNERS
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import EngineRun, SparkEngine

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
    """An output table of a Spark asset.

    `lineage` (gold tables, declared in `<domain>/lineage.py`) maps each output column to the `(input,
    upstream column)` pairs its value is computed from, by one rule in every domain:
    - listed: every upstream column whose values enter the output column's expression: copied, cast,
      aggregated (sum, avg, min, max, count distinct), combined arithmetically, or read by a CASE condition
      inside it (a conditional count); for a rank or score column, the columns it is ranked by;
    - a row count that reads no column (`count(*)`) lists the identifier of the rows it counts;
    - a key column (a group or join key kept in the output) lists the columns it is taken from: both sides
      of a full outer join, the kept side of a left join;
    - not listed: columns that only choose rows: filters, join conditions, window partitions, the ordering
      that picks one row (latest, favourite), and the group keys of a measure.
    """

    table: TableRef
    description: str
    # The pandera model guarding the table (the class; kept as its dotted path, which a JobSpec carries).
    contract: type | str | None = None
    partitioned: bool = True
    # "merge": the transform returns an `Upsert` committed by `key` (delta-rs MERGE); see core/execution.py.
    mode: str = "replace"
    key: tuple[str, ...] | None = None
    # A quarantine: the landing source whose rows it sets aside, and the job input holding them (bronze).
    quarantine_of: tuple[Source, str] | None = None
    # Column lineage: output column -> the (input name, upstream column) pairs it is computed from.
    lineage: Mapping[str, Sequence[tuple[str, str]]] | None = None
    # The described columns of a table no pandera model guards (rows built on the driver).
    columns: dg.TableSchema | None = None

    def catalog_metadata(self) -> dict[str, object]:
        """What the catalog shows of the table before it is written: its contract and described columns."""
        if self.columns is not None:
            return {"dagster/column_schema": self.columns}
        return contract_metadata(self.contract)

    def __post_init__(self) -> None:
        if self.contract is not None:
            object.__setattr__(self, "contract", dotted(self.contract))


def quarantine_write(source: Source, *, reads: str = "bronze", partitioned: bool = True) -> Write:
    """The quarantine of `source` (rows of input `reads` that failed a silver rule); the job gets a
    `quarantine_share` check over it."""
    return Write(
        TableRef("quarantine", source.domain, source.name),
        quarantine_description(f"bronze {source.name}"),
        partitioned=partitioned,
        quarantine_of=(source, reads),
    )


@dataclass(frozen=True)
class Check:
    """A check of one output: `fn(outputs, inputs, ctx, **params)` (see `core.execution.CheckSpec`)."""

    name: str
    output: str
    fn: Callable | str
    description: str
    severity: str = "ERROR"
    blocking: bool = False
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fn", dotted(self.fn))


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
    checks = [
        Check(
            SCHEMA_DRIFT_CHECK,
            "bronze",
            quality.schema_drift,
            "Columns delivered beyond the source's declared ones (kept in `_rescued_data`), by file.",
            severity="WARN",
            params={"output": "bronze"},
        ),
        Check(
            UNPARSED_CHECK,
            "unparsed",
            quality.unparsed_files,
            "Files and rows that could not be parsed, with the reason: a warning; a day most of whose delivery "
            "could not be read fails and keeps its previous version.",
            severity="ERROR",
            blocking=True,
            params={
                "output": "unparsed",
                "bronze": "bronze",
                "warn": source.quality.warn,
                "error": source.quality.error,
            },
        ),
    ]
    return spark_asset(
        name=f"bronze_{source.domain}_{source.name}",
        group=source.domain,
        transform=ingest,
        reads={},
        writes=outputs,
        checks=checks,
        params={"source": asdict(source)},
        kinds={"spark", "delta", "bronze"},
        freshness={"bronze": freshness_policy(source)},
    )


def freshness_policy(source: Source) -> dg.FreshnessPolicy | None:
    """The bronze table of a landing source is fresh while files keep arriving as often as the source
    delivers: WARN after one interval without an update, FAIL after the interval plus the grace period."""
    if source.freshness is None:
        return None
    every = timedelta(hours=source.freshness.every_hours)
    return dg.FreshnessPolicy.time_window(
        fail_window=every + timedelta(hours=source.freshness.grace_hours), warn_window=every
    )


def quarantine_share_check(writes: dict[str, Write]) -> Check | None:
    """One `quarantine_share` check per job over its quarantines (on its silver table, if it has one)."""
    pairs = [(name, w.quarantine_of) for name, w in writes.items() if w.quarantine_of is not None]
    if not pairs:
        return None
    silver = [n for n, w in writes.items() if w.table.layer == "silver"]
    target = silver[0] if silver else pairs[0][0]
    strictest = QuarantineThresholds(
        warn=min(of[0].quality.warn for _, of in pairs), error=min(of[0].quality.error for _, of in pairs)
    )
    sources = ", ".join(of[0].name for _, of in pairs)
    return Check(
        QUARANTINE_SHARE_CHECK,
        target,
        quality.quarantine_share,
        f"Share of {sources} rows set aside by a silver rule, per run and per day: WARN above "
        f"{strictest.warn:.0%}, ERROR above {strictest.error:.0%} (that day is held back, nothing of it published).",
        severity="ERROR",
        blocking=True,
        params={
            "pairs": [[name, of[1]] for name, of in pairs],
            "warn": strictest.warn,
            "error": strictest.error,
            "per_day": all(w.partitioned and w.mode == "replace" for w in writes.values()),
            "table": writes[target].table.path,
        },
    )


def spark_asset(
    *,
    name: str,
    group: str,
    transform: Callable | str,
    reads: dict[str, Read],
    writes: dict[str, Write],
    checks: Sequence[Check] = (),
    partitioned: bool = True,
    params: dict | None = None,
    kinds: set[str] | None = None,
    freshness: dict[str, dg.FreshnessPolicy | None] | None = None,
) -> dg.AssetsDefinition:
    """A multi-asset that runs `transform` over the run's days and commits every output table
    (`freshness`: a freshness policy per output)."""
    transform = dotted(transform)
    share = quarantine_share_check(writes)
    checks = [*checks, share] if share is not None else list(checks)
    version = code_version(transform, [w.contract for w in writes.values() if w.contract], params)
    specs, check_specs = asset_specs(group, reads, writes, checks, partitioned, version, kinds, freshness)

    @dg.multi_asset(**step_options(name, group, specs, check_specs, partitioned))
    def _asset(
        context: dg.AssetExecutionContext,
        spark: SparkEngine,
        lake: LakeResource,
        landing: ObjectStoreResource,
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
                CheckSpec(
                    c.name, c.output, c.fn, c.severity, c.blocking, c.description, _run_params(context, c)
                )
                for c in checks
            ],
            params=params or {},
            landing=landing.root,
            storage_options=lake.storage_options(),
            endpoint_url=landing.endpoint_url,
            run_id=context.run.run_id,
        )
        if days is not None:
            context.log.info(
                f"{name}: {len(days)} day(s) {days[0]}..{days[-1]}" if days else f"{name}: no days"
            )
        yield from report(context, _with_catalog(spark.run(context, spec), writes, reads), writes)

    return _asset


def asset_specs(
    group: str,
    reads: dict[str, Read],
    writes: dict[str, Write],
    checks: Sequence[Check],
    partitioned: bool,
    version: str,
    kinds: set[str] | None = None,
    freshness: dict[str, dg.FreshnessPolicy | None] | None = None,
    compute: str = "spark",
) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
    """The asset and check specs of a step writing `writes` from `reads` (every builder's); `kinds` by
    default what computes it, the format and the layer."""
    deps = [
        dg.AssetDep(dg.AssetKey(read.table.key), partition_mapping=read.mapping(partitioned))
        for read in reads.values()
    ]
    specs = [
        dg.AssetSpec(
            dg.AssetKey(w.table.key),
            description=w.description,
            group_name=group,
            deps=deps,
            kinds=kinds or {compute, "delta", w.table.layer},
            metadata={
                "table": w.table.path,
                "layer": w.table.layer,
                **w.catalog_metadata(),
                **column_lineage(w, reads),
            },
            freshness_policy=(freshness or {}).get(name),
            code_version=version,
            owners=[OWNERS[group]] if group in OWNERS else [],
            tags={"domain": group, "layer": w.table.layer},
        )
        for name, w in writes.items()
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
            c.name,
            asset=dg.AssetKey(writes[c.output].table.key),
            blocking=c.blocking,
            description=c.description,
        )
        for c in checks
    ]
    return specs, check_specs


def step_options(
    name: str,
    group: str,
    specs: list[dg.AssetSpec],
    check_specs: list[dg.AssetCheckSpec],
    partitioned: bool,
) -> dict[str, Any]:
    """What every step of the builders is: its tables and checks as one op (never subset: a job commits
    its outputs together), the daily partitions as one run per range, queued by domain."""
    return dict(
        name=name,
        specs=specs,
        check_specs=check_specs,
        partitions_def=DAILY if partitioned else None,
        backfill_policy=SINGLE_RUN if partitioned else None,
        can_subset=False,
        op_tags={DOMAIN_TAG: group},
    )


def driver_asset(
    *,
    name: str,
    group: str,
    step: Callable[..., StepOutput],
    reads: dict[str, Read],
    writes: dict[str, Write],
    checks: Sequence[Check] = (),
    partitioned: bool = True,
    resources: Sequence[str] = (),
    config: type[dg.Config] | None = None,
    kinds: set[str] | None = None,
) -> dg.AssetsDefinition:
    """A multi-asset whose rows are built in the Dagster process, not by Spark (an extraction from a
    database, a model's scores, an API's answers), published like a Spark job's: `step(context, days,
    lake, **resources[, config])` returns a `StepOutput`; each `Check.fn(tables, facts, **params)` judges
    the rows before anything is written; a failed blocking check commits nothing; quarantines commit
    first; the metadata, verdict and step failure are the Spark steps' (`report`)."""
    version = code_version(dotted(step), [w.contract for w in writes.values() if w.contract])
    specs, check_specs = asset_specs(
        group, reads, writes, checks, partitioned, version, kinds, compute="python"
    )
    outputs = {n: OutputSpec(w.table.path, w.partitioned) for n, w in writes.items()}

    def _run(context: dg.AssetExecutionContext, **extra) -> Iterator:
        days = partition_days(context)
        lake: LakeResource = context.resources.lake
        store = lake.lake()
        wanted = {key: getattr(context.resources, key) for key in resources}
        out: StepOutput = step(context, days or [], store, **wanted, **extra)
        outcomes = []
        for c in checks:
            verdict = load_object(c.fn)(out.tables, out.facts, **_run_params(context, c))
            outcomes.append(CheckOutcome.of(writes[c.output].table.path, c, verdict))
        result = publish_step(store, outputs, out, outcomes, days, log=context.log.info)
        yield from report(context, _with_catalog(EngineRun.of_job(result, lake.root), writes, reads), writes)

    decorate = dg.multi_asset(
        **step_options(name, group, specs, check_specs, partitioned),
        # Resources by key (the step names what it needs), so one builder serves every step's signature.
        required_resource_keys={"lake", *resources},
    )
    if config is None:

        def _asset(context: dg.AssetExecutionContext) -> Iterator:
            yield from _run(context)

        return decorate(_asset)

    def _configured(context: dg.AssetExecutionContext, config) -> Iterator:
        yield from _run(context, config=config)

    # Dagster reads the run config's schema from the parameter's annotation: the step's own Config class.
    _configured.__annotations__["config"] = config
    return decorate(_configured)


def contract_metadata(contract: type | str | None) -> dict[str, object]:
    """The contract's path and its columns with their descriptions (`dagster/column_schema`: the UI's
    Columns panel), read from the pandera model's source (`core/contract_source`: no pandera import while
    the definitions load)."""
    if not contract:
        return {}
    path = dotted(contract)
    columns = [dg.TableColumn(name, kind, description=about) for name, kind, about in contract_columns(path)]
    return {"contract": path, "dagster/column_schema": dg.TableSchema(columns=columns)}


def references(module: str) -> Any:
    """`module.Name` as the dotted path `module:Name`, without importing the module: what an assets file
    names a contract module's models by (import the module under TYPE_CHECKING for go-to-definition).
    The contracts import pandera, pandas and pyspark.pandas, too slow for every code-location load."""

    class _References:
        def __getattr__(self, name: str) -> str:
            return f"{module}:{name}"

    return _References()


def column_lineage(write: Write, reads: dict[str, Read]) -> dict[str, dg.TableColumnLineage]:
    """`dagster/column_lineage` of an output from its declared lineage (inputs named as in `reads`)."""
    if not write.lineage:
        return {}
    deps = {
        column: [
            dg.TableColumnDep(asset_key=dg.AssetKey(reads[name].table.key), column_name=c)
            for name, c in sources
        ]
        for column, sources in write.lineage.items()
    }
    return {"dagster/column_lineage": dg.TableColumnLineage(deps)}


def code_version(transform: str, contracts: Sequence[str], params: dict | None = None) -> str:
    """A version of what computes an asset: the source of its transform and contracts (and the job's
    parameters, e.g. a source's declaration), so changing one marks exactly its assets as changed."""
    import hashlib
    import json

    digest = hashlib.sha256()
    digest.update(transform.encode())
    digest.update(source_text(transform).encode())
    for path in sorted(contracts):
        digest.update(path.encode())
        digest.update(source_text(path).encode())
    digest.update(json.dumps(params or {}, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def _run_params(context: dg.AssetExecutionContext, check: Check) -> dict:
    """A check's parameters for this run: an operator accepting a known-bad delivery raises the share
    above which `quarantine_share` fails, for this run only (tag `omnilake/accept_quarantine_share`)."""
    params = dict(check.params)
    accepted = context.run.tags.get(ACCEPT_SHARE_TAG)
    if check.name == QUARANTINE_SHARE_CHECK and accepted is not None:
        try:
            params["error"] = float(accepted)
        except ValueError:
            raise dg.Failure(
                f"tag {ACCEPT_SHARE_TAG}={accepted!r}: expected a share between 0 and 1"
            ) from None
        if not 0 <= params["error"] <= 1:
            raise dg.Failure(f"tag {ACCEPT_SHARE_TAG}={accepted!r}: expected a share between 0 and 1")
        params["warn"] = min(params["warn"], params["error"])
    return params


def report(
    context: dg.AssetExecutionContext, run: EngineRun, writes: Mapping[str, Write]
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult | dg.AssetMaterialization]:
    """Yield check results, then materializations, as the job's verdict says: fail the step when a
    blocking check failed (nothing was committed, or only the days not held back), or when the job sent
    no verdict or did not report every table (a Spark job that never spoke Pipes)."""
    tables = [w.table for w in writes.values()]
    checks = [r for r in run.results if isinstance(r, dg.AssetCheckResult)]
    materialized = {r.asset_key: r for r in run.results if isinstance(r, dg.MaterializeResult)}
    yield from checks
    if run.verdict is None:
        raise dg.Failure(
            "the job sent no verdict (which checks blocked, what it committed): on Glue/EMR, a job package "
            "older than this code; run `omnilake aws package` and point OMNILAKE_AWS_ARTIFACTS at it"
        )
    if run.verdict.blocked:
        names = ", ".join(run.verdict.blocked)
        blocked = [c for c in checks if f"{'/'.join(c.asset_key.path)}:{c.check_name}" in run.verdict.blocked]
        details = "; ".join(filter(None, (_failure_detail(c) for c in blocked)))
        held = run.verdict.held_dts
        if held and materialized:
            # Some days were committed: they are materialized (per day, so the UI shows which), the held
            # days are not, and the step fails naming them.
            committed = [d for d in context.partition_keys if d not in held]
            for t in tables:
                done = materialized.get(dg.AssetKey(t.key))
                if done is not None:
                    yield from _per_day(done, committed)
            raise dg.Failure(
                f"blocking checks failed ({names}) on {len(held)} day(s), held back (their previous version "
                f"stays, nothing of them is published): {', '.join(held)}; the other {len(committed)} day(s) "
                f"were committed" + (f": {details}" if details else ""),
                metadata={"failed_checks": names, HELD_DAYS: held, "committed_days": committed},
            )
        raise dg.Failure(
            f"blocking checks failed ({names}); no table of this step was written"
            + (f": {details}" if details else ""),
            metadata={"failed_checks": names},
        )
    missing = [t.path for t in tables if dg.AssetKey(t.key) not in materialized]
    if missing:
        raise dg.Failure(f"the job reported no materialization for {', '.join(missing)}")
    for t in tables:
        yield materialized[dg.AssetKey(t.key)]


def _with_catalog(run: EngineRun, writes: Mapping[str, Write], reads: dict[str, Read]) -> EngineRun:
    """The materializations as the catalog shows them: their column schema (the types as written) with the
    declared column descriptions, and their column lineage (the UI reads both from the materialization)."""
    by_key = {dg.AssetKey(w.table.key): w for w in writes.values()}
    run.results = [_described(r, by_key, reads) for r in run.results]
    return run


def _described(result, writes: Mapping[dg.AssetKey, Write], reads: dict[str, Read]):
    write = writes.get(getattr(result, "asset_key", None))
    if not isinstance(result, dg.MaterializeResult) or write is None:
        return result
    metadata = {**(result.metadata or {}), **column_lineage(write, reads)}
    written = metadata.get("dagster/column_schema")
    declared = write.catalog_metadata().get("dagster/column_schema")
    schema = getattr(written, "schema", written)
    if schema is not None and declared is not None:
        about = {c.name: c.description for c in declared.columns}
        columns = [dg.TableColumn(c.name, c.type, description=about.get(c.name)) for c in schema.columns]
        metadata["dagster/column_schema"] = dg.MetadataValue.table_schema(dg.TableSchema(columns))
    return result._replace(metadata=metadata)


def _meta(metadata, key: str):
    """A metadata entry's plain value (Dagster wraps them in MetadataValue)."""
    value = (metadata or {}).get(key)
    return getattr(value, "value", value)


def _per_day(done: dg.MaterializeResult, days: Sequence[str]) -> Iterator[dg.AssetMaterialization]:
    by_dt = _meta(done.metadata, "rows_by_dt") or {}
    for day in days:
        metadata = dict(done.metadata or {})
        if day in by_dt:
            metadata["dagster/row_count"] = dg.MetadataValue.int(by_dt[day])
        yield dg.AssetMaterialization(asset_key=done.asset_key, partition=day, metadata=metadata)


def _failure_detail(check: dg.AssetCheckResult, limit: int = 5) -> str:
    """What a failed contract check found (column, check, reason), so the step's error names the rule."""
    summary = _meta(check.metadata, "summary")
    if summary:
        return f"{check.check_name}: {summary}"
    failures = check.metadata.get("failures")
    items = getattr(failures, "value", failures) or []
    if not isinstance(items, list):
        return ""
    shown = [
        f"{f.get('column')}: {f.get('check')} ({f.get('reason')})"
        for f in items[:limit]
        if isinstance(f, dict)
    ]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{check.check_name}: " + ", ".join(shown) + more if shown else ""


def docstring(transform: Callable | str) -> str:
    """The docstring of a transform: the asset description analysts read."""
    fn = load_object(transform) if isinstance(transform, str) else transform
    return inspect.cleandoc(fn.__doc__ or "")


def unique_key_check(output: str, key: Sequence[str], description: str | None = None) -> Check:
    """Blocking check: the key columns identify one row of the output."""
    return Check(
        "unique_key",
        output,
        shared_checks.unique_key,
        description or f"One row per {' + '.join(key)}.",
        blocking=True,
        params={"output": output, "columns": list(key)},
    )


def silver_asset(
    source: Source,
    *,
    transform: Callable,
    contract: type,
    reads: dict[str, Read],
    key: Sequence[str],
    key_description: str | None = None,
    partitioned: bool = True,
    quarantine_partitioned: bool = True,
    checks: Sequence[Check] = (),
) -> dg.AssetsDefinition:
    """Silver table of a landing source and its quarantine, computed by `transform` and guarded by
    `contract` (a pandera model), one row per `key` (`key_description` says why, for the UI)."""
    return spark_asset(
        name=f"silver_{source.domain}_{source.name}",
        group=source.domain,
        transform=transform,
        reads=reads,
        writes={
            "silver": Write(
                TableRef("silver", source.domain, source.name), docstring(transform), contract, partitioned
            ),
            "quarantine": quarantine_write(source, partitioned=quarantine_partitioned),
        },
        checks=[
            unique_key_check(
                "silver",
                key,
                key_description or f"One row per {' + '.join(key)}: latest-wins dedupe left no duplicate.",
            ),
            *checks,
        ],
        partitioned=partitioned,
        kinds={"spark", "delta", "silver"},
    )


def gold_asset(
    domain: str,
    *,
    transform: Callable,
    contract: type,
    reads: dict[str, Read],
    key: Sequence[str],
    partitioned: bool = True,
    checks: Sequence[Check] = (),
    lineage: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> dg.AssetsDefinition:
    """Gold table `gold/<domain>/<transform's name>` computed by `transform`, guarded by `contract` (a
    pandera model); `lineage` its column lineage (see `Write`)."""
    name = transform.__name__
    return spark_asset(
        name=f"gold_{domain}_{name}",
        group=domain,
        transform=transform,
        reads=reads,
        writes={
            "gold": Write(
                TableRef("gold", domain, name), docstring(transform), contract, partitioned, lineage=lineage
            )
        },
        checks=[unique_key_check("gold", key), *checks],
        partitioned=partitioned,
        kinds={"spark", "delta", "gold"},
    )
