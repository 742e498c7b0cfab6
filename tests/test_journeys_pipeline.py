"""The journeys domain end to end through Dagster: generated source database -> one run of journeys_job over
the range -> bronze, silver journeys, gold attribution and channel report, CSV export and write-back; a
re-run gives the same results and no duplicate rows in the source database."""

import csv
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from platform_assets.core.lake import Lake
from platform_assets.journeys.generator import generate
from resources.ihc import IHCResource
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import spark_engine
from resources.warehouse import WarehouseResource

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
START, DAYS = date(2025, 1, 1), 12
LO, HI = "2025-01-01", "2025-01-12"


def make_defs(home: Path, url: str, ihc: IHCResource | None = None) -> dg.Definitions:
    from platform_assets.journeys.definitions import defs

    resources = {
        "spark": spark_engine("sail"),
        "lake": LakeResource(root=str(home / "lake")),
        "landing": ObjectStoreResource(root=str(home / "landing")),
        "journeys_db": WarehouseResource(url=url),
        "ihc": ihc or IHCResource(),
    }
    return dg.Definitions.merge(defs, dg.Definitions(resources=resources, executor=dg.in_process_executor))


def run(home: Path, url: str, lo: str = LO, hi: str = HI, *, ihc=None, run_config=None, instance=None):
    result = (
        make_defs(home, url, ihc)
        .resolve_job_def("journeys_job")
        .execute_in_process(
            instance=instance or dg.DagsterInstance.ephemeral(),
            tags={RANGE_START: lo, RANGE_END: hi},
            run_config=run_config,
            raise_on_error=False,
        )
    )
    assert result.success, [e.event_specific_data.error.message for e in result.get_step_failure_events()]
    return result


def source_rows(url: str, table: str) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))]  # noqa: S608 (fixed names)
    finally:
        engine.dispose()


def checks(result) -> dict[str, bool]:
    return {
        f"{e.event_specific_data.asset_key.to_user_string()}:{e.event_specific_data.check_name}": e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, spark):
    home = tmp_path_factory.mktemp("journeys") / "home"
    summary = generate(home / "landing", START, DAYS, seed=5, scale=0.3)
    url = f"sqlite:///{home / 'sources' / 'challenge.db'}"
    assert summary["url"] == url
    instance = dg.DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as env:  # the CSV goes to $OMNILAKE_HOME/reports by default
        env.setenv("OMNILAKE_HOME", str(home))
        first = run(home, url, instance=instance)
        snapshot = snapshot_of(home, url)
        second = run(home, url, instance=instance)
    return home, url, summary, instance, first, second, snapshot


def snapshot_of(home: Path, url: str) -> dict:
    lake = Lake(str(home / "lake"))
    return {
        "attribution": sorted(
            (r["conv_id"], r["session_id"], round(r["ihc"], 12))
            for r in lake.read_arrow("gold/journeys/attribution_customer_journey").to_pylist()
        ),
        "report": sorted(
            lake.read_arrow("gold/journeys/channel_reporting").to_pylist(),
            key=lambda r: (r["channel_name"], r["date"]),
        ),
        "csv": (home / "reports" / "channel_reporting.csv").read_bytes(),
        "source_attribution": sorted(
            tuple(r.values()) for r in source_rows(url, "attribution_customer_journey")
        ),
        "source_report": sorted(tuple(r.values()) for r in source_rows(url, "channel_reporting")),
    }


def test_one_run_builds_every_table_and_every_check_passes(pipeline):
    home, url, summary, instance, first, second, _ = pipeline
    assert len(instance.get_runs()) == 2  # the range is one run, the re-run another
    assert all(checks(first).values()), checks(first)
    lake = Lake(str(home / "lake"))
    expected = summary["expected"]
    assert lake.read_arrow("bronze/journeys/conversions").num_rows == summary["rows"]["conversions"]
    assert lake.read_arrow("bronze/journeys/sessions").num_rows == summary["rows"]["session_sources"]
    journeys = lake.read_arrow("silver/journeys/customer_journeys")
    assert journeys.num_rows == expected["journey_rows"]
    assert len(set(journeys.column("conv_id").to_pylist())) == expected["attributed_conversions"]
    excluded = lake.read_arrow("quarantine/journeys/excluded_conversions").to_pylist()
    reasons: dict[str, int] = {}
    for r in excluded:
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    assert reasons == expected["excluded"]
    assert all(n >= 1 for n in expected["excluded"].values()), "both exclusion reasons are exercised"


def test_journeys_follow_the_lookback_and_order(pipeline):
    home = pipeline[0]
    rows = Lake(str(home / "lake")).read_arrow("silver/journeys/customer_journeys").to_pylist()
    by_conv: dict[str, list[dict]] = {}
    for r in rows:
        by_conv.setdefault(r["conv_id"], []).append(r)
    assert max(len(v) for v in by_conv.values()) > 1, "multi-session journeys exist"
    for conv, sessions in by_conv.items():
        sessions.sort(key=lambda r: r["position"])
        assert [s["position"] for s in sessions] == list(range(1, len(sessions) + 1))
        assert [(s["session_ts"], s["session_id"]) for s in sessions] == sorted(
            (s["session_ts"], s["session_id"]) for s in sessions
        )
        assert [s["conversion"] for s in sessions] == [0] * (len(sessions) - 1) + [1]
        for s in sessions:
            assert s["conv_ts"] - s["session_ts"] <= __import__("datetime").timedelta(days=30)
            assert s["session_ts"] <= s["conv_ts"]
            assert s["dt"] == s["conv_ts"].date().isoformat()


def test_attribution_sums_to_one_and_report_reconciles(pipeline):
    home, url, summary = pipeline[:3]
    lake = Lake(str(home / "lake"))
    attribution = lake.read_arrow("gold/journeys/attribution_customer_journey").to_pylist()
    sums: dict[str, float] = {}
    for r in attribution:
        sums[r["conv_id"]] = sums.get(r["conv_id"], 0.0) + r["ihc"]
        assert r["model"] == "position_based"
    assert len(sums) == summary["expected"]["attributed_conversions"]
    assert all(abs(s - 1) <= 1e-6 for s in sums.values())
    report = lake.read_arrow("gold/journeys/channel_reporting").to_pylist()
    assert sum(r["ihc"] for r in report) == pytest.approx(len(sums), abs=1e-6)
    # Total cost = the source's session cost in range, computed from the database with SQL.
    source_cost = source_rows(url, "session_costs")
    assert sum(r["cost"] for r in report) == pytest.approx(sum(c["cost"] for c in source_cost), abs=1e-6)
    assert sum(r["cost"] for r in report) == pytest.approx(summary["expected"]["total_cost"], abs=1e-6)
    assert sum(r["ihc_revenue"] for r in report) == pytest.approx(
        summary["expected"]["revenue_attributed"], abs=1e-6
    )
    for r in report:
        assert r["cpo"] == (pytest.approx(r["cost"] / r["ihc"]) if r["ihc"] > 0 else None)
        assert r["roas"] == (pytest.approx(r["ihc_revenue"] / r["cost"]) if r["cost"] > 0 else None)
    channels = {r["channel_name"] for r in report if r["ihc"] == 0 and r["cost"] > 0}
    assert {"Pinterest Ads", "Lead Generation", "YouTube Ads"} <= channels  # cost without conversions


def test_csv_export_and_write_back(pipeline):
    home, url, _, _, _, _, snapshot = pipeline
    lake = Lake(str(home / "lake"))
    with open(home / "reports" / "channel_reporting.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["channel_name", "date", "cost", "ihc", "ihc_revenue", "cpo", "roas"]
    assert len(rows) == lake.read_arrow("gold/journeys/channel_reporting").num_rows
    assert sum(float(r["ihc"]) for r in rows) == pytest.approx(
        sum(r["ihc"] for r in lake.read_arrow("gold/journeys/channel_reporting").to_pylist())
    )
    written = source_rows(url, "attribution_customer_journey")
    assert len(written) == lake.read_arrow("gold/journeys/attribution_customer_journey").num_rows
    assert len({(r["conv_id"], r["session_id"]) for r in written}) == len(written)
    report = source_rows(url, "channel_reporting")
    assert len({(r["channel_name"], r["date"]) for r in report}) == len(report) == len(rows)


def test_rerun_is_identical_and_adds_no_duplicates(pipeline):
    home, url, _, _, _, second, snapshot = pipeline
    assert all(checks(second).values())
    lake = Lake(str(home / "lake"))
    assert (
        sorted(
            (r["conv_id"], r["session_id"], round(r["ihc"], 12))
            for r in lake.read_arrow("gold/journeys/attribution_customer_journey").to_pylist()
        )
        == snapshot["attribution"]
    )
    assert (
        sorted(
            lake.read_arrow("gold/journeys/channel_reporting").to_pylist(),
            key=lambda r: (r["channel_name"], r["date"]),
        )
        == snapshot["report"]
    )
    assert (home / "reports" / "channel_reporting.csv").read_bytes() == snapshot["csv"]
    assert (
        sorted(tuple(r.values()) for r in source_rows(url, "attribution_customer_journey"))
        == snapshot["source_attribution"]
    )
    assert (
        sorted(tuple(r.values()) for r in source_rows(url, "channel_reporting")) == snapshot["source_report"]
    )


# --------------------------------------------------------------------------------------------- IHC provider

API_KEY = "ihc-test-key-7f3a9c-DO-NOT-LOG"


def attribute_with_api(home: Path, server, instance) -> "dg.ExecuteInProcessResult":
    """Only the gold attribution step, over the whole range, with the API resource (key from the env)."""
    from platform_assets.journeys.assets import gold_journeys_attribution

    ihc = IHCResource(
        api_key=dg.EnvVar("IHC_API_KEY"),
        conv_type_id="purchase",
        api_url=server.url,
        max_journeys=10,
        max_sessions=199,
        concurrency=1,
        backoff_seconds=0.01,
        max_attempts=2,
    )
    return dg.materialize(
        [gold_journeys_attribution],
        instance=instance,
        resources={"lake": LakeResource(root=str(home / "lake")), "ihc": ihc},
        tags={RANGE_START: LO, RANGE_END: HI},
    )


def test_api_failures_are_recorded_and_only_they_are_sent_again(pipeline, tmp_path, monkeypatch):
    import shutil

    from ihc_server import IHCServer

    home = tmp_path / "home"
    shutil.copytree(pipeline[0] / "lake", home / "lake")
    monkeypatch.setenv("IHC_API_KEY", API_KEY)
    lake = Lake(str(home / "lake"))
    journeys = lake.read_arrow("silver/journeys/customer_journeys").to_pylist()
    all_convs = {r["conv_id"] for r in journeys}
    instance = dg.DagsterInstance.ephemeral()
    # First run (sequential): the first batch gets a 206 partial failure, the second fails twice (500 x2 with
    # max_attempts=2), the others succeed.
    with IHCServer(API_KEY, faults=["206", "500", "500"]) as server:
        first = attribute_with_api(home, server, instance)
        sent_first = [c for r in server.requests for c in r["conversions"]]
    assert first.success
    failures = lake.read_arrow("quarantine/journeys/attribution_failures").to_pylist()
    failed = {f["conv_id"] for f in failures}
    assert failed and len(failed) < len(all_convs)
    assert any("partial failure" in f["error"] for f in failures) and any(
        "HTTP 500" in f["error"] for f in failures
    )
    assert {f["attempts"] for f in failures} <= {1, 2}
    gold = lake.read_arrow("gold/journeys/attribution_customer_journey").to_pylist()
    assert {r["conv_id"] for r in gold} == all_convs - failed
    assert {r["model"] for r in gold} == {"ihc_api"}
    assert set(sent_first) == all_convs
    # Second run: only the unscored conversions are sent; everything ends up scored exactly once.
    with IHCServer(API_KEY) as server:
        second = attribute_with_api(home, server, instance)
        sent_second = [c for r in server.requests for c in r["conversions"]]
    assert second.success
    assert sorted(sent_second) == sorted(failed)
    gold = lake.read_arrow("gold/journeys/attribution_customer_journey").to_pylist()
    sums: dict[str, float] = {}
    for r in gold:
        sums[r["conv_id"]] = sums.get(r["conv_id"], 0.0) + r["ihc"]
    assert set(sums) == all_convs and all(abs(s - 1) <= 1e-6 for s in sums.values())
    assert len(gold) == len(journeys)
    assert lake.read_arrow("quarantine/journeys/attribution_failures").num_rows == 0
    # The key is in no event of either run (logs, metadata, check results).
    for run in instance.get_runs():
        for record in instance.all_logs(run.run_id):
            assert API_KEY not in str(record)


# --------------------------------------------------------------------------------------------- model config


def attribute_with(home: Path, model: str):
    from platform_assets.journeys.assets import gold_journeys_attribution

    return dg.materialize(
        [gold_journeys_attribution],
        instance=dg.DagsterInstance.ephemeral(),
        resources={"lake": LakeResource(root=str(home / "lake")), "ihc": IHCResource()},
        tags={RANGE_START: LO, RANGE_END: HI},
        run_config={"ops": {"gold_journeys_attribution_customer_journey": {"config": {"model": model}}}},
        raise_on_error=False,
    )


def test_every_built_in_model_is_selectable_by_run_config(pipeline, tmp_path):
    import shutil

    home = tmp_path / "home"
    shutil.copytree(pipeline[0] / "lake", home / "lake")
    lake = Lake(str(home / "lake"))
    conversions = {r["conv_id"] for r in lake.read_arrow("silver/journeys/customer_journeys").to_pylist()}
    for model in ("markov", "shapley", "time_decay", "linear", "first_touch", "last_touch"):
        result = attribute_with(home, model)
        assert result.success, model
        rows = lake.read_arrow("gold/journeys/attribution_customer_journey").to_pylist()
        assert {r["model"] for r in rows} == {model}
        sums: dict[str, float] = {}
        for r in rows:
            sums[r["conv_id"]] = sums.get(r["conv_id"], 0.0) + r["ihc"]
        assert set(sums) == conversions and all(abs(s - 1) <= 1e-6 for s in sums.values()), model
        if model == "markov":
            facts = result.asset_materializations_for_node("gold_journeys_attribution_customer_journey")[
                0
            ].metadata
            assert facts["non_converting_paths"].value > 0  # sessions outside every journey feed the chain
    version = lake.delta("gold/journeys/attribution_customer_journey").version()
    bad = attribute_with(home, "nope")
    assert not bad.success
    assert lake.delta("gold/journeys/attribution_customer_journey").version() == version  # nothing written
