"""Delta Lake tables of the lake: `<lake>/<layer>/<domain>/<table>`.

Spark computes and writes the Parquet data files; delta-rs commits the transaction log (no delta-spark jar
is available here, and none is needed). A write names the partitions it replaces, and the commit removes
the old files of exactly those partitions and adds the new ones in one Delta version, so readers see the
old or the new partition, never a mix, and a re-run replaces instead of appending.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from dataclasses import replace as with_fields
from typing import TYPE_CHECKING, Iterable, Sequence

from platform_assets.core.conventions import ISO_DATE_PATTERN

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from deltalake import DeltaTable
    from pyspark.sql import DataFrame, SparkSession

LAYERS = ("bronze", "silver", "gold", "quarantine", "quality")
PARTITION_COLUMN = "dt"
_DT = re.compile(ISO_DATE_PATTERN)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Delta statistics keep string bounds only when they are short enough to be exact.
_MAX_STAT_STRING = 32


@dataclass(frozen=True)
class TableRef:
    """A lake table: `<layer>/<domain>/<name>`; its Dagster asset key is `[layer, domain, name]`."""

    layer: str
    domain: str
    name: str

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise ValueError(f"unknown layer {self.layer!r}: expected one of {LAYERS}")
        for part in (self.domain, self.name):
            if not _NAME.match(part):
                raise ValueError(f"invalid table name part {part!r}")

    @classmethod
    def parse(cls, path: str | "TableRef") -> "TableRef":
        if isinstance(path, TableRef):
            return path
        parts = path.strip("/").split("/")
        if len(parts) != 3:
            raise ValueError(f"a table is <layer>/<domain>/<name>, got {path!r}")
        return cls(*parts)

    @property
    def path(self) -> str:
        return f"{self.layer}/{self.domain}/{self.name}"

    @property
    def key(self) -> list[str]:
        return [self.layer, self.domain, self.name]

    @property
    def view_name(self) -> str:
        return f"{self.layer}_{self.domain}_{self.name}"

    def __str__(self) -> str:
        return self.path


def tables(layer: str, domain: str, names: Iterable[str]) -> dict[str, TableRef]:
    """The tables `names` of one layer of a domain, by name (what an assets file reads and writes)."""
    return {name: TableRef(layer, domain, name) for name in names}


@dataclass
class WriteResult:
    table: str
    version: int
    rows: int
    rows_by_dt: dict[str, int] = field(default_factory=dict)
    files: int = 0
    schema: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[str] | None = None  # partitions replaced; None = the whole table
    merge: dict[str, int] | None = None  # rows inserted/updated/deleted by a MERGE; None for a replace


@dataclass
class StagedWrite:
    """Parquet files written beside a local table (`Lake.stage`), waiting for `Lake.commit_staged`: per
    file its `dt` (None for an unpartitioned table) and its path under `staging`."""

    table: TableRef
    staging: str
    write_id: str
    schema: pa.Schema
    columns: list[str]
    partitioned: bool
    files: list[tuple[str | None, str]] = field(default_factory=list)

    def without_days(self, days: Sequence[str]) -> "StagedWrite":
        """The same staging without the files of `days` (held back by a check): they are not published."""
        held = set(days)
        return with_fields(self, files=[(d, f) for d, f in self.files if d not in held])


def check_dts(dts: Iterable[str]) -> list[str]:
    out = sorted(set(dts))
    for d in out:
        if not _DT.match(d):
            raise ValueError(f"partition value {d!r} is not YYYY-MM-DD")
    return out


def delta_type_name(t: pa.DataType) -> str:
    import pyarrow as pa

    if pa.types.is_timestamp(t):
        return "timestamp" if t.tz else "timestamp_ntz"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"array<{delta_type_name(t.value_type)}>"
    return {
        pa.string(): "string",
        pa.large_string(): "string",
        pa.int64(): "long",
        pa.int32(): "integer",
        pa.int16(): "short",
        pa.float64(): "double",
        pa.float32(): "float",
        pa.bool_(): "boolean",
        pa.date32(): "date",
    }.get(t, str(t))


def _nullable(schema: pa.Schema) -> pa.Schema:
    # Spark marks aggregates non-nullable run by run, and engines differ on nested nullability (Sail types
    # an array of rule names `list<string not null>`, classic Spark `list<string>`): a table's schema is
    # nullable all the way down, so it neither conflicts between runs nor depends on the engine.
    import pyarrow as pa

    return pa.schema([pa.field(f.name, _nullable_type(f.type), True) for f in schema])


def _nullable_type(t: pa.DataType) -> pa.DataType:
    import pyarrow as pa

    if pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, _nullable_type(t.value_type), True))
    if pa.types.is_large_list(t):
        return pa.large_list(pa.field(t.value_field.name, _nullable_type(t.value_type), True))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _nullable_type(f.type), True) for f in t])
    if pa.types.is_map(t):
        return pa.map_(t.key_type, pa.field(t.item_field.name, _nullable_type(t.item_type), True))
    return t


class Lake:
    """The lake root (a local path or `s3://bucket/prefix`) and the tables under it."""

    def __init__(self, root: str, storage_options: dict[str, str] | None = None):
        self.root = root.rstrip("/")
        self.storage_options = storage_options or None

    @property
    def is_local(self) -> bool:
        return "://" not in self.root

    def uri(self, table: TableRef | str) -> str:
        return f"{self.root}/{TableRef.parse(table).path}"

    # ---- delta-rs side -------------------------------------------------------------------------
    def exists(self, table: TableRef | str) -> bool:
        from deltalake import DeltaTable

        return DeltaTable.is_deltatable(self.uri(table), storage_options=self.storage_options)

    def delta(self, table: TableRef | str, version: int | None = None) -> "DeltaTable":
        """The table's current Delta version, or the given older `version` (time travel)."""
        from deltalake import DeltaTable

        uri = self.uri(table)
        if not DeltaTable.is_deltatable(uri, storage_options=self.storage_options):
            raise FileNotFoundError(
                f"lake table {TableRef.parse(table)} does not exist yet at {uri}: materialize it first"
            )
        return DeltaTable(uri, version=version, storage_options=self.storage_options)

    def arrow_schema(self, table: TableRef | str) -> pa.Schema:
        import pyarrow as pa

        return pa.schema(self.delta(table).schema().to_arrow())

    def partition_columns(self, table: TableRef | str) -> list[str]:
        return list(self.delta(table).metadata().partition_columns)

    def read_arrow(
        self,
        table: TableRef | str,
        dts: Sequence[str] | None = None,
        *,
        version: int | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        dt = self.delta(table, version)
        filters = self._filters(dt, dts)
        cols = list(columns) if columns is not None else None
        return (
            dt.to_pyarrow_table(filters=filters, columns=cols)
            if filters
            else dt.to_pyarrow_table(columns=cols)
        )

    def list_tables(self) -> list[TableRef]:
        """Every Delta table under the lake root (local lakes; S3 lakes through the object store)."""
        from platform_assets.core.storage import open_store

        found: list[TableRef] = []
        if self.is_local:
            for layer in LAYERS:
                base = os.path.join(self.root, layer)
                if not os.path.isdir(base):
                    continue
                for domain in sorted(os.listdir(base)):
                    for name in sorted(os.listdir(os.path.join(base, domain))):
                        if os.path.isdir(os.path.join(base, domain, name, "_delta_log")):
                            found.append(TableRef(layer, domain, name))
            return found
        store = open_store(self.root, endpoint_url=(self.storage_options or {}).get("AWS_ENDPOINT_URL"))
        for layer in LAYERS:
            for domain in store.list_folders(f"{layer}/"):
                for name in store.list_folders(f"{layer}/{domain}/"):
                    if store.list_folders(f"{layer}/{domain}/{name}/").count("_delta_log"):
                        found.append(TableRef(layer, domain, name))
        return found

    @staticmethod
    def _filters(dt: "DeltaTable", dts: Sequence[str] | None):
        if dts is None or PARTITION_COLUMN not in dt.metadata().partition_columns:
            return None
        return [(PARTITION_COLUMN, "in", check_dts(dts))]

    # ---- Spark side ----------------------------------------------------------------------------
    def read(
        self,
        spark: "SparkSession",
        table: TableRef | str,
        dts: Sequence[str] | None = None,
        *,
        version: int | None = None,
    ) -> "DataFrame":
        """The table (or the given `dt` partitions of it) as a Spark DataFrame; `version` reads an older
        Delta version (time travel) instead of the current one."""
        import pyarrow as pa
        from pyspark.sql import functions as F
        from pyspark.sql.pandas.types import from_arrow_schema

        from platform_assets.core.spark import arrow_to_spark, is_connect

        dt = self.delta(table, version)
        schema = pa.schema(dt.schema().to_arrow())
        partitioned = PARTITION_COLUMN in dt.metadata().partition_columns
        if not self.is_local:
            # Local Spark has no S3 filesystem (no s3a jars): read through delta-rs on the driver.
            return arrow_to_spark(spark, self.read_arrow(table, dts, version=version))
        names = [f.name for f in schema]
        if is_connect(spark):
            # Sail reads Delta natively; the version is pinned to the one delta-rs resolved, so the rows are
            # those of one snapshot. (Sail does not recover `dt` from dt=... folders of a file list.)
            df = spark.read.format("delta").option("versionAsOf", dt.version()).load(self.uri(table))
            if partitioned and dts is not None:
                df = df.where(F.col(PARTITION_COLUMN).isin(check_dts(dts)))
            return df.select(*names)
        filters = self._filters(dt, dts)
        files = dt.file_uris(file_pruning_predicate=filters) if filters else dt.file_uris()
        if not files:
            return spark.createDataFrame([], schema=from_arrow_schema(schema, prefer_timestamp_ntz=False))
        file_schema = pa.schema([f for f in schema if not (partitioned and f.name == PARTITION_COLUMN)])
        reader = spark.read.schema(from_arrow_schema(file_schema, prefer_timestamp_ntz=False))
        if partitioned:
            # Both writers (Spark here, delta-rs when optimizing) lay files out as dt=<value>/, so Spark
            # recovers dt from the path; type inference is off in the session, so it stays a string.
            reader = reader.option("basePath", self.uri(table))
        df = reader.parquet(*files)
        return df.select(*names)

    def write(
        self,
        df: "DataFrame",
        table: TableRef | str,
        dts: Sequence[str] | None,
        *,
        partitioned: bool,
        commit_metadata: dict[str, str] | None = None,
    ) -> WriteResult:
        """Replace partitions `dts` of a dt-partitioned table (or the whole table when `dts` is None).

        `commit_metadata` (string keys and values) is stored in the Delta commit (see `commit_value`)."""
        ref = TableRef.parse(table)
        if not self.is_local:
            # Local Spark cannot write to S3 (no s3a jars): the rows go through the driver to delta-rs.
            from pyspark.sql.pandas.types import to_arrow_schema

            from platform_assets.core.spark import to_arrow

            if partitioned and PARTITION_COLUMN not in df.columns:
                raise ValueError(f"{ref}: a partitioned table needs a '{PARTITION_COLUMN}' column")
            replace = check_dts(dts) if (partitioned and dts is not None) else None
            data = to_arrow(df).cast(_nullable(to_arrow_schema(df.schema)))
            return self.write_arrow(
                data, ref, replace, partitioned=partitioned, commit_metadata=commit_metadata
            )
        return self.commit_staged(
            self.stage(df, ref, partitioned=partitioned), dts, commit_metadata=commit_metadata
        )

    def stage(self, df: "DataFrame", table: TableRef | str, *, partitioned: bool) -> StagedWrite:
        """Write `df`'s rows as Parquet files beside a local table, not yet part of it: what `commit_staged`
        adds to the table in one Delta commit (or `discard` removes). `read_staged` reads them meanwhile,
        so checks audit the very files that will be published."""
        from pyspark.sql.pandas.types import to_arrow_schema

        ref = TableRef.parse(table)
        if not self.is_local:
            raise ValueError(f"{ref}: only a local lake stages files beside its tables")
        if partitioned and PARTITION_COLUMN not in df.columns:
            raise ValueError(f"{ref}: a partitioned table needs a '{PARTITION_COLUMN}' column")
        schema = _nullable(to_arrow_schema(df.schema))
        write_id = uuid.uuid4().hex
        staging = os.path.join(self.uri(ref), "_staging", write_id)
        # "error" (the Connect client refuses the alias "errorifexists"): a staging folder is never reused.
        writer = df.write.mode("error").option("compression", "snappy")
        if partitioned:
            writer = writer.partitionBy(PARTITION_COLUMN)
        staged = StagedWrite(ref, staging, write_id, schema, list(df.columns), partitioned)
        try:
            writer.parquet(staging)
            staged.files = self._stage_files(staging, partitioned)
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def read_staged(self, spark: "SparkSession", staged: StagedWrite) -> "DataFrame":
        """The staged rows as a DataFrame with the columns in their order (`dt` recovered from its folders,
        a string: partition type inference is off in the session)."""
        if not staged.files:
            from pyspark.sql.pandas.types import from_arrow_schema

            return spark.createDataFrame(
                [], schema=from_arrow_schema(staged.schema, prefer_timestamp_ntz=False)
            )
        return spark.read.parquet(staged.staging).select(*staged.columns)

    def discard(self, staged: StagedWrite) -> None:
        shutil.rmtree(staged.staging, ignore_errors=True)
        _rmdir_if_empty(os.path.dirname(staged.staging))

    def commit_staged(
        self,
        staged: StagedWrite,
        dts: Sequence[str] | None,
        *,
        commit_metadata: dict[str, str] | None = None,
    ) -> WriteResult:
        """Replace partitions `dts` of the table (or the whole table when `dts` is None) with the staged
        files, in one Delta commit; staged rows of a day outside `dts` refuse the whole write. The staging
        folder is gone afterwards, whatever happened.

        `commit_metadata` (string keys and values) is stored in the Delta commit (see `commit_value`)."""
        ref, partitioned, schema = staged.table, staged.partitioned, staged.schema
        uri = self.uri(ref)
        try:
            replace = check_dts(dts) if (partitioned and dts is not None) else None
            if replace is not None:
                outside = sorted({d for d, _ in staged.files} - set(replace))
                if outside:
                    raise ValueError(
                        f"{ref}: the transform produced rows for dt {outside[:5]} outside the partitions "
                        f"being replaced {replace[0]}..{replace[-1]}; refusing to write them"
                    )
            actions, rows_by_dt = self._adopt_files(
                uri, staged.staging, staged.files, schema, staged.write_id
            )
        finally:
            self.discard(staged)
        version = self._commit(ref, schema, actions, replace, partitioned, commit_metadata)
        return WriteResult(
            table=ref.path,
            version=version,
            rows=sum(rows_by_dt.values()),
            rows_by_dt=rows_by_dt if partitioned else {},
            files=len(actions),
            schema=[(f.name, delta_type_name(f.type)) for f in schema],
            replaced=replace,
        )

    def write_arrow(
        self,
        data: pa.Table,
        table: TableRef | str,
        dts: Sequence[str] | None,
        *,
        partitioned: bool,
        commit_metadata: dict[str, str] | None = None,
    ) -> WriteResult:
        """The same replace semantics for data already on the driver (S3 lakes without a Spark S3 FS)."""
        from deltalake import write_deltalake

        ref = TableRef.parse(table)
        replace = check_dts(dts) if (partitioned and dts is not None) else None
        data = data.cast(_nullable(data.schema))
        rows_by_dt: dict[str, int] = {}
        if partitioned:
            import pyarrow.compute as pc

            counts = pc.value_counts(data[PARTITION_COLUMN]).to_pylist() if data.num_rows else []
            rows_by_dt = {c["values"]: c["counts"] for c in counts}
            outside = sorted(set(rows_by_dt) - set(replace)) if replace is not None else []
            if outside:
                raise ValueError(f"{ref}: rows for dt {outside[:5]} outside the partitions being replaced")
        kwargs = dict(mode="overwrite", storage_options=self.storage_options)
        if commit_metadata:
            from deltalake import CommitProperties

            kwargs["commit_properties"] = CommitProperties(custom_metadata=dict(commit_metadata))
        if partitioned:
            kwargs["partition_by"] = [PARTITION_COLUMN]
        exists = self.exists(ref)
        if exists and replace is not None:
            if not replace:
                return WriteResult(ref.path, self.delta(ref).version(), 0, {}, 0, [], [])
            quoted = ", ".join(f"'{d}'" for d in replace)  # values checked as YYYY-MM-DD above
            kwargs["predicate"] = f"{PARTITION_COLUMN} IN ({quoted})"
        elif exists:
            kwargs["schema_mode"] = "overwrite"
        write_deltalake(self.uri(ref), data, **kwargs)
        return WriteResult(
            table=ref.path,
            version=self.delta(ref).version(),
            rows=data.num_rows,
            rows_by_dt=rows_by_dt,
            files=0,
            schema=[(f.name, delta_type_name(f.type)) for f in data.schema],
            replaced=replace,
        )

    def merge(
        self,
        rows: pa.Table,
        table: TableRef | str,
        key: Sequence[str],
        *,
        delete_keys: pa.Table | None = None,
        commit_metadata: dict[str, str] | None = None,
    ) -> WriteResult:
        """Upsert `rows` into an existing unpartitioned table by `key`, and delete the rows whose key is in
        `delete_keys`, in ONE Delta commit (delta-rs MERGE). Rows of other keys are untouched.

        The table must exist (the first write of a table is a full `write`). Nothing to upsert or delete
        commits nothing. `rows` and `delete_keys` must not share a key; `rows` must be unique by `key`.
        """
        import pyarrow as pa
        from deltalake import CommitProperties

        ref = TableRef.parse(table)
        dt = self.delta(ref)
        schema = _nullable(pa.schema(dt.schema().to_arrow()))
        key = list(key)
        for k in key:
            if not _NAME.match(k) or k not in schema.names:
                raise ValueError(f"{ref}: merge key {k!r} is not a column of the table")
        missing = [n for n in schema.names if n not in rows.column_names]
        extra = [n for n in rows.column_names if n not in schema.names]
        if missing or extra:
            raise ValueError(
                f"{ref}: merge rows do not match the table (missing {missing}, extra {extra}); "
                "a schema change needs a full rewrite of the table"
            )
        upserts = rows.select(schema.names).cast(schema)
        deletes = delete_keys.num_rows if delete_keys is not None else 0
        if upserts.num_rows == 0 and deletes == 0:
            return WriteResult(
                ref.path, dt.version(), 0, {}, 0, [(f.name, delta_type_name(f.type)) for f in schema], None
            )
        flag = "_omnilake_delete"
        source = upserts.append_column(flag, pa.array([False] * upserts.num_rows, pa.bool_()))
        if deletes:
            gone = delete_keys.select(key).cast(pa.schema([schema.field(k) for k in key]))
            filler = {n: pa.nulls(gone.num_rows, schema.field(n).type) for n in schema.names if n not in key}
            gone_rows = pa.table(
                {n: gone[n] if n in key else filler[n] for n in schema.names}
                | {flag: pa.array([True] * gone.num_rows)},
                schema=source.schema,
            )
            source = pa.concat_tables([source, gone_rows])
        predicate = " AND ".join(f"t.{k} = s.{k}" for k in key)
        properties = CommitProperties(custom_metadata=dict(commit_metadata)) if commit_metadata else None
        metrics = (
            dt.merge(source, predicate, source_alias="s", target_alias="t", commit_properties=properties)
            .when_matched_delete(predicate=f"s.{flag}")
            .when_matched_update(updates={n: f"s.{n}" for n in schema.names})
            .when_not_matched_insert(updates={n: f"s.{n}" for n in schema.names}, predicate=f"NOT s.{flag}")
            .execute()
        )
        after = self.delta(ref)
        return WriteResult(
            table=ref.path,
            version=after.version(),
            rows=after.count(),
            rows_by_dt={},
            files=int(metrics.get("num_target_files_added", 0)),
            schema=[(f.name, delta_type_name(f.type)) for f in schema],
            replaced=None,
            merge={
                "rows_inserted": int(metrics.get("num_target_rows_inserted", 0)),
                "rows_updated": int(metrics.get("num_target_rows_updated", 0)),
                "rows_deleted": int(metrics.get("num_target_rows_deleted", 0)),
            },
        )

    def commit_value(self, table: TableRef | str, key: str, *, search: int = 100) -> str | None:
        """The value of custom commit metadata `key` in the newest of the last `search` commits that
        carries it (None when the table does not exist or no such commit is found)."""
        if not self.exists(table):
            return None
        for commit in self.delta(table).history(search):
            if key in commit:
                value = commit[key]
                return value if isinstance(value, str) else json.dumps(value)
        return None

    def partition_files(self, table: TableRef | str, version: int | None = None) -> dict[str, frozenset[str]]:
        """dt -> the data files of that partition in a version of a dt-partitioned table."""
        actions = self.delta(table, version).get_add_actions(flatten=True)
        column = f"partition.{PARTITION_COLUMN}"
        if column not in actions.column_names:
            raise ValueError(f"{TableRef.parse(table)} is not partitioned by {PARTITION_COLUMN}")
        out: dict[str, set[str]] = {}
        for path, dt in zip(actions.column("path").to_pylist(), actions.column(column).to_pylist()):
            out.setdefault(dt, set()).add(path)
        return {dt: frozenset(paths) for dt, paths in out.items()}

    def changed_partitions(self, table: TableRef | str, since: int, until: int | None = None) -> list[str]:
        """Partitions whose files differ between versions `since` and `until` (default: current) of a
        dt-partitioned table: rewritten, added or removed partitions. A compaction counts as a change
        (more is recomputed, never less)."""
        old = self.partition_files(table, since)
        new = self.partition_files(table, until)
        return sorted(d for d in set(old) | set(new) if old.get(d) != new.get(d))

    @staticmethod
    def _stage_files(staging: str, partitioned: bool) -> list[tuple[str | None, str]]:
        out = []
        for dirpath, _, names in os.walk(staging):
            for name in sorted(names):
                if not name.endswith(".parquet"):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), staging)
                dt = None
                if partitioned:
                    head = rel.split(os.sep)[0]
                    value = head.split("=", 1)[1] if head.startswith(f"{PARTITION_COLUMN}=") else None
                    if value is None or not _DT.match(value):
                        raise ValueError(f"rows with an invalid or null '{PARTITION_COLUMN}' ({head})")
                    dt = value
                out.append((dt, rel))
        return out

    @staticmethod
    def _adopt_files(uri, staging, files, schema, write_id):
        import pyarrow.parquet as pq
        from deltalake.transaction import AddAction

        actions, rows_by_dt = [], {}
        for dt, rel in files:
            name = os.path.basename(rel)
            target_rel = f"{PARTITION_COLUMN}={dt}/{name}" if dt is not None else name
            target = os.path.join(uri, target_rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(os.path.join(staging, rel), target)
            meta = pq.read_metadata(target)
            st = os.stat(target)
            stats = _file_stats(meta, schema)
            actions.append(
                AddAction(
                    target_rel,
                    st.st_size,
                    {PARTITION_COLUMN: dt} if dt is not None else {},
                    int(st.st_mtime * 1000),
                    True,
                    json.dumps(stats),
                )
            )
            key = dt if dt is not None else ""
            rows_by_dt[key] = rows_by_dt.get(key, 0) + meta.num_rows
        return actions, rows_by_dt

    def _commit(
        self, ref: TableRef, schema: pa.Schema, actions, replace, partitioned: bool, commit_metadata=None
    ) -> int:
        import pyarrow as pa
        from deltalake import CommitProperties, DeltaTable, Schema
        from deltalake.transaction import create_table_with_add_actions

        uri = self.uri(ref)
        partition_by = [PARTITION_COLUMN] if partitioned else None
        properties = CommitProperties(custom_metadata=dict(commit_metadata)) if commit_metadata else None
        if not DeltaTable.is_deltatable(uri, storage_options=self.storage_options):
            create_table_with_add_actions(
                uri,
                Schema.from_arrow(schema),
                actions,
                mode="overwrite",
                partition_by=partition_by,
                storage_options=self.storage_options,
                commit_properties=properties,
            )
            return DeltaTable(uri, storage_options=self.storage_options).version()
        dt = DeltaTable(uri, storage_options=self.storage_options)
        current = _nullable(pa.schema(dt.schema().to_arrow()))
        if replace is not None and not _same_schema(current, schema):
            present = {p[PARTITION_COLUMN] for p in dt.partitions()}
            if not present <= set(replace):
                raise ValueError(
                    f"{ref}: the schema changed ({_schema_diff(current, schema)}); re-materialize every "
                    f"partition of the table in one run (omnilake run --from/--to) to migrate it"
                )
            replace = None  # the run covers every partition: replace the whole table and its schema
        if replace is not None and not replace:
            return dt.version()
        filters = [(PARTITION_COLUMN, "in", replace)] if replace is not None else None
        dt.create_write_transaction(
            actions,
            mode="overwrite",
            schema=schema,
            partition_by=partition_by,
            partition_filters=filters,
            commit_properties=properties,
        )
        return DeltaTable(uri, storage_options=self.storage_options).version()


def _same_schema(a: pa.Schema, b: pa.Schema) -> bool:
    return [(f.name, f.type) for f in a] == [(f.name, f.type) for f in b]


def _schema_diff(a: pa.Schema, b: pa.Schema) -> str:
    old = {f.name: f.type for f in a}
    new = {f.name: f.type for f in b}
    parts = [f"+{n}" for n in new if n not in old] + [f"-{n}" for n in old if n not in new]
    parts += [f"{n}: {old[n]} -> {new[n]}" for n in new if n in old and old[n] != new[n]]
    return ", ".join(parts) or "column order"


def _rmdir_if_empty(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:
        pass


def _stat_value(value, t: pa.DataType):
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_integer(t):
        return int(value)
    if pa.types.is_floating(t):
        v = float(value)
        return None if v != v or v in (float("inf"), float("-inf")) else v
    if pa.types.is_string(t):
        return value if len(value) <= _MAX_STAT_STRING else None
    if pa.types.is_date32(t):
        return value.isoformat()
    return None  # timestamps and nested types: numRecords and nullCount are enough


def _file_stats(meta, schema: pa.Schema) -> dict:
    """Delta file statistics (numRecords, nullCount, min/max where exact) from a Parquet footer."""
    types = {f.name: f.type for f in schema}
    mins: dict = {}
    maxs: dict = {}
    nulls: dict = {}
    inexact: set[str] = set()
    for rg in range(meta.num_row_groups):
        group = meta.row_group(rg)
        for c in range(group.num_columns):
            col = group.column(c)
            name = col.path_in_schema
            if name not in types:
                continue
            s = col.statistics
            if s is None:
                nulls[name] = None
                continue
            if s.has_null_count and nulls.get(name, 0) is not None:
                nulls[name] = nulls.get(name, 0) + s.null_count
            has_values = not (s.has_null_count and s.null_count == col.num_values)
            if s.has_min_max:
                lo, hi = _stat_value(s.min, types[name]), _stat_value(s.max, types[name])
                if lo is None or hi is None:
                    inexact.add(name)
                else:
                    mins[name] = lo if name not in mins else min(mins[name], lo)
                    maxs[name] = hi if name not in maxs else max(maxs[name], hi)
            elif has_values:
                inexact.add(name)  # bounds over the other row groups alone would be wrong
    stats: dict = {"numRecords": meta.num_rows}
    nulls = {k: v for k, v in nulls.items() if v is not None}
    if nulls:
        stats["nullCount"] = nulls
    mins = {k: v for k, v in mins.items() if k not in inexact}
    if mins:
        stats["minValues"] = mins
        stats["maxValues"] = {k: maxs[k] for k in mins}
    return stats
