"""The journeys source-database generator, the extraction (bound parameters) and the CLI hooks."""

from datetime import date

import pytest
import sqlalchemy as sa

from platform_assets import cli
from platform_assets.generate import generate as generate_all
from platform_assets.journeys.extract import extract, source_dates
from platform_assets.journeys.generator import generate

START = date(2025, 1, 1)


def dump(url: str) -> dict[str, list[tuple]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: sorted(tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t}")))  # noqa: S608 (fixed names)
                for t in ("session_sources", "conversions", "session_costs")
            }
    finally:
        engine.dispose()


def test_schema_is_the_challenges_and_the_default_path_is_out_parent_sources(tmp_path):
    summary = generate(tmp_path / "landing", START, 5, scale=0.2)
    db = tmp_path / "sources" / "challenge.db"
    assert summary["url"] == f"sqlite:///{db}" and db.exists()
    engine = sa.create_engine(summary["url"])
    with engine.connect() as conn:
        info = {
            t: [(r[1], r[2], r[5]) for r in conn.exec_driver_sql(f"PRAGMA table_info({t})")]
            for t in ("session_sources", "conversions", "session_costs")
        }
    engine.dispose()
    assert info == {
        "session_sources": [
            ("session_id", "TEXT", 1),
            ("user_id", "TEXT", 0),
            ("event_date", "TEXT", 0),
            ("event_time", "TEXT", 0),
            ("channel_name", "TEXT", 0),
            ("holder_engagement", "INT", 0),
            ("closer_engagement", "INT", 0),
            ("impression_interaction", "INT", 0),
        ],
        "conversions": [
            ("conv_id", "TEXT", 1),
            ("user_id", "TEXT", 0),
            ("conv_date", "TEXT", 0),
            ("conv_time", "TEXT", 0),
            ("revenue", "REAL", 0),
        ],
        "session_costs": [("session_id", "TEXT", 1), ("cost", "REAL", 0)],
    }


def test_same_seed_same_content_rerun_replaces_and_defects_are_present(tmp_path):
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    sa_ = generate(tmp_path / "x", START, 10, seed=3, scale=0.3, journeys_db=a)
    sb_ = generate(tmp_path / "y", START, 10, seed=3, scale=0.3, journeys_db=b)
    assert dump(a) == dump(b)
    assert {k: v for k, v in sa_.items() if k != "url"} == {k: v for k, v in sb_.items() if k != "url"}
    again = generate(tmp_path / "x", START, 10, seed=3, scale=0.3, journeys_db=a)
    assert dump(a) == dump(b) and again["rows"] == sa_["rows"]  # replaced, not appended
    other = generate(
        tmp_path / "z", START, 10, seed=4, scale=0.3, journeys_db=f"sqlite:///{tmp_path / 'c.db'}"
    )
    assert dump(f"sqlite:///{tmp_path / 'c.db'}") != dump(a) and other["rows"] != {}
    d = sa_["defects"]
    for defect in (
        "impression_sessions",
        "sessions_without_cost_row",
        "paid_sessions_without_cost_row",
        "conversions_without_session",
        "conversions_impressions_only",
    ):
        assert d.get(defect, 0) >= 1, defect
    tables = dump(a)
    users = {}
    for s in tables["session_sources"]:
        users.setdefault(s[1], []).append(s)
    assert max(len(v) for v in users.values()) >= 5  # multi-session journeys
    assert all(len(r[0]) == 64 for r in tables["session_sources"])  # 64-hex ids like the challenge
    costed = {r[0] for r in tables["session_costs"]}
    assert any(s[0] not in costed for s in tables["session_sources"])
    expected = sa_["expected"]
    assert (
        expected["attributed_conversions"] + sum(expected["excluded"].values())
        == expected["conversions"]
        == len(tables["conversions"])
    )


def test_extraction_binds_its_parameters(tmp_path):
    url = f"sqlite:///{tmp_path / 'j.db'}"
    summary = generate(tmp_path / "landing", START, 4, scale=0.2, journeys_db=url)
    engine = sa.create_engine(url)
    one = extract(engine, ["2025-01-02"])
    assert one["sessions"].num_rows > 0 and set(one["sessions"]["dt"].to_pylist()) == {"2025-01-02"}
    assert set(one["conversions"]["dt"].to_pylist()) <= {"2025-01-02"}
    # A value that would widen an f-string query matches nothing when bound.
    hostile = extract(engine, ["2025-01-02' OR '1'='1"])
    assert hostile["sessions"].num_rows == 0 and hostile["conversions"].num_rows == 0
    everything = extract(engine, [f"2025-01-0{d}" for d in range(1, 5)])
    assert everything["sessions"].num_rows == summary["rows"]["session_sources"]
    costs = [c for c in everything["sessions"]["cost"].to_pylist()]
    assert None in costs and len([c for c in costs if c is not None]) == summary["rows"]["session_costs"]
    assert all(isinstance(v, str) for v in everything["sessions"]["holder_engagement"].to_pylist())  # as text
    engine.dispose()


def test_platform_generate_and_cli_reach_the_journeys_generator(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    out = generate_all(
        tmp_path / "landing", START, 3, seed=2, scale=0.2, domains=["journeys"], journeys_db=url
    )
    assert out["journeys"]["url"] == url and (tmp_path / "cli.db").exists()
    url2 = f"sqlite:///{tmp_path / 'cli2.db'}"
    code = cli.main(
        [
            "generate",
            "--out",
            str(tmp_path / "landing2"),
            "--start",
            "2025-01-01",
            "--days",
            "3",
            "--seed",
            "2",
            "--scale",
            "0.2",
            "--domain",
            "journeys",
            "--journeys-db",
            url2,
        ]
    )
    assert code == 0 and "journeys: 1 files" in capsys.readouterr().out
    assert dump(url) == dump(url2)


def test_run_range_comes_from_the_source_database(tmp_path, monkeypatch):
    monkeypatch.setenv("OMNILAKE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OMNILAKE_JOURNEYS_DB_URL", raising=False)
    assert cli.domain_dates("journeys") == []  # no database yet: nothing to run
    generate(tmp_path / "home" / "landing", START, 6, scale=0.2)  # the default location
    assert cli.domain_dates("journeys") == [f"2025-01-0{d}" for d in range(1, 7)]
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    generate(tmp_path / "x", date(2025, 2, 1), 2, scale=0.2, journeys_db=url)
    monkeypatch.setenv("OMNILAKE_JOURNEYS_DB_URL", url)
    assert cli.domain_dates("journeys") == ["2025-02-01", "2025-02-02"]
    assert source_dates(url, start="2025-02-02") == ["2025-02-02"]  # never before the first partition
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    sa.create_engine(empty).connect().close()  # a database without the challenge's tables: nothing to run
    assert source_dates(empty) == []
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(sa.exc.DatabaseError):  # an unreadable source is an error, not "no dates"
        source_dates(f"sqlite:///{broken}")


def test_generator_extraction_and_dates_on_postgresql(postgres_db, tmp_path):
    summary = generate(tmp_path / "landing", START, 3, seed=9, scale=0.2, journeys_db=postgres_db)
    assert "***" in summary["url"] or "@" not in summary["url"]  # the password is never in the summary
    sqlite = f"sqlite:///{tmp_path / 'same.db'}"
    generate(tmp_path / "landing", START, 3, seed=9, scale=0.2, journeys_db=sqlite)
    engine = sa.create_engine(postgres_db)
    pg = extract(engine, ["2025-01-01", "2025-01-02", "2025-01-03"])
    engine.dispose()
    lite = extract(sa.create_engine(sqlite), ["2025-01-01", "2025-01-02", "2025-01-03"])
    drop = ["_ingested_at"]
    for name in ("sessions", "conversions"):
        assert pg[name].drop(drop).to_pylist() == lite[name].drop(drop).to_pylist(), name
    assert source_dates(postgres_db) == ["2025-01-01", "2025-01-02", "2025-01-03"]
