"""Landing sensor: one run per contiguous date range of new files, from a local directory or S3 (moto).

No `from __future__ import annotations` here: Dagster checks the `context` annotation of the test asset
at definition time, so it must be a real class, not a string.
"""

import io
import json
import re
import subprocess
import sys

import dagster as dg
import openpyxl
import pytest
from dagster import AssetExecutionContext

from platform_assets.ecommerce.sources import ORDERS
from resources.object_store import ObjectStoreResource
from sensors.landing import build_landing_sensor, contiguous_ranges, scan_landing

DAILY = dg.DailyPartitionsDefinition(start_date="2025-01-01")
SEEN_RANGES: list[tuple[str, str]] = []


@dg.asset(
    key=["bronze", "ecommerce", "orders"],
    partitions_def=DAILY,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def bronze_orders(context: AssetExecutionContext) -> None:
    """Stands in for ingestion: records the partition range a run asked for."""
    SEEN_RANGES.append((context.partition_key_range.start, context.partition_key_range.end))


JOB = dg.define_asset_job("ingest_ecommerce_orders", selection=[bronze_orders])
SENSOR = build_landing_sensor(ORDERS, JOB)


@pytest.fixture(params=["local", "s3"])
def landing(request: pytest.FixtureRequest, tmp_path) -> ObjectStoreResource:
    if request.param == "local":
        return ObjectStoreResource(root=str(tmp_path / "landing"))
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return ObjectStoreResource(root=f"s3://{bucket}/landing", endpoint_url=endpoint)


def put(resource: ObjectStoreResource, *keys: str, data: bytes = b"order_id\n1\n") -> None:
    for key in keys:
        resource.store().write_bytes(key, data)


def tick(
    resource: ObjectStoreResource, cursor: str | None = None, sensor: dg.SensorDefinition = SENSOR
) -> dg.SensorResult:
    context = dg.build_sensor_context(
        cursor=cursor, resources={"landing": resource}, instance=dg.DagsterInstance.ephemeral()
    )
    result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def ranges(result: dg.SensorResult) -> list[tuple[str, str]]:
    return [
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in result.run_requests or []
    ]


def workbook(*sheets: str) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in sheets:
        book.create_sheet(name).append(["order_id", "user_id"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_sensor_definition() -> None:
    assert SENSOR.name == "ecommerce_orders_landing"
    assert SENSOR.required_resource_keys == {"landing"}
    assert SENSOR.job_name == "ingest_ecommerce_orders"
    assert SENSOR.minimum_interval_seconds == 30
    assert SENSOR.default_status == dg.DefaultSensorStatus.STOPPED
    defs = dg.Definitions(
        assets=[bronze_orders],
        jobs=[JOB],
        sensors=[SENSOR],
        resources={"landing": ObjectStoreResource(root="/tmp")},
    )
    dg.Definitions.validate_loadable(defs)


def test_first_tick_requests_one_run_per_contiguous_range(landing: ObjectStoreResource) -> None:
    put(
        landing,
        "ecommerce/orders/2025-04-01/a.csv",
        "ecommerce/orders/2025-04-02/a.csv",
        "ecommerce/orders/2025-04-02/b.csv",
        "ecommerce/orders/2025-04-03/a.jsonl",
        "ecommerce/orders/2025-04-05/a.csv",
        "ecommerce/products/2025-04-04/a.csv",  # another source: not this sensor's business
    )
    result = tick(landing)
    assert ranges(result) == [("2025-04-01", "2025-04-03"), ("2025-04-05", "2025-04-05")]
    for request in result.run_requests:
        assert request.job_name == "ingest_ecommerce_orders"
        assert request.tags["omnilake/domain"] == "ecommerce"
        assert request.tags["omnilake/source"] == "orders"
        start = request.tags["dagster/asset_partition_range_start"]
        end = request.tags["dagster/asset_partition_range_end"]
        assert re.fullmatch(rf"ecommerce/orders:{start}\.\.{end}:[0-9a-f]{{16}}", request.run_key)

    again = tick(landing, result.cursor)
    assert not again.run_requests
    assert "no new files" in again.skip_reason.skip_message
    assert again.cursor == result.cursor


def test_new_folder_and_late_files(landing: ObjectStoreResource) -> None:
    put(landing, "ecommerce/orders/2025-04-01/b.csv", "ecommerce/orders/2025-04-02/b.csv")
    cursor = tick(landing).cursor

    put(landing, "ecommerce/orders/2025-04-06/a.csv")
    result = tick(landing, cursor)
    assert ranges(result) == [("2025-04-06", "2025-04-06")]
    cursor = result.cursor

    # Late into an old folder (within the 7-day lookback), named to sort before what was already seen.
    put(landing, "ecommerce/orders/2025-04-01/a-late.csv")
    result = tick(landing, cursor)
    assert ranges(result) == [("2025-04-01", "2025-04-01")]
    cursor = result.cursor

    # A corrected file delivered in place over an old one.
    put(landing, "ecommerce/orders/2025-04-02/b.csv", data=b"order_id\n1\n2\n")
    result = tick(landing, cursor)
    assert ranges(result) == [("2025-04-02", "2025-04-02")]
    assert tick(landing, result.cursor).skip_reason is not None


def test_folders_beyond_lookback_are_not_relisted(landing: ObjectStoreResource) -> None:
    store = landing.store()
    put(landing, "ecommerce/orders/2025-04-01/b.csv", "ecommerce/orders/2025-04-06/b.csv")
    first = scan_landing(store, ORDERS, {}, lookback_days=2)
    assert sorted(first.partitions) == ["2025-04-01", "2025-04-06"]
    put(landing, "ecommerce/orders/2025-04-01/c.csv", "ecommerce/orders/2025-04-05/c.csv")
    second = scan_landing(store, ORDERS, first.cursor, lookback_days=2)
    assert second.folders_listed == ["2025-04-05", "2025-04-06"]
    assert second.partitions == {"2025-04-05": ["ecommerce/orders/2025-04-05/c.csv"]}
    # An old date delivered for the first time is a new folder, found whatever its age.
    put(landing, "ecommerce/orders/2025-01-10/a.csv")
    third = scan_landing(store, ORDERS, second.cursor, lookback_days=2)
    assert list(third.partitions) == ["2025-01-10"]


def test_bad_keys_are_ignored_and_reported_once(landing: ObjectStoreResource, capfd) -> None:
    bad = [
        "ecommerce/orders/not-a-date/x.csv",
        "ecommerce/orders/2025-04-01/x.exe",
        "ecommerce/orders/2025-04-01/deep/y.csv",
    ]
    put(landing, "ecommerce/orders/2025-04-01/a.csv", *bad)
    store = landing.store()

    scan = scan_landing(store, ORDERS, {}, lookback_days=7)
    assert [f.key for f in scan.files] == ["ecommerce/orders/2025-04-01/a.csv"]
    reasons = dict(scan.ignored)
    assert set(reasons) == {"ecommerce/orders/not-a-date/", *bad[1:]}
    assert "not a calendar date" in reasons["ecommerce/orders/not-a-date/"]
    assert "does not end with" in reasons["ecommerce/orders/2025-04-01/x.exe"]
    assert "4 segments" in reasons["ecommerce/orders/2025-04-01/deep/y.csv"]

    # Dagster's sensor logger writes to the process's stderr: read it at the file-descriptor level.
    capfd.readouterr()
    result = tick(landing)
    assert ranges(result) == [("2025-04-01", "2025-04-01")]
    logged = capfd.readouterr().err
    for where in reasons:
        assert f"ignoring {where}" in logged, (where, logged)

    again = tick(landing, result.cursor)
    assert again.skip_reason is not None
    assert "ignoring" not in capfd.readouterr().err
    assert scan_landing(store, ORDERS, json.loads(result.cursor), 7).ignored == []


def test_run_key_is_stable_and_follows_content(landing: ObjectStoreResource) -> None:
    put(landing, *(f"ecommerce/orders/{d}/a.csv" for d in ("2025-04-01", "2025-04-02", "2025-04-09")))
    keys = [r.run_key for r in tick(landing).run_requests]
    assert keys == [r.run_key for r in tick(landing).run_requests]  # fresh cursor, same files
    put(landing, "ecommerce/orders/2025-04-02/a.csv", data=b"order_id\n2\n")
    changed = [r.run_key for r in tick(landing).run_requests]
    assert changed[0] != keys[0] and changed[1] == keys[1]


def test_workbook_with_three_date_sheets_is_one_run(landing: ObjectStoreResource) -> None:
    data = workbook("2025-04-03", "2025-04-01", "2025-04-02")
    put(landing, "ecommerce/orders/2025-04-15/orders.xlsx", data=data)
    result = tick(landing)
    assert ranges(result) == [("2025-04-01", "2025-04-03")]
    scan = scan_landing(landing.store(), ORDERS, {}, 7)
    assert set(scan.partitions) == {"2025-04-01", "2025-04-02", "2025-04-03"}
    assert tick(landing, result.cursor).skip_reason is not None


def test_backlog_is_processed_over_several_ticks(landing: ObjectStoreResource) -> None:
    days = [f"2025-03-{d:02d}" for d in range(1, 6)]
    put(landing, *(f"ecommerce/orders/{d}/a.csv" for d in days))
    sensor = build_landing_sensor(ORDERS, JOB, max_files_per_tick=2)
    cursor, seen = None, []
    for _ in range(3):
        result = tick(landing, cursor, sensor)
        assert 1 <= len(result.run_requests) <= 2
        seen += ranges(result)
        cursor = result.cursor
    assert tick(landing, cursor, sensor).skip_reason is not None
    covered = sorted({d for start, end in seen for d in days if start <= d <= end})
    assert covered == days


def test_run_request_tags_drive_a_partition_range_run() -> None:
    defs = dg.Definitions(assets=[bronze_orders], jobs=[JOB])
    SEEN_RANGES.clear()
    tags = {
        "dagster/asset_partition_range_start": "2025-04-01",
        "dagster/asset_partition_range_end": "2025-04-03",
    }
    job = defs.resolve_job_def(JOB.name)
    result = job.execute_in_process(tags=tags, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert SEEN_RANGES == [("2025-04-01", "2025-04-03")]


def test_contiguous_ranges() -> None:
    dates = ["2025-04-03", "2025-02-28", "2025-03-01", "2025-04-01", "2025-04-03", "2024-12-31", "2025-01-01"]
    assert contiguous_ranges(dates) == [
        ("2024-12-31", "2025-01-01"),
        ("2025-02-28", "2025-03-01"),
        ("2025-04-01", "2025-04-01"),
        ("2025-04-03", "2025-04-03"),
    ]


def test_cursor_from_another_layout_starts_afresh(landing: ObjectStoreResource) -> None:
    put(landing, "ecommerce/orders/2025-04-01/a.csv")
    assert ranges(tick(landing, json.dumps({"something": "else"}))) == [("2025-04-01", "2025-04-01")]


def test_sensor_module_imports_stay_light() -> None:
    code = (
        "import sys, sensors.landing\n"
        "print(sorted(m for m in ('boto3', 'openpyxl', 'pyarrow', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
