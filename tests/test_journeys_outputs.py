"""Write-back into the source database (upsert, one transaction, SQLite and PostgreSQL) and the CSV export
of the channel report (date range, local path and S3, CLI)."""

import csv
import io

import pyarrow as pa
import pytest
import sqlalchemy as sa

from platform_assets import cli
from platform_assets.core.lake import Lake
from platform_assets.journeys.export import export_channel_reporting, to_csv
from platform_assets.journeys.extract import write_back

REPORT = pa.table(
    {
        "channel_name": ["FB & IG Ads", "FB & IG Ads", "Direct Traffic", "Pinterest Ads"],
        "date": ["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03"],
        "cost": [10.5, 4.0, 0.0, 3.25],
        "ihc": [1.5, 0.5, 1.0, 0.0],
        "ihc_revenue": [60.0, 10.0, 40.0, 0.0],
        "cpo": [7.0, 8.0, 0.0, None],
        "roas": [60.0 / 10.5, 2.5, None, 0.0],
    }
)


def attribution(rows):
    return pa.table(
        {"conv_id": [r[0] for r in rows], "session_id": [r[1] for r in rows], "ihc": [r[2] for r in rows]}
    )


def read(engine, table: str) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")))  # noqa: S608 (fixed names)


def check_upserts(url: str):
    engine = sa.create_engine(url)
    first = attribution([("c1", "s1", 0.4), ("c1", "s2", 0.6), ("c2", "s3", 1.0)])
    write_back(engine, first, REPORT)
    write_back(engine, first, REPORT)  # a re-run: no duplicates
    assert read(engine, "attribution_customer_journey") == [
        ("c1", "s1", 0.4),
        ("c1", "s2", 0.6),
        ("c2", "s3", 1.0),
    ]
    assert len(read(engine, "channel_reporting")) == 4
    # Gold changed: c1's journey (s2 gone, s4 new), c2 no longer attributed, one report row changed and the
    # others gone. The source tables mirror gold: replaced, nothing stale left, nothing duplicated.
    changed = attribution([("c1", "s1", 0.5), ("c1", "s4", 0.5)])
    report = REPORT.slice(0, 2).set_column(2, "cost", pa.array([11.0, 4.0]))
    counts = write_back(engine, changed, report)
    assert read(engine, "attribution_customer_journey") == [("c1", "s1", 0.5), ("c1", "s4", 0.5)]
    assert read(engine, "channel_reporting") == [
        ("FB & IG Ads", "2025-01-01", 11.0, 1.5, 60.0),
        ("FB & IG Ads", "2025-01-02", 4.0, 0.5, 10.0),
    ]
    assert counts["attribution_customer_journey"] == 2 and counts["channel_reporting"] == 2
    engine.dispose()


def test_write_back_upserts_in_sqlite(tmp_path):
    check_upserts(f"sqlite:///{tmp_path / 'challenge.db'}")


def test_write_back_upserts_in_postgresql(postgres_db):
    check_upserts(postgres_db)


def test_write_back_into_the_challenges_keyless_tables_is_one_transaction(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'challenge.db'}")
    with (
        engine.begin() as conn
    ):  # the challenge ships the two tables without keys; a CHECK to force a failure
        conn.exec_driver_sql(
            "CREATE TABLE attribution_customer_journey (conv_id TEXT, session_id TEXT, ihc REAL)"
        )
        conn.exec_driver_sql(
            "CREATE TABLE channel_reporting (channel_name TEXT, date TEXT, cost REAL CHECK (cost >= 0), ihc REAL, ihc_revenue REAL)"
        )
    before = attribution([("c1", "s1", 1.0)])
    write_back(engine, before, REPORT)
    write_back(engine, before, REPORT)
    assert read(engine, "attribution_customer_journey") == [("c1", "s1", 1.0)]
    assert len(read(engine, "channel_reporting")) == 4
    bad = REPORT.set_column(2, "cost", pa.array([1.0, 1.0, 1.0, -1.0]))
    with pytest.raises(sa.exc.IntegrityError):
        write_back(engine, attribution([("c1", "s9", 1.0), ("c7", "s7", 1.0)]), bad)
    # The attribution upsert ran before the failing insert: rolled back with it.
    assert read(engine, "attribution_customer_journey") == [("c1", "s1", 1.0)]
    assert sorted(r[2] for r in read(engine, "channel_reporting")) == [0.0, 3.25, 4.0, 10.5]
    engine.dispose()


@pytest.fixture
def report_lake(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    lake.write_arrow(REPORT, "gold/journeys/channel_reporting", None, partitioned=False)
    return lake


def test_csv_has_the_columns_and_empty_cells_for_null_ratios():
    rows = list(csv.reader(io.StringIO(to_csv(REPORT).decode())))
    assert rows[0] == ["channel_name", "date", "cost", "ihc", "ihc_revenue", "cpo", "roas"]
    assert rows[4] == ["Pinterest Ads", "2025-01-03", "3.25", "0.0", "0.0", "", "0.0"]
    assert rows[3][6] == ""


def test_export_range_local_and_s3(report_lake, tmp_path, s3_bucket, s3_endpoint):
    done = export_channel_reporting(report_lake, str(tmp_path / "out" / "r.csv"), "2025-01-02", "2025-01-03")
    rows = list(csv.DictReader(open(tmp_path / "out" / "r.csv")))
    assert done["rows"] == 2 and [(r["channel_name"], r["date"]) for r in rows] == [
        ("FB & IG Ads", "2025-01-02"),
        ("Pinterest Ads", "2025-01-03"),
    ]
    import boto3

    uri = f"s3://{s3_bucket}/reports/channel_reporting.csv"
    export_channel_reporting(report_lake, uri, None, None, s3_endpoint)
    body = (
        boto3.client("s3", endpoint_url=s3_endpoint)
        .get_object(Bucket=s3_bucket, Key="reports/channel_reporting.csv")["Body"]
        .read()
    )
    assert body == to_csv(
        report_lake.read_arrow("gold/journeys/channel_reporting").sort_by(
            [("channel_name", "ascending"), ("date", "ascending")]
        )
    )


def test_cli_export_defaults_to_the_reports_folder(report_lake, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OMNILAKE_HOME", str(tmp_path))
    monkeypatch.setenv("OMNILAKE_LAKE", str(tmp_path / "lake"))
    assert cli.main(["export", "channel-reporting", "--from", "2025-01-01", "--to", "2025-01-01"]) == 0
    rows = list(csv.DictReader(open(tmp_path / "reports" / "channel_reporting.csv")))
    assert {r["date"] for r in rows} == {"2025-01-01"} and len(rows) == 2
    assert "2 rows" in capsys.readouterr().out
    monkeypatch.setenv("OMNILAKE_LAKE", str(tmp_path / "empty"))
    assert cli.main(["export", "channel-reporting"]) == 1
