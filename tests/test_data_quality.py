"""Data quality that cannot pass silently (issue 13), on small hand-written ecommerce deliveries run through
the real Dagster job on the embedded engine: opaque keys reach gold, quarantine shares warn and hold days
back, extra columns are rescued, and every run leaves its counts in the quality history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from platform_assets.core.lake import Lake
from platform_assets.core.quality import ALL_RULES, history_table
from platform_assets.definitions import build_definitions
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import spark_engine

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
D1, D2 = "2025-03-01", "2025-03-02"
PRODUCTS = ["product_id,department_id,department,product_name", "p-1,d1,produce,Banana", "p-2,d2,dairy,Milk"]


def land(home: Path, source: str, day: str, lines: list[str], name: str | None = None) -> None:
    path = home / "landing" / "ecommerce" / source / day / (name or f"{source}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def orders(day: str, users: list[str], extra: str = "") -> list[str]:
    header = "order_num,order_id,user_id,order_timestamp,total_amount,date" + (",coupon" if extra else "")
    return [header] + [
        f"1,{day}-o{i},{u},{day}T10:0{i % 10}:00,{10 + i}.50,{day}" + (f",{extra}" if extra else "")
        for i, u in enumerate(users)
    ]


def items(day: str, users: list[str]) -> list[str]:
    header = "id,order_id,user_id,days_since_prior_order,product_id,add_to_cart_order,reordered,order_timestamp,date"
    return [header] + [
        f"{day}-i{i},{day}-o{i},{u},,p-{1 + i % 2},1,0,{day}T10:0{i % 10}:00,{day}"
        for i, u in enumerate(users)
    ]


def deliver(
    home: Path, day: str, users: list[str], *, item_users: list[str] | None = None, extra: str = ""
) -> None:
    land(home, "products", day, PRODUCTS)
    land(home, "orders", day, orders(day, users, extra))
    land(home, "order_items", day, items(day, item_users or users))


def run(home: Path, start: str, end: str, instance: dg.DagsterInstance | None = None):
    defs = build_definitions(
        {
            "spark": spark_engine("sail"),
            "lake": LakeResource(root=str(home / "lake")),
            "landing": ObjectStoreResource(root=str(home / "landing")),
        }
    )
    return defs.resolve_job_def("ecommerce_job").execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        tags={RANGE_START: start, RANGE_END: end},
        raise_on_error=False,
    )


def checks(result, name: str) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.event_specific_data.asset_key.to_user_string(): e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name
    }


def meta(evaluation: dg.AssetCheckEvaluation, key: str):
    value = evaluation.metadata[key]
    return getattr(value, "value", value)


def failure_messages(result) -> str:
    return " ".join(e.event_specific_data.error.message for e in result.get_step_failure_events())


USERS = [f"u{n:03d}" for n in range(1, 21)]  # opaque keys: 'u001' .. 'u020'


@pytest.fixture(scope="module")
def clean_two_days(tmp_path_factory, spark):
    """Two clean days whose keys are not numbers (user 'u023'-style, product 'p-1', order '...-o3')."""
    home = tmp_path_factory.mktemp("quality") / "home"
    deliver(home, D1, USERS)
    deliver(home, D2, USERS[:10])
    result = run(home, D1, D2)
    assert result.success, failure_messages(result)
    return home, result


def test_string_keys_reach_gold(clean_two_days):
    home, result = clean_two_days
    lake = Lake(str(home / "lake"))
    insights = {r["user_id"]: r for r in lake.read_arrow("gold/ecommerce/customer_insights").to_pylist()}
    assert set(insights) == set(USERS)
    assert insights["u001"]["orders"] == 2 and insights["u020"]["orders"] == 1
    daily = {r["dt"]: r for r in lake.read_arrow("gold/ecommerce/daily_sales").to_pylist()}
    assert (daily[D1]["orders"], daily[D2]["orders"]) == (20, 10)
    products = lake.read_arrow("gold/ecommerce/product_performance").to_pylist()
    assert {r["product_id"] for r in products} == {"p-1", "p-2"}
    assert lake.read_arrow("quarantine/ecommerce/orders").num_rows == 0
    share = checks(result, "quarantine_share")["silver/ecommerce/orders"]
    assert share.passed and meta(share, "share") == 0.0


def test_the_quality_history_has_one_row_per_run_table_rule_and_day(clean_two_days):
    home, result = clean_two_days
    lake = Lake(str(home / "lake"))
    rows = lake.read_arrow(history_table("ecommerce")).to_pylist()
    orders_rows = [r for r in rows if r["table_path"] == "silver/ecommerce/orders"]
    assert {(r["dt"], r["rule"]) for r in orders_rows} == {(D1, ALL_RULES), (D2, ALL_RULES)}
    by_day = {r["dt"]: r for r in orders_rows}
    assert (by_day[D1]["rows_in"], by_day[D1]["passed"], by_day[D1]["quarantined"]) == (20, 20, 0)
    assert {r["run_id"] for r in rows} == {result.run_id}
    keys = [(r["run_id"], r["table_path"], r["rule"], r["dt"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_a_fully_quarantined_delivery_fails_loudly_and_leaves_downstream_as_it_was(clean_two_days, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(clean_two_days[0], home)
    lake = Lake(str(home / "lake"))
    before = {t: lake.delta(t).version() for t in ("silver/ecommerce/orders", "gold/ecommerce/daily_sales")}
    # Day 2 re-delivered with every user id blank: all of its orders break `user_id_not_null`.
    land(home, "orders", D2, orders(D2, [" "] * 10))
    result = run(home, D2, D2)
    assert not result.success
    message = failure_messages(result)
    assert "quarantine_share" in message and "user_id_not_null" in message and "100.0%" in message
    share = checks(result, "quarantine_share")["silver/ecommerce/orders"]
    assert not share.passed and share.severity == dg.AssetCheckSeverity.ERROR
    assert meta(share, "by_rule")["bronze:user_id_not_null"] == 10
    after = {t: lake.delta(t).version() for t in before}
    assert after == before, "nothing of a held day is written, here or downstream"
    history = lake.read_arrow(history_table("ecommerce")).to_pylist()
    held = [
        r for r in history if r["run_id"] == result.run_id and r["table_path"] == "silver/ecommerce/orders"
    ]
    assert held and all(r["held"] for r in held)


def test_in_a_range_run_the_failing_day_is_held_and_the_others_are_published(tmp_path, spark):
    home = tmp_path / "home"
    deliver(home, D1, USERS)
    land(home, "products", D2, PRODUCTS)
    land(home, "orders", D2, orders(D2, [""] * 5))
    land(home, "order_items", D2, items(D2, USERS[:5]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNILAKE_", "SPARK_", "DAGSTER_HOME"))}
    env.update(OMNILAKE_HOME=str(home), OMNILAKE_SPARK="sail")
    done = subprocess.run(
        [sys.executable, "-m", "platform_assets.cli", "run", "--domain", "ecommerce"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert "held back" in done.stderr and D2 in done.stderr, done.stderr
    # A new home gets the instance settings before its first run: no telemetry banner, no config warning.
    assert "telemetry" not in (done.stdout + done.stderr).lower(), done.stdout + done.stderr
    assert (home / "dagster" / "dagster.yaml").exists()
    lake = Lake(str(home / "lake"))
    assert lake.read_arrow("silver/ecommerce/orders").column("dt").unique().to_pylist() == [D1]
    daily = {r["dt"] for r in lake.read_arrow("gold/ecommerce/daily_sales").to_pylist()}
    assert D1 in daily and D2 not in daily
    # Day 1 flowed downstream, to the table built from every day too.
    assert {r["user_id"] for r in lake.read_arrow("gold/ecommerce/customer_insights").to_pylist()} == set(
        USERS
    )


def test_a_tenth_quarantined_passes_with_a_warning(tmp_path, spark):
    home = tmp_path / "home"
    users = USERS[:18] + ["", ""]  # 2 of 20 orders without a user: 10%
    deliver(home, D1, users, item_users=USERS)
    result = run(home, D1, D1)
    assert result.success, failure_messages(result)
    share = checks(result, "quarantine_share")["silver/ecommerce/orders"]
    assert not share.passed and share.severity == dg.AssetCheckSeverity.WARN
    assert meta(share, "share") == 0.1 and meta(share, "days_over_warn") == [D1]
    assert Lake(str(home / "lake")).read_arrow("silver/ecommerce/orders").num_rows == 18


def test_an_extra_column_is_rescued_and_named_by_a_warning(tmp_path, spark):
    home = tmp_path / "home"
    deliver(home, D1, USERS[:3], extra="SAVE10")
    result = run(home, D1, D1)
    assert result.success, failure_messages(result)
    drift = checks(result, "schema_drift")["bronze/ecommerce/orders"]
    assert not drift.passed and drift.severity == dg.AssetCheckSeverity.WARN
    assert meta(drift, "new_columns") == ["coupon"]
    assert meta(drift, "files")[0]["file"] == f"ecommerce/orders/{D1}/orders.csv"
    bronze = Lake(str(home / "lake")).read_arrow("bronze/ecommerce/orders").to_pylist()
    assert [json.loads(r["_rescued_data"]) for r in bronze] == [{"coupon": "SAVE10"}] * 3
    assert checks(result, "schema_drift")["bronze/ecommerce/order_items"].passed


def test_a_bronze_table_is_reported_stale_after_its_delivery_window():
    """Dagster's own evaluator of the bronze table's freshness policy (daily deliveries, 6 h grace)."""
    import asyncio
    from datetime import datetime, timedelta, timezone

    from dagster._core.definitions.freshness import FreshnessState
    from dagster._core.definitions.freshness_evaluator import TimeWindowFreshnessPolicyEvaluator
    from dagster._core.loader import LoadingContextForTest
    from dagster._core.test_utils import freeze_time

    key = dg.AssetKey(["bronze", "ecommerce", "orders"])
    node = build_definitions({}).resolve_asset_graph().get(key)
    instance = dg.DagsterInstance.ephemeral()
    delivered = datetime(2025, 3, 2, 6, tzinfo=timezone.utc)
    with freeze_time(delivered):
        instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=D1))

    def state(hours: float) -> FreshnessState:
        with freeze_time(delivered + timedelta(hours=hours)):
            return asyncio.run(
                TimeWindowFreshnessPolicyEvaluator().evaluate_freshness(LoadingContextForTest(instance), node)
            )

    assert (state(2), state(25), state(31)) == (FreshnessState.PASS, FreshnessState.WARN, FreshnessState.FAIL)
    # A dimension snapshot has no daily expectation.
    assert (
        build_definitions({})
        .resolve_asset_graph()
        .get(dg.AssetKey(["bronze", "ecommerce", "products"]))
        .freshness_policy
        is None
    )


def test_a_retried_step_replaces_its_history_rows_and_a_new_run_adds_its_own(tmp_path):
    from platform_assets.core.quality import record_history

    lake = Lake(str(tmp_path / "lake"))
    rows = [
        {
            "table_path": "silver/ecommerce/orders",
            "dt": D1,
            "rule": ALL_RULES,
            "rows_in": 20,
            "passed": 18,
            "quarantined": 2,
            "rescued": 0,
            "held": False,
        },
        {
            "table_path": "silver/ecommerce/orders",
            "dt": D1,
            "rule": "bronze:user_id_not_null",
            "rows_in": 20,
            "passed": 18,
            "quarantined": 2,
            "rescued": 0,
            "held": False,
        },
    ]
    assert record_history(lake, "ecommerce", "run-1", rows) == 2
    assert record_history(lake, "ecommerce", "run-1", rows) == 2  # the same run's step, retried
    history = lake.read_arrow(history_table("ecommerce")).to_pylist()
    assert len(history) == 2 and {r["run_id"] for r in history} == {"run-1"}
    record_history(lake, "ecommerce", "run-2", rows)
    history = lake.read_arrow(history_table("ecommerce")).to_pylist()
    assert sorted((r["run_id"], r["rule"]) for r in history) == [
        ("run-1", ALL_RULES),
        ("run-1", "bronze:user_id_not_null"),
        ("run-2", ALL_RULES),
        ("run-2", "bronze:user_id_not_null"),
    ]


def test_a_day_whose_delivery_cannot_be_read_keeps_its_previous_version(clean_two_days, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(clean_two_days[0], home)
    lake = Lake(str(home / "lake"))
    before = {t: lake.read_arrow(t).num_rows for t in ("bronze/ecommerce/orders", "silver/ecommerce/orders")}
    versions = {t: lake.delta(t).version() for t in before}
    # Day 2's orders re-delivered in an encoding the source does not declare: nothing of it can be read.
    (home / "landing/ecommerce/orders" / D2 / "orders.csv").write_bytes(
        "\n".join(orders(D2, ["Zoë"])).encode("utf-16")
    )
    result = run(home, D2, D2)
    assert not result.success
    unparsed = checks(result, "unparsed_files")["quarantine/ecommerce/orders_unparsed"]
    assert not unparsed.passed and unparsed.severity == dg.AssetCheckSeverity.ERROR
    assert meta(unparsed, "held_days") == [D2] and "not valid UTF-8" in meta(unparsed, "files")[0]["reason"]
    assert "keep their previous version" in failure_messages(result)
    assert {t: lake.delta(t).version() for t in before} == versions, "the good day was not replaced"
    assert {t: lake.read_arrow(t).num_rows for t in before} == before
