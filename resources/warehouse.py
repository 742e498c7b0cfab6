"""The warehouse: the serving database the marts are published to (SQLite, PostgreSQL/RDS, Redshift)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import dagster as dg
from pydantic import PrivateAttr

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _sql_type(t: pa.DataType):
    import pyarrow as pa
    import sqlalchemy as sa

    if pa.types.is_integer(t):
        return sa.BigInteger()
    if pa.types.is_floating(t):
        return sa.Float(53)
    if pa.types.is_decimal(t):
        return sa.Numeric(t.precision, t.scale)
    if pa.types.is_boolean(t):
        return sa.Boolean()
    if pa.types.is_timestamp(t):
        return sa.DateTime(timezone=t.tz is not None)
    if pa.types.is_date(t):
        return sa.Date()
    return sa.Text()


class WarehouseResource(dg.ConfigurableResource):
    """A SQLAlchemy URL; read it from `OMNILAKE_WAREHOUSE_URL` with `dg.EnvVar` when it holds a password."""

    url: str

    _engine: Any = PrivateAttr(default=None)

    def engine(self):
        import sqlalchemy as sa

        if self._engine is None:
            engine = sa.create_engine(self.url, future=True)
            if engine.dialect.name == "sqlite":
                _transactional_sqlite(engine)
            self._engine = engine
        return self._engine

    @property
    def dialect(self) -> str:
        """'sqlite', 'postgresql', ...: what metadata may say about the warehouse (never the URL)."""
        return self.engine().dialect.name

    def upsert_table(
        self,
        name: str,
        data: pa.Table,
        key: Sequence[str],
        *,
        updated_at: str = "updated_at",
        delete_missing: bool = False,
        views: Optional[Mapping[str, str]] = None,
    ) -> dict[str, int]:
        """Upsert `data` into table `name` (created if absent, primary key `key`) in ONE transaction.

        The rows go through bound parameters into a temporary staging table, then one
        `INSERT INTO name SELECT ... FROM staging ON CONFLICT (key) DO UPDATE` writes them: new keys are
        inserted, changed rows updated, identical rows left alone, so `updated_at` (set to the time of
        the upsert) is the time a row last changed. `delete_missing` deletes the rows whose key is not in
        `data` (the table then mirrors `data`). `views` {name: SELECT} are (re)created in the same
        transaction. Any failure rolls everything back: readers see the table as it was, or as it is
        after the whole upsert. SQLite and PostgreSQL (RDS).
        """
        import sqlalchemy as sa

        key = list(key)
        columns = list(data.column_names)
        for identifier in (name, *columns, updated_at, *(views or {})):
            if not _IDENTIFIER.match(identifier):
                raise ValueError(f"{identifier!r} is not a valid warehouse identifier")
        if not key or any(k not in columns for k in key):
            raise ValueError(f"the key {key} must name columns of the data {columns}")
        if updated_at in columns:
            raise ValueError(f"{updated_at!r} is set by the upsert; the data must not carry it")
        engine = self.engine()
        insert = _dialect_insert(engine.dialect.name)
        types = {f.name: _sql_type(f.type) for f in data.schema}
        target = sa.Table(
            name,
            sa.MetaData(),
            *[sa.Column(c, types[c], primary_key=c in key, autoincrement=False) for c in columns],
            sa.Column(updated_at, sa.DateTime(timezone=True), nullable=False),
        )
        # Keyed like the target: the anti-joins below are index lookups, and a duplicate or null key fails
        # while staging, before anything is written.
        staging = sa.Table(
            f"{name}__staging",
            sa.MetaData(),
            *[sa.Column(c, types[c], primary_key=c in key, autoincrement=False) for c in columns],
            prefixes=["TEMPORARY"],
        )
        values = [c for c in columns if c not in key]
        rows = data.to_pylist()
        now = datetime.now(timezone.utc)
        counts = {"staged": len(rows), "inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        with engine.begin() as conn:
            target.create(conn, checkfirst=True)
            present = {c["name"] for c in sa.inspect(conn).get_columns(name)}
            if present != {*columns, updated_at}:
                raise ValueError(
                    f"warehouse table {name} has columns {sorted(present)}, the upsert brings "
                    f"{sorted({*columns, updated_at})}: migrate the table first"
                )
            staging.create(conn)
            if rows:
                conn.execute(staging.insert(), rows)
            matches = sa.and_(*[target.c[k] == staging.c[k] for k in key])
            counts["inserted"] = conn.execute(
                sa.select(sa.func.count()).select_from(staging).where(~sa.exists().where(matches))
            ).scalar_one()
            # WHERE true: SQLite needs it to parse INSERT ... SELECT ... ON CONFLICT.
            source = sa.select(
                *[staging.c[c] for c in columns], sa.literal(now, sa.DateTime(timezone=True))
            ).where(sa.true())
            statement = insert(target).from_select([*columns, updated_at], source)
            changed = (
                sa.or_(*[target.c[c].is_distinct_from(statement.excluded[c]) for c in values])
                if values
                else sa.false()
            )
            statement = statement.on_conflict_do_update(
                index_elements=key,
                set_={
                    **{c: statement.excluded[c] for c in values},
                    updated_at: statement.excluded[updated_at],
                },
                where=changed,
            )
            # RETURNING lists the rows actually inserted or updated (rowcount is not reliable for
            # INSERT ... SELECT on every driver).
            written = len(conn.execute(statement.returning(target.c[key[0]])).all())
            counts["updated"] = written - counts["inserted"]
            counts["unchanged"] = counts["staged"] - written
            if delete_missing:
                kept = sa.select(sa.literal(1)).select_from(staging).where(matches)
                counts["deleted"] = conn.execute(sa.delete(target).where(~sa.exists(kept))).rowcount
            preparer = engine.dialect.identifier_preparer
            for view, select_sql in (views or {}).items():
                conn.execute(sa.text(f"DROP VIEW IF EXISTS {preparer.quote(view)}"))
                conn.execute(sa.text(f"CREATE VIEW {preparer.quote(view)} AS {select_sql}"))
            staging.drop(conn)
        return counts

    def replace_table(self, name: str, data: pa.Table) -> int:
        """Replace table `name` with `data` in one transaction: readers see the old or the new table.

        Rows go in through bound parameters into a staging table, which then takes the table's place.
        """
        import sqlalchemy as sa

        for identifier in (name, *data.column_names):
            if not _IDENTIFIER.match(identifier):
                raise ValueError(f"{identifier!r} is not a valid warehouse identifier")
        staging = f"{name}__staging"
        metadata = sa.MetaData()
        table = sa.Table(staging, metadata, *[sa.Column(f.name, _sql_type(f.type)) for f in data.schema])
        rows = data.to_pylist()
        preparer = self.engine().dialect.identifier_preparer
        with self.engine().begin() as conn:  # DDL is transactional in SQLite and PostgreSQL
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {preparer.quote(staging)}"))
            table.create(conn)
            if rows:
                conn.execute(table.insert(), rows)
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {preparer.quote(name)}"))
            conn.execute(sa.text(f"ALTER TABLE {preparer.quote(staging)} RENAME TO {preparer.quote(name)}"))
        return len(rows)

    def read(self, sql: str, params: Optional[dict] = None) -> list[dict]:
        import sqlalchemy as sa

        with self.engine().connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params or {})]


def _dialect_insert(dialect: str):
    """The INSERT construct with ON CONFLICT support of a dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(
            f"upsert_table supports sqlite and postgresql (RDS); {dialect} needs a MERGE-based upsert"
        )
    return insert


def _transactional_sqlite(engine) -> None:
    """Make pysqlite honour transactions for DDL too (it otherwise commits before CREATE/DROP).

    SQLAlchemy's documented recipe: the driver stops managing transactions and SQLAlchemy emits BEGIN.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, connection_record):  # noqa: ARG001
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")
