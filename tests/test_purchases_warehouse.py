"""Serving the customer summary: the staging-table upsert in one transaction, on SQLite and on a real
PostgreSQL server (tests/postgres_server.py; skipped with the reason when PostgreSQL is unavailable)."""

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest
import sqlalchemy as sa

from platform_assets.purchases import serving
from resources.warehouse import WarehouseResource

SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("full_name", pa.string()),
        ("email", pa.string()),
        ("purchases", pa.int64()),
        ("total_spent_aud", pa.decimal128(18, 2)),
        ("first_purchase_date", pa.date32()),
        ("last_purchase_date", pa.date32()),
    ]
)


def summary(rows: list[tuple]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "customer_id": r[0],
                "full_name": r[1],
                "email": r[2],
                "purchases": r[3],
                "total_spent_aud": Decimal(r[4]),
                "first_purchase_date": date.fromisoformat(r[5]),
                "last_purchase_date": date.fromisoformat(r[6]),
            }
            for r in rows
        ],
        schema=SCHEMA,
    )


# SQLite keeps NUMERIC as an 8-byte float: money is exact there up to ~15 significant digits (far above any
# customer total); PostgreSQL keeps NUMERIC(18,2) exactly.
FIRST = summary(
    [
        (1, "Jane Smith", "jane@example.com", 1, "225.00", "2023-10-02", "2023-10-02"),
        (2, "Zoë O'Brien", "zoe@example.com", 3, "123456789012.34", "2024-01-01", "2025-01-03"),
        (3, None, "anon@example.com", 2, "0.01", "2024-02-29", "2024-03-01"),
        (
            4,
            "Robert'); DROP TABLE customer_purchase_summary;--",
            "bobby@example.com",
            1,
            "50.50",
            "2025-01-01",
            "2025-01-01",
        ),
        (5, "Ann Lee", "ann@example.com", 4, "700.00", "2024-12-01", "2025-01-04"),
        (6, "Bo Ng", "bo@example.com", 2, "700.00", "2024-12-02", "2025-01-02"),
        (7, "Cy Roe", "cy@example.com", 1, "12.34", "2025-01-02", "2025-01-02"),
    ]
)
# Customer 1 unchanged, 5 updated, 3 gone (its purchase moved away), 8 new.
SECOND = summary(
    [
        (1, "Jane Smith", "jane@example.com", 1, "225.00", "2023-10-02", "2023-10-02"),
        (2, "Zoë O'Brien", "zoe@example.com", 3, "123456789012.34", "2024-01-01", "2025-01-03"),
        (
            4,
            "Robert'); DROP TABLE customer_purchase_summary;--",
            "bobby@example.com",
            1,
            "50.50",
            "2025-01-01",
            "2025-01-01",
        ),
        (5, "Ann Lee", "ann.lee@example.net", 5, "880.25", "2024-12-01", "2025-01-06"),
        (6, "Bo Ng", "bo@example.com", 2, "700.00", "2024-12-02", "2025-01-02"),
        (7, "Cy Roe", "cy@example.com", 1, "12.34", "2025-01-02", "2025-01-02"),
        (8, "Di Fox", "di@example.com", 1, "99.90", "2025-01-06", "2025-01-06"),
    ]
)


def served(wh: WarehouseResource) -> list[dict]:
    """The served table, typed the same way on every dialect (reflected columns), ordered by key."""
    table = sa.Table(serving.SUMMARY_TABLE, sa.MetaData(), autoload_with=wh.engine())
    with wh.engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.customer_id))]
    for r in rows:
        r["total_spent_aud"] = Decimal(r["total_spent_aud"]).quantize(Decimal("0.01"))
    return rows


def without_updated_at(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]


def top(wh: WarehouseResource) -> list[tuple]:
    return [
        (r["customer_rank"], r["customer_id"])
        for r in wh.read(
            f"select customer_rank, customer_id from {serving.TOP_CUSTOMERS_VIEW} order by customer_rank"
        )
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse(request, tmp_path) -> WarehouseResource:
    if request.param == "sqlite":
        return WarehouseResource(url=f"sqlite:///{tmp_path / 'warehouse.db'}")
    return WarehouseResource(url=request.getfixturevalue("postgres_db"))


def test_upsert_inserts_updates_deletes_and_keeps_unchanged_rows(warehouse):
    assert serving.publish_summary(warehouse, FIRST) == {
        "staged": 7,
        "inserted": 7,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    first = {r["customer_id"]: r for r in served(warehouse)}
    assert without_updated_at(served(warehouse)) == without_updated_at(
        [{**r, "total_spent_aud": r["total_spent_aud"]} for r in FIRST.to_pylist()]
    )
    # Ties on total (5 and 6 at 700.00) rank the lower customer_id first.
    assert top(warehouse) == [(1, 2), (2, 5), (3, 6), (4, 1), (5, 4)]

    assert serving.publish_summary(warehouse, SECOND) == {
        "staged": 7,
        "inserted": 1,
        "updated": 1,
        "unchanged": 5,
        "deleted": 1,
    }
    second = {r["customer_id"]: r for r in served(warehouse)}
    assert without_updated_at(list(second.values())) == without_updated_at(SECOND.to_pylist())
    # updated_at is when a row last changed: only customer 5 (changed) and 8 (new) moved on.
    assert {c for c in second if c in first and second[c]["updated_at"] == first[c]["updated_at"]} == {
        1,
        2,
        4,
        6,
        7,
    }
    assert (
        second[5]["updated_at"] > first[5]["updated_at"]
        and second[8]["updated_at"] == second[5]["updated_at"]
    )
    assert top(warehouse) == [(1, 2), (2, 5), (3, 6), (4, 1), (5, 8)]
    # The hostile name went in as a bound value; the table is still there.
    assert second[4]["full_name"].startswith("Robert'); DROP TABLE")


@pytest.mark.parametrize("fail_at", ["staging_load", "after_upsert"])
def test_a_failure_in_the_middle_of_the_upsert_leaves_the_served_table_as_it_was(warehouse, fail_at):
    serving.publish_summary(warehouse, FIRST)
    before, before_top = served(warehouse), top(warehouse)
    engine = warehouse.engine()
    statements: list[str] = []

    def fail_after_the_upsert(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
        # The upsert has run (and changed rows) inside the transaction; the delete step then dies.
        if statement.lstrip().upper().startswith("DELETE FROM"):
            raise RuntimeError("injected failure after INSERT ... ON CONFLICT")

    if fail_at == "after_upsert":
        sa.event.listen(engine, "before_cursor_execute", fail_after_the_upsert)
        data = SECOND
    else:
        # A NULL key among valid rows: the load of the staging table fails part-way, after the served
        # table was created/checked inside the same transaction.
        data = pa.concat_tables(
            [SECOND, summary([(9, "X", "x@example.com", 1, "1.00", "2025-01-01", "2025-01-01")])]
        )
        data = data.set_column(
            0, "customer_id", pa.array([*SECOND.column("customer_id").to_pylist(), None], pa.int64())
        )
    try:
        with pytest.raises(Exception):
            serving.publish_summary(warehouse, data)
    finally:
        if fail_at == "after_upsert":
            sa.event.remove(engine, "before_cursor_execute", fail_after_the_upsert)
    if fail_at == "after_upsert":
        assert any("ON CONFLICT" in s for s in statements), "the failure must come after the upsert statement"
    assert served(warehouse) == before  # values and updated_at: untouched
    assert top(warehouse) == before_top
    # And the next publish works (no staging leftovers, no broken transaction).
    assert serving.publish_summary(warehouse, SECOND)["deleted"] == 1


def test_postgresql_matches_sqlite_row_for_row(tmp_path, postgres_db):
    lite = WarehouseResource(url=f"sqlite:///{tmp_path / 'warehouse.db'}")
    pg = WarehouseResource(url=postgres_db)
    for data in (FIRST, SECOND):
        assert serving.publish_summary(lite, data) == serving.publish_summary(pg, data)
        assert without_updated_at(served(pg)) == without_updated_at(served(lite))
        assert top(pg) == top(lite)
    assert pg.dialect == "postgresql" and lite.dialect == "sqlite"


def test_identifiers_are_validated_and_updated_at_is_reserved(tmp_path):
    wh = WarehouseResource(url=f"sqlite:///{tmp_path / 'wh.db'}")
    with pytest.raises(ValueError, match="identifier"):
        wh.upsert_table("x; drop table y", FIRST, ["customer_id"])
    with pytest.raises(ValueError, match="identifier"):
        wh.upsert_table("t", FIRST, ["customer_id"], views={"v; drop": "select 1"})
    with pytest.raises(ValueError, match="key"):
        wh.upsert_table("t", FIRST, ["nope"])
    with pytest.raises(ValueError, match="updated_at"):
        wh.upsert_table(
            "t",
            FIRST.append_column("updated_at", pa.array([None] * FIRST.num_rows, pa.string())),
            ["customer_id"],
        )
