"""The warehouse resource on a real SQLite database."""

from decimal import Decimal

import pyarrow as pa
import pytest

from resources.warehouse import WarehouseResource


def test_replace_table_swaps_the_whole_table_and_binds_values(tmp_path):
    wh = WarehouseResource(url=f"sqlite:///{tmp_path / 'wh.db'}")
    first = pa.table(
        {"user_id": [1, 2], "total": pa.array([Decimal("10.50"), Decimal("3.25")], pa.decimal128(18, 2))}
    )
    assert wh.replace_table("customers", first) == 2
    hostile = pa.table({"user_id": [7], "note": ["'); DROP TABLE customers; --"]})
    assert wh.replace_table("customers", hostile) == 1
    assert wh.read("select user_id, note from customers") == [
        {"user_id": 7, "note": "'); DROP TABLE customers; --"}
    ]
    assert wh.read("select name from sqlite_master where name like :p", {"p": "%staging%"}) == []


def test_a_failed_replace_leaves_the_served_table_as_it_was(tmp_path):
    wh = WarehouseResource(url=f"sqlite:///{tmp_path / 'wh.db'}")
    wh.replace_table("marts", pa.table({"k": [1, 2, 3]}))
    with pytest.raises(Exception):
        # A value SQLite cannot bind fails mid-insert; the transaction rolls back.
        wh.replace_table("marts", pa.table({"k": pa.array([{"a": 1}], pa.struct([("a", pa.int64())]))}))
    assert wh.read("select k from marts order by k") == [{"k": 1}, {"k": 2}, {"k": 3}]


def test_identifiers_are_validated(tmp_path):
    wh = WarehouseResource(url=f"sqlite:///{tmp_path / 'wh.db'}")
    with pytest.raises(ValueError, match="identifier"):
        wh.replace_table("x; drop table y", pa.table({"k": [1]}))
