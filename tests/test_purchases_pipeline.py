"""The purchases domain end to end through Dagster: generated history, then a double delivery, a re-run and
an update of a purchase, each an incremental run of the customer summary checked against a full
recomputation, and the warehouse (SQLite, and PostgreSQL row for row)."""

import os
import shutil
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from platform_assets.core.execution import InputSpec, JobSpec, OutputSpec, execute
from platform_assets.core.lake import Lake
from platform_assets.core.rules import SUPERSEDED
from platform_assets.definitions import build_definitions
from platform_assets.purchases import serving
from platform_assets.purchases.assets import warehouse_customer_purchase_summary
from platform_assets.purchases.generator import generate
from platform_assets.purchases.rules import PURCHASE_RULES
from platform_assets.purchases.sources import PURCHASES
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import spark_engine
from resources.warehouse import WarehouseResource

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
SILVER = "silver/purchases/purchases"
GOLD = "gold/purchases/customer_purchase_summary"
HEADER = ",".join(PURCHASES.columns)
CENT = Decimal("0.01")

# The latest day of the history, written by hand: new customers (X = 90001, Y = 90003 whose only purchase
# will move to Z = 90004), a USD purchase on a Saturday (Friday's rate), and two generated customers.
X, Y, Z = 90001, 90003, 90004
DAY4 = [
    f"{X},Ann,Lee,ann.lee@example.com,900001,2025-01-04,100.00,AUD",
    f"{X},Ann,Lee,ann.lee@example.com,900002,2025-01-03,50,AUD",
    "90002,Bob,Ng,bob.ng@example.com,900003,2025-01-04,40,USD",
    f"{Y},Cat,Roe,cat.roe@example.com,900004,2025-01-04,30,AUD",
    f"{Z},Dan,Fox,dan.fox@example.com,900005,2025-01-04,20,AUD",
]


def write_file(home: Path, day: str, name: str, lines: list[str], hour: int) -> Path:
    path = home / "landing/purchases/purchases" / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    stamp = datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00").timestamp()
    os.utime(path, (stamp, stamp))
    return path


def make_defs(home: Path) -> dg.Definitions:
    return build_definitions(
        {
            "spark": spark_engine("sail"),
            "lake": LakeResource(root=str(home / "lake")),
            "landing": ObjectStoreResource(root=str(home / "landing")),
            "warehouse": WarehouseResource(url=f"sqlite:///{home / 'warehouse.db'}"),
        }
    )


def run(home: Path, start: str, end: str, instance=None):
    result = (
        make_defs(home)
        .resolve_job_def("purchases_job")
        .execute_in_process(
            instance=instance or dg.DagsterInstance.ephemeral(),
            tags={RANGE_START: start, RANGE_END: end},
            raise_on_error=False,
        )
    )
    assert result.success, [e.event_specific_data.error.message for e in result.get_step_failure_events()]
    return result


def gold_facts(result) -> dict:
    """The gold materialization's metadata (mode, customers recomputed, changed partitions, merge rows)."""
    for e in result.all_events:
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key.to_user_string() == GOLD:
            return {
                k: getattr(v, "value", v) for k, v in e.event_specific_data.materialization.metadata.items()
            }
    raise AssertionError("no gold materialization")


def gold(lake: Lake) -> dict[int, dict]:
    return {r["customer_id"]: r for r in lake.read_arrow(GOLD).to_pylist()}


def reference_summary(lake: Lake) -> dict[int, dict]:
    """The summary recomputed in plain Python from every silver row: a purchase is its latest ingested row."""
    latest: dict[int, tuple] = {}
    for r in lake.read_arrow(SILVER).to_pylist():
        order = (r["dt"], r["_ingested_at"], r["_source_file"], r["_row"])
        if r["purchase_id"] not in latest or latest[r["purchase_id"]][0] < order:
            latest[r["purchase_id"]] = (order, r)
    out: dict[int, dict] = {}
    newest: dict[int, tuple] = {}
    for pid, (order, r) in latest.items():
        s = out.setdefault(
            r["customer_id"],
            {
                "customer_id": r["customer_id"],
                "purchases": 0,
                "total_spent_aud": Decimal(0),
                "first_purchase_date": r["purchase_date"],
                "last_purchase_date": r["purchase_date"],
            },
        )
        s["purchases"] += 1
        s["total_spent_aud"] += r["amount_aud"]
        s["first_purchase_date"] = min(s["first_purchase_date"], r["purchase_date"])
        s["last_purchase_date"] = max(s["last_purchase_date"], r["purchase_date"])
        rank = (r["purchase_date"], order, pid)
        if r["customer_id"] not in newest or newest[r["customer_id"]][0] < rank:
            newest[r["customer_id"]] = (rank, r)
    for cid, s in out.items():
        r = newest[cid][1]
        s["full_name"] = " ".join(p for p in (r["first_name"], r["last_name"]) if p) or None
        s["email"] = r["email"]
    return out


def spark_full_recomputation(spark, home: Path) -> dict[int, dict]:
    """The gold transform in full mode (same Spark code path as a first build) into a scratch table."""
    scratch = "gold/purchases/full_recomputation_check"
    spec = JobSpec(
        transform="platform_assets.purchases.transforms:customer_purchase_summary",
        lake=str(home / "lake"),
        dts=None,
        inputs={"purchases": InputSpec(SILVER)},
        outputs={
            "gold": OutputSpec(
                scratch,
                False,
                "platform_assets.purchases.checks:CustomerPurchaseSummary",
                "merge",
                ["customer_id"],
            )
        },
        params={"silver": SILVER, "gold": scratch, "full_refresh": True},
    )
    result = execute(spark, spec, log=lambda _: None)
    assert not result.blocked
    return {r["customer_id"]: r for r in Lake(str(home / "lake")).read_arrow(scratch).to_pylist()}


def served(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    table = sa.Table(serving.SUMMARY_TABLE, sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.customer_id))]
    engine.dispose()
    for r in rows:
        r["total_spent_aud"] = Decimal(r["total_spent_aud"]).quantize(CENT)
    return rows


def values(rows) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]


def as_gold_rows(summary: dict[int, dict]) -> list[dict]:
    return [summary[c] for c in sorted(summary)]


# --------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def history(tmp_path_factory, spark):
    """Three generated days plus the hand-written fourth, ingested in ONE run over 2025-01-01..04."""
    home = tmp_path_factory.mktemp("purchases") / "home"
    summary = generate(home / "landing", date(2025, 1, 1), 3, seed=11, scale=0.3)
    generated = [c for c in summary["expected"]["summary"]][:2]
    existing = [
        f"{cid},{v['full_name'].split(' ')[0]},{v['full_name'].split(' ')[1]},{v['email']},{900006 + i},2025-01-04,10,AUD"
        for i, (cid, v) in enumerate((c, summary["expected"]["summary"][c]) for c in generated)
    ]
    write_file(home, "2025-01-04", "purchases_2025-01-04.csv", DAY4 + existing, hour=20)
    instance = dg.DagsterInstance.ephemeral()
    result = run(home, "2025-01-01", "2025-01-04", instance)
    return home, instance, result, summary, {int(c) for c in generated}


@pytest.fixture(scope="module")
def scenario(history, tmp_path_factory, spark):
    """A copy of the history, then: (B) day 4's file delivered twice more, in its own folder under another
    name and again on day 5; (C) day 5 re-run; (D) day 6 corrects X's purchase and moves Y's only purchase
    to Z. Snapshots of gold, the served table and the run facts after each step."""
    home = tmp_path_factory.mktemp("scenario") / "home"
    shutil.copytree(history[0], home)
    lake = Lake(str(home / "lake"))
    url = f"sqlite:///{home / 'warehouse.db'}"
    snaps = {"A": {"gold": gold(lake), "served": served(url)}}
    day4 = home / "landing/purchases/purchases/2025-01-04/purchases_2025-01-04.csv"
    for target, hour in (
        (day4.with_name("purchases_2025-01-04_copy.csv"), 22),
        (home / "landing/purchases/purchases/2025-01-05/purchases_2025-01-04.csv", 9),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(day4, target)  # the same bytes, delivered later
        stamp = datetime.fromisoformat(f"{target.parent.name}T{hour:02d}:00:00+00:00").timestamp()
        os.utime(target, (stamp, stamp))
    steps = {
        "B": ("2025-01-04", "2025-01-05"),
        "C": ("2025-01-05", "2025-01-05"),
        "D": ("2025-01-06", "2025-01-06"),
    }
    for step, (start, end) in steps.items():
        if step == "D":
            write_file(
                home,
                "2025-01-06",
                "corrections.csv",
                [
                    f"{X},Ann,Lee,ann.lee@example.com,900001,2025-01-04,80.00,AUD",
                    f"{Z},Dan,Fox,dan.fox@example.com,900004,2025-01-04,30,AUD",
                ],
                hour=8,
            )
        versions = {"silver": lake.delta(SILVER).version(), "gold": lake.delta(GOLD).version()}
        result = run(home, start, end)
        snaps[step] = {
            "gold": gold(lake),
            "served": served(url),
            "facts": gold_facts(result),
            "versions_before": versions,
            "silver_version": lake.delta(SILVER).version(),
            "reference": reference_summary(lake),
        }
    return home, snaps


# --------------------------------------------------------------------------------------------------- history


def test_history_is_one_run_and_reconciles_with_the_generator(history):
    home, instance, result, summary, in_day4 = history
    assert len(instance.get_runs()) == 1
    lake = Lake(str(home / "lake"))
    expected = summary["expected"]
    bronze = lake.read_arrow("bronze/purchases/purchases")
    silver = lake.read_arrow(SILVER)
    quarantine = lake.read_arrow("quarantine/purchases/purchases")
    unparsed = lake.read_arrow("quarantine/purchases/purchases_unparsed")
    day4_rows = len(DAY4) + len(in_day4)
    assert bronze.num_rows == expected["bronze_purchases"] + day4_rows
    assert silver.num_rows == expected["silver_purchases"] + day4_rows
    assert bronze.num_rows == silver.num_rows + quarantine.num_rows  # nothing lost, nothing twice
    assert unparsed.num_rows == summary["malformed_rows"]
    rules = Counter(r for failed in quarantine.column("_rules_failed").to_pylist() for r in failed)
    assert {r: rules.get(r, 0) for r in PURCHASE_RULES} == summary["bad_rows"]
    assert all(n >= 1 for n in summary["bad_rows"].values()), "every rule is exercised"
    assert rules[SUPERSEDED] == quarantine.num_rows - sum(summary["bad_rows"].values())
    assert lake.read_arrow("silver/purchases/fx_rates").num_rows == expected["silver_fx_rates"]
    assert lake.read_arrow("quarantine/purchases/fx_rates").num_rows == expected["quarantine_fx_rates"]

    summary_rows = gold(lake)
    assert gold_facts(result)["mode"] == "full"  # first build
    # Every generated customer not in the hand-written day matches the generator's own bookkeeping.
    for cid, want in expected["summary"].items():
        if int(cid) in in_day4:
            continue
        got = summary_rows[int(cid)]
        assert {
            "full_name": got["full_name"],
            "email": got["email"],
            "purchases": got["purchases"],
            "total_spent_aud": str(got["total_spent_aud"]),
            "first_purchase_date": got["first_purchase_date"].isoformat(),
            "last_purchase_date": got["last_purchase_date"].isoformat(),
        } == want, cid
    assert summary_rows == reference_summary(lake)
    # Bob's USD purchase on Saturday 2025-01-04 took Friday's rate.
    bob = next(r for r in silver.to_pylist() if r["purchase_id"] == 900003)
    assert bob["fx_rate_date"] == date(2025, 1, 3)
    assert bob["amount_aud"] == (Decimal(40) * bob["aud_per_unit"]).quantize(CENT, ROUND_HALF_UP)
    evaluations = [
        e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    # The generator's messy input warns (its malformed rows, its share of bad rows); nothing else fails.
    warned = {(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed}
    assert warned <= {
        ("quarantine/purchases/purchases_unparsed", "unparsed_files"),
        ("silver/purchases/purchases", "quarantine_share"),
    }, warned
    assert evaluations and all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in evaluations)
    unparsed_check = next(e for e in evaluations if e.check_name == "unparsed_files" and not e.passed)
    assert unparsed_check.metadata["unparsed_rows"].value == summary["malformed_rows"]


def test_the_served_table_and_top_customers_equal_gold(history):
    home = history[0]
    lake = Lake(str(home / "lake"))
    rows = served(f"sqlite:///{home / 'warehouse.db'}")
    assert values(rows) == as_gold_rows(gold(lake))
    assert all(isinstance(r["updated_at"], datetime) for r in rows)
    wh = WarehouseResource(url=f"sqlite:///{home / 'warehouse.db'}")
    top = wh.read("select customer_id, total_spent_aud from top_customers order by customer_rank")
    ranked = sorted(gold(lake).values(), key=lambda r: (-r["total_spent_aud"], r["customer_id"]))[:5]
    assert [r["customer_id"] for r in top] == [r["customer_id"] for r in ranked]


# --------------------------------------------------------------------------------------------------- scenario


def test_double_delivery_leaves_every_total_unchanged(scenario):
    _, snaps = scenario
    b = snaps["B"]
    assert b["gold"] == snaps["A"]["gold"]
    assert b["served"] == snaps["A"]["served"]  # values and updated_at: nothing was touched
    facts = b["facts"]
    assert facts["mode"] == "incremental" and facts["changed_partitions"] == ["2025-01-04", "2025-01-05"]
    # Only the customers of the re-delivered day were recomputed.
    assert facts["customers_recomputed"] == len(DAY4) - 1 + 2


def test_a_rerun_of_a_partition_changes_nothing(scenario):
    _, snaps = scenario
    c = snaps["C"]
    assert c["gold"] == snaps["B"]["gold"] and c["served"] == snaps["B"]["served"]
    assert c["silver_version"] == c["versions_before"]["silver"] + 1  # the partition really was rewritten
    assert c["facts"]["changed_partitions"] == ["2025-01-05"]
    assert c["facts"]["customers_recomputed"] == len(DAY4) - 1 + 2


def test_an_update_changes_the_total_by_the_difference_and_recomputes_only_its_customers(scenario):
    _, snaps = scenario
    before, after = snaps["C"]["gold"], snaps["D"]["gold"]
    assert after[X]["total_spent_aud"] - before[X]["total_spent_aud"] == Decimal("-20.00")  # 100.00 -> 80.00
    assert after[X]["purchases"] == before[X]["purchases"]
    assert Y not in after  # its only purchase moved to Z
    assert after[Z]["total_spent_aud"] == before[Z]["total_spent_aud"] + Decimal("30.00")
    assert after[Z]["purchases"] == before[Z]["purchases"] + 1
    untouched = set(before) - {X, Y, Z}
    assert {c: after[c] for c in untouched} == {c: before[c] for c in untouched}
    facts = snaps["D"]["facts"]
    # X and Z are in the day; Y is not, but owned a row of a purchase that changed.
    assert facts["mode"] == "incremental" and facts["customers_recomputed"] == 3
    assert facts["rows_updated"] == 2 and facts["rows_deleted"] == 1 and facts["rows_inserted"] == 0
    served_now = {r["customer_id"]: r for r in snaps["D"]["served"]}
    served_before = {r["customer_id"]: r for r in snaps["C"]["served"]}
    assert Y not in served_now
    assert served_now[X]["total_spent_aud"] == after[X]["total_spent_aud"]
    assert {c for c in served_now if served_now[c]["updated_at"] != served_before[c]["updated_at"]} == {X, Z}


def test_the_incremental_summary_equals_a_full_recomputation_after_every_run(scenario, spark):
    home, snaps = scenario
    for step in ("B", "C", "D"):
        assert snaps[step]["gold"] == snaps[step]["reference"], step
    assert spark_full_recomputation(spark, home) == snaps["D"]["gold"]
    assert values(snaps["D"]["served"]) == as_gold_rows(snaps["D"]["gold"])


# --------------------------------------------------------------------------------------------------- PostgreSQL


def test_the_warehouse_asset_on_postgresql_matches_sqlite_row_for_row(history, scenario, postgres_db):
    """The serving asset, pointed at PostgreSQL, publishes the same rows as the SQLite runs: first the
    history (inserts), then the scenario's final gold (updates and a delete)."""
    secret = sa.engine.make_url(postgres_db).password
    for home in (history[0], scenario[0]):
        result = dg.materialize(
            [warehouse_customer_purchase_summary],
            resources={
                "lake": LakeResource(root=str(home / "lake")),
                "warehouse": WarehouseResource(url=postgres_db),
            },
            raise_on_error=False,
        )
        assert result.success
        assert values(served(postgres_db)) == values(served(f"sqlite:///{home / 'warehouse.db'}"))
        pg = WarehouseResource(url=postgres_db)
        lite = WarehouseResource(url=f"sqlite:///{home / 'warehouse.db'}")
        query = "select customer_rank, customer_id from top_customers order by customer_rank"
        assert pg.read(query) == lite.read(query)
        # The URL's password is in no event, log line or metadata of the run.
        assert secret and not any(secret in str(e) for e in result.all_events)
