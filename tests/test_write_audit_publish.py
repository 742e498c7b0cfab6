"""A table that breaks its contract is not committed: the step fails, the check says why, the table stays."""

import dagster as dg
import pytest
from pyspark.sql import functions as F

from platform_assets.core.lake import Lake, TableRef
from platform_assets.medallion import Write, spark_asset
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import spark_engine

TABLE = TableRef("gold", "wap", "daily_sales")


def daily(inputs, ctx):
    """Two days of sales; `params.revenue` decides the revenue (negative breaks the contract)."""
    spark = ctx.spark
    revenue = ctx.params["revenue"]
    rows = [(d, 2, 3, 2, revenue) for d in ctx.dts]
    df = spark.createDataFrame(rows, "dt string, orders long, items long, customers long, revenue double")
    return {
        "gold": df.select(
            "orders",
            "items",
            "customers",
            F.col("revenue").cast("decimal(18,2)").alias("revenue"),
            (F.col("revenue") / F.col("orders")).cast("decimal(18,2)").alias("avg_order_value"),
            F.lit(0.5).alias("reorder_rate"),
            "dt",
        )
    }


def asset(revenue: float) -> dg.AssetsDefinition:
    return spark_asset(
        name="gold_wap_daily_sales",
        group="wap",
        transform="test_write_audit_publish:daily",
        reads={},
        writes={"gold": Write(TABLE, "test table", "platform_assets.ecommerce.checks:DailySales")},
        params={"revenue": revenue},
    )


def materialize(tmp_path, revenue: float):
    return dg.materialize(
        [asset(revenue)],
        tags={
            "dagster/asset_partition_range_start": "2025-02-01",
            "dagster/asset_partition_range_end": "2025-02-02",
        },
        resources={
            "spark": spark_engine("sail"),
            "lake": LakeResource(root=str(tmp_path / "lake")),
            "landing": ObjectStoreResource(root=str(tmp_path / "landing")),
        },
        raise_on_error=False,
    )


def test_a_failing_blocking_contract_commits_nothing(tmp_path, spark):
    good = materialize(tmp_path, 100.0)
    assert good.success
    lake = Lake(str(tmp_path / "lake"))
    version = lake.delta(TABLE).version()
    before = lake.read_arrow(TABLE).sort_by("dt")

    bad = materialize(tmp_path, -5.0)
    assert not bad.success
    failure = bad.get_step_failure_events()[0].event_specific_data.error
    assert "blocking checks failed" in failure.message and "pandera_contract" in failure.message
    evaluation = next(
        e.event_specific_data for e in bad.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    )
    assert evaluation.passed is False
    failures = evaluation.metadata["failures"].value
    assert any(f["column"] == "revenue" for f in failures)
    # Nothing was written: same version, same rows.
    assert lake.delta(TABLE).version() == version
    assert lake.read_arrow(TABLE).sort_by("dt").equals(before)
    assert [float(r) for r in before.column("revenue").to_pylist()] == pytest.approx([100.0, 100.0])
