"""Each restaurants mart is published by its own asset to `restaurants_<mart>`, replaced in one transaction,
on SQLite and on PostgreSQL (the `postgres_db` fixture)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from platform_assets.core.lake import Lake
from platform_assets.restaurants.assets import warehouse_marts
from platform_assets.restaurants.marts import MARTS
from resources.lake import LakeResource
from resources.warehouse import WarehouseResource

MART = "mart_location_performance"


def location_rows(n: int) -> pa.Table:
    return pa.table(
        {
            "restaurant_id": [f"R{i}" for i in range(n)],
            "orders": pa.array([10 - i for i in range(n)], pa.int64()),
            "net_revenue": pa.array([Decimal(f"{100 - i}.50") for i in range(n)], pa.decimal128(18, 2)),
            "revenue_share": pa.array([1 / n] * n, pa.float64()),
            "revenue_rank": pa.array(list(range(1, n + 1)), pa.int32()),
            "as_of": pa.array([date(2025, 1, 1)] * n, pa.date32()),
        }
    )


def publish(home: Path, url: str, table: pa.Table):
    Lake(str(home / "lake")).write_arrow(table, f"gold/restaurants/{MART}", None, partitioned=False)
    asset = next(a for a in warehouse_marts if a.key == dg.AssetKey(["warehouse", "restaurants", MART]))
    result = dg.materialize(
        [asset],
        resources={"lake": LakeResource(root=str(home / "lake")), "warehouse": WarehouseResource(url=url)},
    )
    assert result.success
    return result


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_mart_is_replaced_whole_in_the_warehouse(tmp_path, backend, request):
    url = f"sqlite:///{tmp_path / 'wh.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_db")
    wh = WarehouseResource(url=url)
    result = publish(tmp_path, url, location_rows(3))
    rows = wh.read(f"SELECT * FROM restaurants_{MART} ORDER BY revenue_rank")
    assert [r["restaurant_id"] for r in rows] == ["R0", "R1", "R2"]
    assert Decimal(str(rows[0]["net_revenue"])).quantize(Decimal("0.01")) == Decimal("100.50")
    checks = [
        e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert [(c.check_name, c.passed) for c in checks] == [("matches_gold", True)]
    # A new gold version with fewer rows replaces the table (no leftover rows, no staging table).
    publish(tmp_path, url, location_rows(2))
    assert wh.read(f"SELECT COUNT(*) AS n FROM restaurants_{MART}")[0]["n"] == 2
    import sqlalchemy as sa

    names = set(sa.inspect(wh.engine()).get_table_names())
    assert f"restaurants_{MART}" in names and not any(n.endswith("__staging") for n in names)


def test_every_mart_has_a_warehouse_asset_downstream_of_its_gold_table():
    keys = {a.key: a for a in warehouse_marts}
    assert set(keys) == {dg.AssetKey(["warehouse", "restaurants", m]) for m in MARTS}
    for mart in MARTS:
        deps = {
            d.asset_key
            for d in keys[dg.AssetKey(["warehouse", "restaurants", mart])]
            .specs_by_key[dg.AssetKey(["warehouse", "restaurants", mart])]
            .deps
        }
        assert deps == {dg.AssetKey(["gold", "restaurants", mart])}
