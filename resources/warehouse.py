"""The warehouse: the serving database the marts are published to (SQLite, PostgreSQL/RDS, Redshift)."""

from __future__ import annotations

import re
from typing import Any, Optional

import dagster as dg
import pyarrow as pa
from pydantic import PrivateAttr

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _sql_type(t: pa.DataType):
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
            self._engine = sa.create_engine(self.url, future=True)
        return self._engine

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
