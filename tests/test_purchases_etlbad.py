"""The real bad-input file of the customer-purchase ETL assignment (../shared/data/external/customer-purchases/
etlbad.csv, CRLF, no trailing newline): more than half of its rows are bad, so the delivery fails loudly;
accepted by an operator, every bad row ends in quarantine under the rule it breaks, the two junk lines in
the unparsed quarantine, the good rows in silver, and the counts add up to the file's lines."""

import shutil
from decimal import Decimal

import dagster as dg
import pytest
from conftest import shared_file

from platform_assets.core.lake import Lake
from platform_assets.core.quality import ACCEPT_SHARE_TAG
from platform_assets.core.rules import SUPERSEDED
from platform_assets.definitions import build_definitions
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import spark_engine
from resources.warehouse import WarehouseResource

DAY = "2025-01-10"
KEY = f"purchases/purchases/{DAY}/etlbad.csv"

# Physical line (header = 1) -> the rules it breaks; rows not listed are valid.
EXPECTED_RULES = {
    2: ["purchase_date_is_date"],  # purchase_date '2023'
    3: ["amount_positive"],  # amount -1
    4: ["currency_known"],  # EUR: the rates delivered here are USD only
    5: ["customer_id_not_null"],
    6: ["purchase_id_not_null"],
    19: ["email_valid"],  # 'jane', four identical rows: all four are bad, none is "the" row
    20: ["email_valid"],
    21: ["email_valid"],
    22: ["email_valid"],
    23: ["customer_id_positive", "email_valid"],  # -102
    24: ["customer_id_positive", "purchase_id_positive", "email_valid"],  # -102, -8
    25: ["customer_id_is_integer"],  # 'a'
    26: ["purchase_id_is_integer"],  # 'b'
}
# Six purchase_ids delivered twice in a row (exact duplicates): the later row wins, the earlier one is kept
# in quarantine as superseded.
DUPLICATE_PAIRS = [(7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18)]
JUNK_LINES = [27, 28]  # 'aaron' and 'paul': one field where the header has eight


@pytest.fixture(scope="module")
def etlbad_run(tmp_path_factory, spark):
    source = shared_file("customer-purchases", "etlbad.csv")
    home = tmp_path_factory.mktemp("etlbad") / "home"
    target = home / "landing" / KEY
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    fx = home / "landing/purchases/fx_rates" / DAY / "fx_rates.csv"
    fx.parent.mkdir(parents=True)
    fx.write_text("date,currency,aud_per_unit\n2023-01-02,USD,1.5\n")  # the assignment's USD x 1.5
    defs = build_definitions(
        {
            "spark": spark_engine("sail"),
            "lake": LakeResource(root=str(home / "lake")),
            "landing": ObjectStoreResource(root=str(home / "landing")),
            "warehouse": WarehouseResource(url=f"sqlite:///{home / 'warehouse.db'}"),
        }
    )
    day = {"dagster/asset_partition_range_start": DAY, "dagster/asset_partition_range_end": DAY}
    # 13 of its 19 rows (25 parsed, 6 of them superseded re-deliveries) break a rule: 68% is above the 50%
    # share, so the delivery fails loudly and nothing is written.
    refused = defs.resolve_job_def("purchases_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=day, raise_on_error=False
    )
    # An operator who has looked at it accepts this delivery for one run (tag ACCEPT_SHARE_TAG).
    result = defs.resolve_job_def("purchases_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags={**day, ACCEPT_SHARE_TAG: "0.7"}, raise_on_error=False
    )
    assert result.success, [e.event_specific_data.error.message for e in result.get_step_failure_events()]
    return home, source, refused


def test_a_delivery_mostly_quarantined_fails_loudly_until_accepted(etlbad_run):
    home, _, refused = etlbad_run
    assert not refused.success
    [failure] = refused.get_step_failure_events()
    message = failure.event_specific_data.error.message
    assert failure.step_key == "silver_purchases_purchases"
    assert "quarantine_share" in message and "68.4%" in message and "email_valid" in message
    share = [
        e
        for e in refused.get_asset_check_evaluations()
        if e.check_name == "quarantine_share" and e.asset_key.to_user_string() == "silver/purchases/purchases"
    ]
    assert [e.severity for e in share] == [dg.AssetCheckSeverity.ERROR] and not share[0].passed


def test_every_bad_row_is_quarantined_under_its_rule_and_nothing_is_lost(etlbad_run):
    home, source, _ = etlbad_run
    lake = Lake(str(home / "lake"))
    lines = source.read_bytes().decode("utf-8").split("\r\n")
    data_lines = len(lines) - 1  # header excluded (no trailing newline: no empty last element)
    assert data_lines == 27

    bronze = lake.read_arrow("bronze/purchases/purchases")
    silver = lake.read_arrow("silver/purchases/purchases").to_pylist()
    quarantine = {r["_row"]: r for r in lake.read_arrow("quarantine/purchases/purchases").to_pylist()}
    unparsed = lake.read_arrow("quarantine/purchases/purchases_unparsed").to_pylist()

    # Counts reconciled: every line of the file is in exactly one place.
    assert bronze.num_rows == 25 and len(unparsed) == 2
    assert len(silver) + len(quarantine) == bronze.num_rows
    assert len(silver) + len(quarantine) + len(unparsed) == data_lines

    for row, rules in EXPECTED_RULES.items():
        assert quarantine[row]["_rules_failed"] == rules, row
    for earlier, later in DUPLICATE_PAIRS:
        assert quarantine[earlier]["_rules_failed"] == [SUPERSEDED]
        assert later not in quarantine
    assert set(quarantine) == set(EXPECTED_RULES) | {e for e, _ in DUPLICATE_PAIRS}
    # Quarantine keeps the values as delivered.
    assert quarantine[24]["customer_id"] == "-102" and quarantine[24]["purchase_id"] == "-8"
    assert quarantine[2]["purchase_date"] == "2023"

    assert sorted((r["_row"], r["purchase_id"]) for r in silver) == [
        (8, 75),
        (10, 76),
        (12, 77),
        (14, 78),
        (16, 79),
        (18, 710),
    ]
    assert {r["row"] for r in unparsed} == set(JUNK_LINES)
    assert {r["raw"] for r in unparsed} == {"aaron", "paul"}
    assert all("1 fields" in r["reason"] for r in unparsed)


def test_the_good_rows_reach_the_summary_and_the_warehouse(etlbad_run):
    home, _, _ = etlbad_run
    summary = Lake(str(home / "lake")).read_arrow("gold/purchases/customer_purchase_summary").to_pylist()
    assert sorted(r["customer_id"] for r in summary) == [1, 2, 3, 4, 5, 6]
    for r in summary:
        assert r["purchases"] == 1 and r["total_spent_aud"] == Decimal("225.00")  # 150 USD x 1.5
        assert r["full_name"] == "Jane Smith" and r["email"] == "jane@example.com"
    wh = WarehouseResource(url=f"sqlite:///{home / 'warehouse.db'}")
    assert wh.read("select count(*) as n from customer_purchase_summary") == [{"n": 6}]
    # Six customers tie at 225.00: the view ranks the lower customer_id first.
    assert [
        r["customer_id"] for r in wh.read("select customer_id from top_customers order by customer_rank")
    ] == [1, 2, 3, 4, 5]
