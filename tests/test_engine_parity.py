"""Engine parity: every domain, on the same generated data, on Sail and on classic Spark 3.5, gives the
same committed tables cell for cell (column names and Delta types, decimals, nulls, timestamps; row order
irrelevant). And a re-run on Sail gives identical tables (money and credits summed deterministically).

Each engine runs `omnilake run` in its own process, as a user would: PySpark 3.5 holds either Connect
sessions or a classic one in a process, and the classic run is the Spark that Glue 5.1 and EMR 7 run.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from platform_assets.core.lake import Lake
from platform_assets.domains import DOMAINS

START, DAYS = date(2025, 1, 1), 4
pytestmark = pytest.mark.spark
# Columns that record when a run happened, not what it computed: the journeys extraction stamps the rows it
# reads from the source database with the extraction time (a landing file's rows carry the file's own
# delivery time, so those tables compare whole). The columns' presence and types are still compared.
RUN_TIME_COLUMNS = {
    "bronze/journeys/sessions": {"_ingested_at"},
    "bronze/journeys/conversions": {"_ingested_at"},
    "quarantine/journeys/excluded_conversions": {"_ingested_at"},
    # The quality history records which run counted and when.
    **{f"quality/{d}/rule_results": {"run_id", "recorded_at"} for d in DOMAINS},
}


def omnilake(home: Path, engine: str, *args: str) -> subprocess.Popen:
    """`omnilake ARGS` in a fresh process on `engine` with its own OMNILAKE_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNILAKE_", "SPARK_", "DAGSTER_HOME"))}
    env.update(OMNILAKE_HOME=str(home), OMNILAKE_SPARK=engine, OMNILAKE_START_DATE=START.isoformat())
    return subprocess.Popen(
        [sys.executable, "-m", "platform_assets.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen, what: str) -> str:
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{out[-4000:]}"
    return out


def cell(value):
    """A value in a form that compares exactly and sorts with values of any type (NaN equals NaN)."""
    if value is None:
        return (0, "")
    if isinstance(value, float):
        return (1, "nan" if math.isnan(value) else value.hex())
    if isinstance(value, (Decimal, datetime, date)):
        return (2, repr(value))
    if isinstance(value, list):
        return (3, repr([cell(v) for v in value]))
    if isinstance(value, dict):
        return (4, repr(sorted((k, cell(v)) for k, v in value.items())))
    return (5, repr(value))


def snapshot(lake_root: Path) -> dict[str, tuple[list, list]]:
    """Every table of the lake: (its Delta schema as (name, type) pairs, its rows as sorted cells)."""
    lake = Lake(str(lake_root))
    out = {}
    for ref in lake.list_tables():
        data = lake.read_arrow(ref)
        schema = [(f.name, str(f.type)) for f in data.schema]
        data = data.drop_columns(sorted(RUN_TIME_COLUMNS.get(ref.path, set())))
        rows = sorted(tuple(cell(v) for v in row.values()) for row in data.to_pylist())
        if ref.layer == "quality":
            # A history of runs: each run's counts must agree, however many runs each home has had.
            rows = sorted(set(rows))
        out[ref.path] = (schema, rows)
    return out


def differences(left: dict, right: dict, names=("sail", "classic")) -> list[str]:
    problems = []
    for table in sorted(set(left) | set(right)):
        if table not in left or table not in right:
            problems.append(f"{table}: only on {names[0] if table in left else names[1]}")
            continue
        (ls, lr), (rs, rr) = left[table], right[table]
        if ls != rs:
            problems.append(f"{table}: schema {names[0]} {ls} != {names[1]} {rs}")
        elif lr != rr:
            only_l = [r for r in lr if r not in rr][:3]
            only_r = [r for r in rr if r not in lr][:3]
            problems.append(
                f"{table}: {len(lr)} vs {len(rr)} rows; only {names[0]}: {only_l}; only {names[1]}: {only_r}"
            )
    return problems


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """One generated data set (every domain, with its injected defects) that each engine copies."""
    from platform_assets.generate import generate

    home = tmp_path_factory.mktemp("parity-source")
    generate(
        home / "landing", START, DAYS, seed=11, journeys_db=f"sqlite:///{home / 'sources' / 'challenge.db'}"
    )
    return home


def engine_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_sail_and_classic_spark_commit_identical_tables_and_sail_reruns_identically(landing, tmp_path):
    sail_home = engine_home(landing, tmp_path / "sail")
    classic_home = engine_home(landing, tmp_path / "classic")
    # The two engines run side by side (each is mostly latency on data this small).
    classic = omnilake(classic_home, "local", "run")
    finish(omnilake(sail_home, "sail", "run"), "omnilake run on sail")
    first = snapshot(sail_home / "lake")
    rerun = omnilake(sail_home, "sail", "run")
    finish(classic, "omnilake run on classic Spark (local)")
    finish(rerun, "omnilake re-run on sail")

    tables = {t.split("/")[1] for t in first}
    assert tables == set(DOMAINS), f"every domain committed tables: {sorted(tables)}"
    assert sum(len(rows) for _, rows in first.values()) > 10_000
    problems = differences(first, snapshot(sail_home / "lake"), ("run 1", "run 2"))
    problems += differences(first, snapshot(classic_home / "lake"))
    assert problems == [], "\n".join(problems)
