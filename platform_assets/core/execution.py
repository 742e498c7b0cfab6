"""One Spark job: read input tables, run a transform, check the outputs, commit them to the lake.

A `JobSpec` is plain JSON, so the same job runs in the Dagster process (`OMNILAKE_SPARK=local`), under
spark-submit through Dagster Pipes (`subprocess`), and on Glue / EMR (the entrypoint receives the spec as a
Pipes extra). Transforms are named by dotted path (`module:function`) and are pure functions of their
input DataFrames: `fn(inputs: dict[str, DataFrame], ctx: TransformContext) -> dict[str, DataFrame]`.

Write-audit-publish: outputs are checked before anything is committed; when a blocking check fails, no
output of the job is written and the previous table versions stay in place.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

from platform_assets.core.lake import Lake, StagedWrite, TableRef, WriteResult, _rmdir_if_empty
from platform_assets.core.spark import to_arrow

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

    from platform_assets.core.storage import ObjectStore


@dataclass
class InputSpec:
    table: str
    dts: list[str] | None = None  # partitions to read; None: the whole table


@dataclass
class OutputSpec:
    table: str
    partitioned: bool = True
    contract: str | None = None  # "module:Model", a pandera.pyspark DataFrameModel
    # "replace": the transform returns the partitions (or the table) to replace. "merge": it returns an
    # `Upsert` (rows to upsert by `key`, keys to delete, or a full replacement) for an unpartitioned table.
    mode: str = "replace"
    key: list[str] | None = None


@dataclass
class Upsert:
    """What a transform returns for a `mode="merge"` output.

    `rows` are complete rows (the table's columns) to insert or update by the output's key; `delete_keys`
    (key columns only) are removed; both go in one Delta commit. `full=True` replaces the whole table with
    `rows` instead (first build, lost watermark). `commit_metadata` is stored in that commit (a watermark,
    read back with `Lake.commit_value`); `facts` become materialization metadata. Checks see `rows`.
    """

    rows: "DataFrame"
    delete_keys: "DataFrame | None" = None
    full: bool = False
    commit_metadata: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckSpec:
    """A custom check: `fn(outputs, inputs, ctx, **params) -> (passed, metadata)` on one output, or
    `(passed, metadata, severity)` when the check decides how bad a failure is (a WARN or an ERROR). A
    blocking check that fails with `HELD_DAYS` in its metadata holds back only those days of the run."""

    name: str
    output: str
    fn: str
    severity: str = "ERROR"  # or "WARN"
    blocking: bool = False
    description: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobSpec:
    transform: str
    lake: str
    dts: list[str] | None
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    outputs: dict[str, OutputSpec] = field(default_factory=dict)
    checks: list[CheckSpec] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    landing: str | None = None
    storage_options: dict[str, str] | None = None
    endpoint_url: str | None = None
    run_id: str | None = None  # the Dagster run: the key of its rows in the quality history

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "JobSpec":
        d = dict(d)
        d["inputs"] = {k: InputSpec(**v) for k, v in d.get("inputs", {}).items()}
        d["outputs"] = {k: OutputSpec(**v) for k, v in d.get("outputs", {}).items()}
        d["checks"] = [CheckSpec(**c) for c in d.get("checks", [])]
        return cls(**d)


CONTRACT_CHECK = "pandera_contract"


@dataclass
class CheckOutcome:
    table: str
    name: str
    passed: bool
    severity: str = "ERROR"
    blocking: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, table: str, check: Any, verdict: tuple) -> "CheckOutcome":
        """A check function's `(passed, metadata)` or `(passed, metadata, severity)` for the declared
        `check` (a `CheckSpec`, or a builder's `Check`: name, severity, blocking)."""
        passed, metadata, severity = verdict if len(verdict) == 3 else (*verdict, check.severity)
        return cls(table, check.name, bool(passed), severity, check.blocking, metadata)


@dataclass
class JobResult:
    outputs: dict[str, WriteResult]  # only what was committed
    checks: list[CheckOutcome]
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # per output: extra metadata
    # Days of the run a blocking check held back while the others were committed (see `held_days`).
    held_dts: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.blocking and not c.passed and c.severity == "ERROR"]

    @property
    def verdict(self) -> "Verdict":
        return Verdict(
            blocked=[f"{c.table}:{c.name}" for c in self.blocked],
            held_dts=list(self.held_dts),
            committed=[w.table for w in self.outputs.values()],
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)


# The Pipes custom message that carries a job's `Verdict` from spark-submit, Glue or EMR.
VERDICT_MESSAGE = "omnilake_verdict"


@dataclass
class Verdict:
    """What a job decided, decided once where it ran and carried to Dagster as it is (in process, or as a
    Pipes custom message): the blocking checks that failed (`<table>:<check>`), the days held back while
    the others were committed, and the tables committed."""

    blocked: list[str] = field(default_factory=list)
    held_dts: list[str] = field(default_factory=list)
    committed: list[str] = field(default_factory=list)

    def to_message(self) -> dict[str, Any]:
        return {VERDICT_MESSAGE: asdict(self)}

    @classmethod
    def from_messages(cls, messages: list[Any]) -> "Verdict | None":
        """The verdict among a Pipes session's custom messages (None: the job never sent one)."""
        for message in messages:
            if isinstance(message, dict) and VERDICT_MESSAGE in message:
                return cls(**message[VERDICT_MESSAGE])
        return None


@dataclass
class TransformContext:
    spark: "SparkSession"
    dts: list[str] | None
    params: dict[str, Any]
    lake: Lake
    landing_root: str | None = None
    endpoint_url: str | None = None
    # A folder the engine's server can read, for rows built on the driver (see `core/spark.arrow_to_spark`).
    scratch: str | None = None
    # What a transform observed for the job's checks (e.g. the columns a delivery added), by check name.
    notes: dict[str, Any] = field(default_factory=dict)
    # The job's declared input and output tables by name (`<layer>/<domain>/<name>`): what an incremental
    # transform reads the versions and commit metadata of (its own output's watermark, say).
    tables: dict[str, str] = field(default_factory=dict)
    # What `checkpoint` cached, released when the job ends.
    held: list["DataFrame"] = field(default_factory=list, repr=False)

    def checkpoint(self, df: "DataFrame", name: str) -> "DataFrame":
        """`df` computed once for every reader that follows (a split's silver and quarantine, a frame two
        outputs share): staged as Parquet on the scratch folder where the engine cannot cache (Sail), else
        persisted until the job ends."""
        if self.scratch is not None:
            return _stage(df, self.scratch, f"checkpoint-{len(self.held)}-{name}", held=self.held)
        df = df.persist()
        self.held.append(df)
        return df

    def from_arrow(self, data: "pa.Table") -> "DataFrame":
        """Rows built on the driver (a parsed landing file, say) as a DataFrame on this job's engine."""
        from platform_assets.core.spark import arrow_to_spark

        return arrow_to_spark(self.spark, data, self.scratch)

    @cached_property
    def landing(self) -> "ObjectStore":
        from platform_assets.core.storage import open_store

        if self.landing_root is None:
            raise ValueError("this job has no landing zone configured")
        return open_store(self.landing_root, endpoint_url=self.endpoint_url)


def dotted(obj: Any) -> str:
    """`module:name` of a function or class: what a JSON job spec carries (`load_object` reverses it)."""
    if isinstance(obj, str):
        return obj
    return f"{obj.__module__}:{obj.__qualname__}"


def load_object(path: str) -> Any:
    """Import `module:attribute`."""
    module, _, attr = path.partition(":")
    if not attr:
        raise ValueError(f"expected 'module:attribute', got {path!r}")
    return getattr(importlib.import_module(module), attr)


def execute(spark: "SparkSession", spec: JobSpec, log: Callable[[str], None] = print) -> JobResult:
    lake = Lake(spec.lake, spec.storage_options)
    declared = {
        **{n: i.table for n, i in spec.inputs.items()},
        **{n: o.table for n, o in spec.outputs.items()},
    }
    ctx = TransformContext(
        spark,
        spec.dts,
        spec.params,
        lake,
        spec.landing,
        spec.endpoint_url,
        scratch=_scratch(spark, lake),
        tables=declared,
    )
    try:
        return _execute(spark, spec, log, lake, ctx)
    finally:
        if ctx.scratch is not None:
            shutil.rmtree(ctx.scratch, ignore_errors=True)
            _rmdir_if_empty(os.path.dirname(ctx.scratch))
        for df in ctx.held:
            df.unpersist()


def _execute(
    spark: "SparkSession", spec: JobSpec, log: Callable[[str], None], lake: Lake, ctx: TransformContext
) -> JobResult:
    from pyspark.sql import functions as F

    scratch = ctx.scratch
    inputs = {name: lake.read(spark, i.table, i.dts) for name, i in spec.inputs.items()}
    transform = load_object(spec.transform)
    returned: dict[str, Any] = transform(inputs, ctx)
    missing = set(spec.outputs) - set(returned)
    if missing:
        raise ValueError(f"{spec.transform} returned no {sorted(missing)}")
    upserts: dict[str, Upsert] = {}
    for name, out in spec.outputs.items():
        value = returned[name]
        if (out.mode == "merge") != isinstance(value, Upsert):
            raise ValueError(
                f"{spec.transform}: output {name!r} (mode {out.mode}) needs {'an Upsert' if out.mode == 'merge' else 'a DataFrame'}"
            )
        if isinstance(value, Upsert):
            upserts[name] = value
    # Checks see the rows being written (for an upsert: the rows upserted).
    outputs: dict[str, DataFrame] = {n: (upserts[n].rows if n in upserts else v) for n, v in returned.items()}
    staged: dict[str, StagedWrite] = {}
    if scratch is not None:
        # Computed once: every check (pandera runs a job per column rule) reads the rows staged for the
        # commit. A replaced table's rows are written once, as the very files the commit publishes.
        try:
            for n, df in outputs.items():
                if n in upserts:
                    outputs[n] = _stage(df, scratch, n)
                else:
                    out = spec.outputs[n]
                    staged[n] = lake.stage(df, out.table, partitioned=out.partitioned)
                    # No file: no rows, and nothing to recompute (the frame keeps its exact types).
                    outputs[n] = lake.read_staged(ctx.spark, staged[n]) if staged[n].files else df
            for n, u in upserts.items():
                keys = (
                    _stage(u.delete_keys, scratch, f"{n}_delete_keys") if u.delete_keys is not None else None
                )
                upserts[n] = replace(u, rows=outputs[n], delete_keys=keys)
        except BaseException:
            for files in staged.values():
                lake.discard(files)
            raise
    persisted = list(outputs.values()) + [
        u.delete_keys for u in upserts.values() if u.delete_keys is not None
    ]
    try:
        for df in persisted:
            df.persist()
        checks: list[CheckOutcome] = []
        for name, out in spec.outputs.items():
            if out.contract:
                checks.append(contract_outcome(out.table, load_object(out.contract), outputs[name]))
        for c in spec.checks:
            verdict = load_object(c.fn)(outputs, inputs, ctx, **c.params)
            checks.append(CheckOutcome.of(spec.outputs[c.output].table, c, verdict))
        facts: dict[str, dict[str, Any]] = {}
        for name, df in outputs.items():
            if "_rules_failed" in df.columns:
                counts = df.select(F.explode("_rules_failed").alias("rule")).groupBy("rule").count().collect()
                facts[name] = {"rows_by_rule": {r["rule"]: r["count"] for r in sorted(counts)}}
        for name, upsert in upserts.items():
            facts[name] = {**facts.get(name, {}), **upsert.facts}
        result = JobResult(outputs={}, checks=checks, facts=facts)
        held = held_days(spec, result.blocked) if result.blocked else []
        result.held_dts = held or []
        _record_quality(lake, spec, ctx, everything_held=held is None, log=log)
        if result.blocked:
            names = ", ".join(f"{c.table}:{c.name}" for c in result.blocked)
            if held is None:
                log(f"blocking checks failed ({names}): nothing committed")
                return result
            log(f"blocking checks failed ({names}) on {', '.join(held)}: those days are held back")
        for name in commit_order(spec.outputs):
            out = spec.outputs[name]
            dts = spec.dts if out.partitioned else None
            rows = outputs.get(name)
            if result.held_dts:
                dts = [d for d in dts if d not in result.held_dts]
                rows = rows.where(~F.col("dt").isin(result.held_dts))
            if name in upserts:
                result.outputs[name] = _write_upsert(lake, out, upserts[name])
            elif name in staged:
                files = staged.pop(name).without_days(result.held_dts)
                result.outputs[name] = lake.commit_staged(files, dts)
            else:
                result.outputs[name] = lake.write(rows, out.table, dts, partitioned=out.partitioned)
            log(f"committed {out.table} v{result.outputs[name].version}: {result.outputs[name].rows} rows")
        return result
    finally:
        for files in staged.values():  # not committed: a blocking check failed, or the job died
            lake.discard(files)
        for df in persisted:
            df.unpersist()


def commit_order(outputs: dict[str, OutputSpec]) -> list[str]:
    """Quarantines first: if a job dies between its commits, the rows it set aside are not lost."""
    return sorted(outputs, key=lambda n: TableRef.parse(outputs[n].table).layer != "quarantine")


@dataclass
class StepOutput:
    """What a driver-side step returns (rows built in the Dagster process: an extraction, a model's scores,
    an API's answers): Arrow tables by output name, and per output extra facts for its metadata."""

    tables: dict[str, "pa.Table"]
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)


def publish_step(
    lake: Lake,
    outputs: dict[str, OutputSpec],
    step: StepOutput,
    checks: list[CheckOutcome],
    dts: list[str] | None,
    log: Callable[[str], None] = print,
) -> JobResult:
    """Write-audit-publish for a driver-side step, as `execute` does for a Spark job: the checks were
    evaluated on the rows to write; when a blocking one failed nothing is committed, else every output
    is committed (quarantines first) with the lake's replace semantics."""
    result = JobResult(outputs={}, checks=checks, facts=step.facts)
    if result.blocked:
        log(f"blocking checks failed ({', '.join(result.verdict.blocked)}): nothing committed")
        return result
    for name in commit_order(outputs):
        out = outputs[name]
        written = lake.write_arrow(
            step.tables[name], out.table, dts if out.partitioned else None, partitioned=out.partitioned
        )
        result.outputs[name] = written
        log(f"committed {out.table} v{written.version}: {written.rows} rows")
    return result


def _record_quality(lake: Lake, spec: JobSpec, ctx: TransformContext, *, everything_held: bool, log) -> None:
    """Append what the share checks counted to the domain's quality history (blocked days included: the
    trend must show the day that failed)."""
    from platform_assets.core.quality import HISTORY_NOTE, record_history

    rows = ctx.notes.get(HISTORY_NOTE)
    if not rows:
        return
    domain = TableRef.parse(rows[0]["table_path"]).domain
    for row in rows:
        row["held"] = row["held"] or everything_held
    try:
        written = record_history(lake, domain, spec.run_id or "adhoc", rows)
    except Exception as exc:  # noqa: BLE001 - an audit log that cannot be written must not stop publishing
        log(f"WARNING: the quality history of {domain} was not recorded ({type(exc).__name__}: {exc})")
        return
    log(f"recorded {written} rows of quality/{domain}/rule_results")


def held_days(spec: JobSpec, blocked: list[CheckOutcome]) -> list[str] | None:
    """The days to hold back when only some days of a range run broke blocking checks, committing the
    others; None when nothing can be committed: a check that blocks the whole job, every day held, or an
    output that is not replaced by day (a whole table, a merge)."""
    from platform_assets.core.quality import HELD_DAYS

    if not spec.dts or any(not o.partitioned or o.mode != "replace" for o in spec.outputs.values()):
        return None
    held: set[str] = set()
    for check in blocked:
        days = check.metadata.get(HELD_DAYS)
        if not days:
            return None
        held.update(days)
    return sorted(held) if set(spec.dts) - held else None


def _scratch(spark: "SparkSession", lake: Lake) -> str | None:
    """A folder to stage a job's outputs in, on an engine that cannot cache them (Sail: `persist` is a
    no-op there, so every check would recompute the transform from its inputs); None elsewhere. It lives
    under the lake, which the engine's server can reach wherever it runs."""
    from platform_assets.core.spark import is_connect

    if not (lake.is_local and is_connect(spark)):
        return None
    return os.path.join(lake.root, "_scratch", uuid.uuid4().hex)


def _stage(df: "DataFrame", scratch: str, name: str, held: list | None = None) -> "DataFrame":
    """`df` written once to Parquet under `scratch` and read back (the file's schema: the same types; nested
    fields nullable, as the lake stores them anyway). `held` counts the stagings of a context."""
    path = os.path.join(scratch, name)
    df.write.mode("error").parquet(path)
    if not os.path.isdir(path) or not any(f.endswith(".parquet") for f in os.listdir(path)):
        staged = df  # no rows: an engine may write no file at all, and there is nothing to recompute
    else:
        staged = df.sparkSession.read.parquet(path).select(*df.columns)
    if held is not None:
        held.append(staged)
    return staged


def _write_upsert(lake: Lake, out: OutputSpec, upsert: Upsert) -> WriteResult:
    """Commit an `Upsert`: a whole-table replace (full) or one delta-rs MERGE by the output's key."""
    if out.partitioned or not out.key:
        raise ValueError(f"{out.table}: a merge output must be unpartitioned and name its key")
    metadata = {k: str(v) for k, v in upsert.commit_metadata.items()}
    if upsert.full or not lake.exists(out.table):
        return lake.write(upsert.rows, out.table, None, partitioned=False, commit_metadata=metadata)
    deletes = to_arrow(upsert.delete_keys.select(*out.key)) if upsert.delete_keys is not None else None
    return lake.merge(
        to_arrow(upsert.rows), out.table, out.key, delete_keys=deletes, commit_metadata=metadata
    )


def contract_outcome(table: str, model: Any, df: "DataFrame") -> CheckOutcome:
    """Validate `df` with a pandera.pyspark DataFrameModel; failures listed by column and check."""
    validated = model.validate(check_obj=df)
    errors = dict(validated.pandera.errors)
    failures = []
    for _, by_reason in errors.items():
        for reason, items in by_reason.items():
            for e in items:
                failures.append({"column": e.get("column"), "check": e.get("check"), "reason": reason})
    return CheckOutcome(
        table,
        CONTRACT_CHECK,
        not failures,
        "ERROR",
        True,
        {"model": model.__name__, "failures": failures, "failed_checks": len(failures)},
    )
