"""OMNILAKE_SPARK=connect: the platform against a real Spark Connect server the test starts on 127.0.0.1
(a Sail server, separate from the process's embedded one), chosen from the environment as a user would."""

from __future__ import annotations

import shutil
from datetime import date

import dagster as dg
import pytest

from platform_assets.core.lake import Lake
from platform_assets.definitions import build_definitions
from platform_assets.ecommerce.generator import generate
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import ConnectEngine, SailEngine, engine_from_env

RANGE = {
    "dagster/asset_partition_range_start": "2025-01-01",
    "dagster/asset_partition_range_end": "2025-01-02",
}


@pytest.fixture
def connect_server():
    from pysail.spark import SparkConnectServer

    server = SparkConnectServer("127.0.0.1", 0)
    server.start(background=True)
    host, port = server.listening_address
    try:
        yield f"sc://{host}:{port}"
    finally:
        server.stop()


def run(home, engine) -> tuple[dg.ExecuteInProcessResult, dict]:
    defs = build_definitions(
        {
            "spark": engine,
            "lake": LakeResource(root=str(home / "lake")),
            "landing": ObjectStoreResource(root=str(home / "landing")),
        }
    )
    result = defs.resolve_job_def("ecommerce_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=RANGE, raise_on_error=False
    )
    lake = Lake(str(home / "lake"))
    tables = {}
    for ref in lake.list_tables():
        data = lake.read_arrow(ref)
        if ref.layer == "quality":  # a log of runs: what was counted, not which run counted it
            data = data.drop_columns(["run_id", "recorded_at"])
        tables[ref.path] = data.sort_by([(c, "ascending") for c in data.column_names if c != "_rules_failed"])
    return result, tables


def test_connect_engine_runs_a_domain_on_a_spark_connect_server(connect_server, tmp_path, monkeypatch, spark):
    from platform_assets.core import spark as sessions

    landing = tmp_path / "landing"
    generate(landing, date(2025, 1, 1), 2, seed=3, scale=0.2)
    monkeypatch.setenv("OMNILAKE_SPARK", "connect")
    monkeypatch.setenv("OMNILAKE_SPARK_REMOTE", connect_server)
    engine = engine_from_env()
    assert isinstance(engine, ConnectEngine) and engine.remote == connect_server

    homes = {name: tmp_path / name for name in ("connect", "embedded")}
    for home in homes.values():
        shutil.copytree(landing, home / "landing")
    result, on_connect = run(homes["connect"], engine)
    assert result.success, [e.message for e in result.get_step_failure_events()]
    assert connect_server in sessions._sessions, "the steps ran on a session of the test's server"
    assert {p for p in on_connect if p.startswith("gold/ecommerce/")} >= {
        "gold/ecommerce/daily_sales",
        "gold/ecommerce/customer_insights",
    }

    result, embedded = run(homes["embedded"], SailEngine())
    assert result.success
    assert on_connect.keys() == embedded.keys()
    for path, data in on_connect.items():
        assert data.equals(embedded[path]), f"{path} differs between the connect and the embedded engine"


def test_connect_needs_a_remote(monkeypatch):
    monkeypatch.setenv("OMNILAKE_SPARK", "connect")
    monkeypatch.delenv("OMNILAKE_SPARK_REMOTE", raising=False)
    with pytest.raises(ValueError, match="OMNILAKE_SPARK_REMOTE"):
        engine_from_env()
