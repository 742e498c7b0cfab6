"""The ecommerce domain end to end through Dagster: real runs, real Spark, real Delta tables."""

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest
from conftest import REPO, shared_file

from platform_assets.core.lake import Lake
from platform_assets.definitions import build_definitions
from platform_assets.ecommerce.generator import generate
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import spark_engine

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
SUPERSEDED = "superseded_by_later_delivery"


def make_defs(home: Path, mode: str = "sail") -> dg.Definitions:
    return build_definitions(
        {
            "spark": spark_engine(mode),
            "lake": LakeResource(root=str(home / "lake")),
            "landing": ObjectStoreResource(root=str(home / "landing")),
        }
    )


def run_range(
    defs: dg.Definitions, instance: dg.DagsterInstance, start: str, end: str, job: str = "ecommerce_job"
):
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance, tags={RANGE_START: start, RANGE_END: end}, raise_on_error=False
    )
    return result


def snapshot(lake: Lake) -> dict[str, pa.Table]:
    """Every table's rows, sorted, without the columns that legitimately differ between runs (the quality
    history is a log of runs: what each run counted, without which run and when)."""
    out = {}
    for ref in lake.list_tables():
        table = lake.read_arrow(ref)
        if ref.layer == "quality":
            table = pa.Table.from_pylist(
                [
                    dict(t)
                    for t in {
                        tuple(r.items()) for r in table.drop_columns(["run_id", "recorded_at"]).to_pylist()
                    }
                ]
            )
        out[ref.path] = table.sort_by([(c, "ascending") for c in table.column_names if c != "_rules_failed"])
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    """Three generated days (the third delivered as a multi-sheet workbook), messy as generated."""
    landing = tmp_path_factory.mktemp("generated") / "landing"
    summary = generate(landing, date(2025, 1, 1), 3, seed=11, scale=0.3)
    return landing, summary


@pytest.fixture(scope="module")
def local_run(generated, tmp_path_factory, spark):
    """The generated days run through Dagster once, in one run, with the in-process runner."""
    landing, summary = generated
    home = tmp_path_factory.mktemp("local")
    shutil.copytree(landing, home / "landing", copy_function=shutil.copy2)
    instance = dg.DagsterInstance.ephemeral()
    defs = make_defs(home)
    result = run_range(defs, instance, "2025-01-01", "2025-01-03")
    return home, defs, instance, result, summary


HEAVY_LIBRARIES = ("pyspark", "pyarrow", "numpy", "pandas", "pandera", "deltalake", "pysail")


def test_definitions_load_fast_without_spark():
    # The code location loads the asset graph only: no engine starts, and the engine and data libraries
    # (pyspark, pyarrow with numpy, pandas, pandera, delta-rs: ~0.35 s together) are imported by the runs
    # that use them, not by the webserver and daemon reloading definitions.
    code = (
        "import time; t = time.perf_counter(); import platform_assets.definitions as d; "
        "n = len(list(d.defs.resolve_asset_graph().get_all_asset_keys())); s = time.perf_counter() - t; "
        "import sys, json; heavy = sorted(m for m in %r if m in sys.modules); "
        "from pyspark import SparkContext; "
        "print(json.dumps({'seconds': s, 'heavy': heavy, "
        "'spark': SparkContext._active_spark_context is not None, 'assets': n}))"
    ) % (HEAVY_LIBRARIES,)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert facts["heavy"] == []
    assert facts["spark"] is False
    assert facts["assets"] >= 16
    print(f"definitions load: {facts['seconds']:.2f}s")  # the figure for the issue note (-s shows it)


def test_a_range_is_one_run_and_reconciles_with_the_landing_files(local_run):
    home, defs, instance, result, summary = local_run
    assert result.success, [e.message for e in result.get_step_failure_events()]
    runs = instance.get_runs()
    assert len(runs) == 1, "a three-day range must be ONE Dagster run (single-run backfill)"
    lake = Lake(str(home / "lake"))
    expected = summary["expected_silver"]

    silver_orders = lake.read_arrow("silver/ecommerce/orders")
    silver_items = lake.read_arrow("silver/ecommerce/order_items")
    assert silver_orders.num_rows == expected["orders"]
    assert silver_items.num_rows == expected["order_items"]
    assert lake.read_arrow("silver/ecommerce/products").num_rows == expected["products"]

    # Every bronze row is in silver or in quarantine, never both, never lost.
    for table in ("orders", "order_items"):
        bronze = lake.read_arrow(f"bronze/ecommerce/{table}").num_rows
        silver = lake.read_arrow(f"silver/ecommerce/{table}").num_rows
        quarantine = lake.read_arrow(f"quarantine/ecommerce/{table}")
        assert bronze == silver + quarantine.num_rows
        broken = [r for r in quarantine.column("_rules_failed").to_pylist() if r != [SUPERSEDED]]
        assert len(broken) == expected["quarantine"][table]

    daily = {r["dt"]: r for r in lake.read_arrow("gold/ecommerce/daily_sales").to_pylist()}
    assert sorted(daily) == ["2025-01-01", "2025-01-02", "2025-01-03"]
    for dt, want in expected["daily"].items():
        assert daily[dt]["orders"] == want["orders"]
        assert daily[dt]["items"] == want["order_items"]
        assert float(daily[dt]["revenue"]) == pytest.approx(want["revenue"], abs=0.001)

    # Each partition of the range is recorded as materialized.
    key = dg.AssetKey(["gold", "ecommerce", "daily_sales"])
    assert instance.get_materialized_partitions(key) == {"2025-01-01", "2025-01-02", "2025-01-03"}


def test_unparseable_files_and_malformed_rows_are_recorded(local_run):
    home, _, _, result, summary = local_run
    unparsed = Lake(str(home / "lake")).read_arrow("quarantine/ecommerce/order_items_unparsed").to_pylist()
    empty = summary["defect_files"]["empty_files"][0]
    malformed = summary["defect_files"]["malformed_rows"][0]
    assert any(r["file"] == empty and r["row"] is None and "empty" in r["reason"] for r in unparsed)
    rows = [r for r in unparsed if r["file"] == malformed and r["row"] is not None]
    assert len(rows) == summary["malformed_rows"] and rows[0]["raw"]


def test_checks_are_evaluated_and_the_orphan_warning_fires(local_run):
    _, _, _, result, summary = local_run
    evaluations = {
        (
            e.event_specific_data.asset_key.to_user_string(),
            e.event_specific_data.check_name,
        ): e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    for table in (
        "silver/ecommerce/orders",
        "silver/ecommerce/order_items",
        "gold/ecommerce/daily_sales",
        "gold/ecommerce/product_performance",
        "gold/ecommerce/department_analytics",
        "gold/ecommerce/customer_insights",
    ):
        assert evaluations[(table, "pandera_contract")].passed, table
        assert evaluations[(table, "unique_key")].passed, table
    orphans = evaluations[("silver/ecommerce/order_items", "orphan_items")]
    assert not orphans.passed and orphans.severity == dg.AssetCheckSeverity.WARN
    assert orphans.metadata["orphan_items"].value == summary["orphan_items"]


def test_rerunning_a_partition_gives_identical_tables(local_run):
    home, defs, instance, _, _ = local_run
    lake = Lake(str(home / "lake"))
    before = snapshot(lake)
    versions = {ref.path: lake.delta(ref).version() for ref in lake.list_tables()}
    result = run_range(defs, instance, "2025-01-02", "2025-01-02")
    assert result.success
    after = snapshot(lake)
    assert after.keys() == before.keys()
    for path in before:
        assert after[path].equals(before[path]), f"{path} changed on a re-run"
    # The re-run really wrote (a new Delta version), it did not skip.
    assert lake.delta("silver/ecommerce/orders").version() == versions["silver/ecommerce/orders"] + 1


def test_the_landing_sensor_drives_a_run_for_a_new_day(local_run, generated, tmp_path):
    """A new day's files land; the sensor's run request, executed, brings that day into gold."""
    landing, _ = generated
    home = tmp_path / "home"
    shutil.copytree(landing, home / "landing", copy_function=shutil.copy2)
    defs = make_defs(home)
    instance = dg.DagsterInstance.ephemeral()
    sensor = defs.resolve_sensor_def("ecommerce_orders_landing")
    resources = {"landing": ObjectStoreResource(root=str(home / "landing"))}
    with dg.build_sensor_context(instance=instance, resources=resources) as ctx:
        first = sensor.evaluate_tick(ctx)
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in first.run_requests] == [
        ("2025-01-01", "2025-01-03")
    ]
    # Products and items must be in bronze first: run everything for the range, then land a fourth day.
    assert run_range(defs, instance, "2025-01-01", "2025-01-03").success
    day4 = home / "landing/ecommerce/orders/2025-01-04"
    day4.mkdir(parents=True)
    (day4 / "orders.csv").write_text(
        "order_num,order_id,user_id,order_timestamp,total_amount,date\n"
        "1,990001,5001,2025-01-04T09:15:00,120.50,2025-01-04\n"
        "2,990002,5002,2025-01-04T10:00:00,79.50,2025-01-04\n"
    )
    with dg.build_sensor_context(instance=instance, resources=resources, cursor=first.cursor) as ctx:
        second = sensor.evaluate_tick(ctx)
    assert len(second.run_requests) == 1
    request = second.run_requests[0]
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2025-01-04", "2025-01-04")
    assert request.job_name == "ecommerce_orders_landing_job"
    result = defs.resolve_job_def(request.job_name).execute_in_process(
        instance=instance, tags=request.tags, raise_on_error=False
    )
    assert result.success
    daily = {
        r["dt"]: r for r in Lake(str(home / "lake")).read_arrow("gold/ecommerce/daily_sales").to_pylist()
    }
    assert daily["2025-01-04"]["orders"] == 2 and float(daily["2025-01-04"]["revenue"]) == 200.0
    assert len(daily) == 4


def test_subprocess_runner_produces_the_same_tables(local_run, generated, tmp_path):
    """Every kind of step through Dagster Pipes + spark-submit (the Glue/EMR path: classic Spark, a cold JVM
    per step) gives the tables the in-process run wrote: bronze from landing files, silver with its
    quarantine and checks, gold by day and the unpartitioned gold. The other sources' bronze and silver
    are the in-process run's (a spark-submit step costs seconds of JVM start; the AWS runner tests take
    the same entrypoint through the packaged job)."""
    home_local, *_ = local_run
    landing, _ = generated
    home = tmp_path / "home"
    shutil.copytree(landing, home / "landing", copy_function=shutil.copy2)
    shutil.copytree(home_local / "lake", home / "lake", ignore=shutil.ignore_patterns("quality"))
    local = snapshot(Lake(str(home / "lake")))
    for path in [p for p in local if p.split("/")[0] != "gold" and "/orders" not in p]:
        del local[path]  # kept as copied: not written by this run
    # The steps of bronze and silver orders (with their quarantines) and of every gold table.
    steps = [dg.AssetKey(path.split("/")) for path in local]
    for path in local:  # what this run must write again, from scratch
        shutil.rmtree(home / "lake" / path)
    job = make_defs(home, mode="subprocess").resolve_job_def("ecommerce_job")
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags={RANGE_START: "2025-01-01", RANGE_END: "2025-01-03"},
        asset_selection=steps,
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.get_step_failure_events()]
    mats = [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    assert any("delta_version" in e.event_specific_data.materialization.metadata for e in mats)
    assert {e.asset_key for e in mats} >= set(steps)
    piped = snapshot(Lake(str(home / "lake")))
    assert {"bronze/ecommerce/orders", "silver/ecommerce/orders", "quarantine/ecommerce/orders"} <= set(local)
    for path in local:
        assert piped[path].equals(local[path]), f"{path} differs between the local and subprocess runners"


def test_real_lab_workbooks_load_as_delivered(tmp_path, spark):
    """The lab's products.csv and two 15-sheet workbooks: 15 partitions, rows reconciled."""
    products = shared_file("ecommerce-lakehouse-apr2025", "products.csv")
    orders = shared_file("ecommerce-lakehouse-apr2025", "orders_apr_2025.xlsx")
    items = shared_file("ecommerce-lakehouse-apr2025", "order_items_apr_2025.xlsx")
    home = tmp_path / "home"
    for source, path, folder in (
        ("products", products, "2025-04-01"),
        ("orders", orders, "2025-04-15"),
        ("order_items", items, "2025-04-15"),
    ):
        target = home / "landing/ecommerce" / source / folder
        target.mkdir(parents=True)
        shutil.copy(path, target / path.name)
    result = run_range(make_defs(home), dg.DagsterInstance.ephemeral(), "2025-04-01", "2025-04-15")
    assert result.success, [e.message for e in result.get_step_failure_events()]
    lake = Lake(str(home / "lake"))
    import pyarrow.compute as pc

    for table, delivered, key in (("orders", 7500, "order_id"), ("order_items", 40803, "id")):
        bronze = lake.read_arrow(f"bronze/ecommerce/{table}")
        silver = lake.read_arrow(f"silver/ecommerce/{table}")
        quarantine = lake.read_arrow(f"quarantine/ecommerce/{table}")
        assert bronze.num_rows == delivered
        assert len(set(bronze.column("dt").to_pylist())) == 15
        assert silver.num_rows == len(pc.unique(bronze.column(key)))
        assert quarantine.num_rows == bronze.num_rows - silver.num_rows
        assert all(rules for rules in quarantine.column("_rules_failed").to_pylist())
    assert lake.read_arrow("silver/ecommerce/products").num_rows == 1000
    daily = lake.read_arrow("gold/ecommerce/daily_sales")
    assert daily.num_rows == 15 and pc.sum(daily.column("orders")).as_py() == 7500
    assert pc.sum(daily.column("items")).as_py() == 40803
    assert lake.read_arrow("gold/ecommerce/customer_insights").num_rows == 5063


def test_weekly_maintenance_zorders_compacts_and_vacuums_without_changing_data(local_run):
    home, defs, instance, _, _ = local_run
    lake = Lake(str(home / "lake"))
    before = snapshot(lake)
    version = lake.delta("gold/ecommerce/product_performance").version()
    result = defs.resolve_job_def("lake_maintenance_job").execute_in_process(
        instance=instance, run_config={"ops": {"optimize_and_vacuum": {"config": {"retention_hours": 0}}}}
    )
    assert result.success
    assert lake.delta("gold/ecommerce/product_performance").version() > version
    assert snapshot(lake).keys() == before.keys()
    for path, table in snapshot(lake).items():
        assert table.equals(before[path]), path
    # Vacuum with zero retention leaves exactly the files of the current version on disk.
    table_dir = home / "lake/gold/ecommerce/product_performance"
    on_disk = {str(p.relative_to(table_dir)) for p in table_dir.rglob("*.parquet")}
    current = {
        Path(u).resolve().relative_to(table_dir.resolve()).as_posix()
        for u in lake.delta("gold/ecommerce/product_performance").file_uris()
    }
    assert on_disk == current


def test_omnilake_query_serves_the_lake_through_duckdb(local_run, monkeypatch, capsys):
    from platform_assets.cli import main

    home, _, _, _, summary = local_run
    monkeypatch.setenv("OMNILAKE_HOME", str(home))
    monkeypatch.delenv("OMNILAKE_LAKE", raising=False)
    assert main(["query", "select count(*) as n, sum(orders) as o from gold_ecommerce_daily_sales"]) == 0
    out = capsys.readouterr().out
    assert str(summary["expected_silver"]["orders"]) in out
    assert main(["query", "select * from no_such_view"]) == 1
    assert "no_such_view" in capsys.readouterr().err
