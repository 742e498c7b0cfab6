"""The purchases sample-data generator: deterministic, shaped like the landing contract, and its summary
reconciles with the files (recounted here with the csv module). No Spark."""

import csv
import io
from datetime import date
from pathlib import Path

from platform_assets.generate import GENERATORS
from platform_assets.purchases.generator import generate
from platform_assets.purchases.rules import PURCHASE_RULES
from platform_assets.purchases.sources import FX_RATES, PURCHASES

START = date(2025, 1, 1)


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def rows(path: Path) -> tuple[list[str], list[list[str]]]:
    table = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    return table[0], table[1:]


def test_same_seed_same_bytes_and_mtimes(tmp_path):
    a = generate(tmp_path / "a", START, 5, seed=3, scale=0.2)
    b = generate(tmp_path / "b", START, 5, seed=3, scale=0.2)
    assert a == b
    assert files(tmp_path / "a") == files(tmp_path / "b")
    c = generate(tmp_path / "c", START, 5, seed=4, scale=0.2)
    assert files(tmp_path / "c") != files(tmp_path / "a") and c != a


def test_summary_reconciles_with_the_files(tmp_path):
    out = tmp_path / "landing"
    s = generate(out, START, 6, seed=5, scale=0.2)
    on_disk = sorted(files(out))
    assert on_disk == s["files"] and s["files_written"] == len(on_disk)
    counted = {PURCHASES.name: 0, FX_RATES.name: 0}
    for key in on_disk:
        domain, source, day, _ = key.split("/")
        assert domain == "purchases" and date.fromisoformat(day)
        header, data = rows(out / key)
        assert tuple(header) == (PURCHASES.columns if source == PURCHASES.name else FX_RATES.columns)
        counted[source] += len(data)
        if source == FX_RATES.name:
            # Rates are published on weekdays only (a weekend purchase takes Friday's rate).
            assert date.fromisoformat(day).weekday() < 5
            assert all(date.fromisoformat(r[0]).weekday() < 5 for r in data)
    assert counted == s["rows"]
    assert set(s["bad_rows"]) == set(PURCHASE_RULES) and all(n >= 1 for n in s["bad_rows"].values())
    assert (
        s["duplicates"] >= 1 and s["updates"] >= 1 and s["moved_purchases"] == 1 and s["malformed_rows"] >= 1
    )
    # Double deliveries are byte-identical copies of a day's file.
    defects = s["defect_files"]
    for copy in defects["resent_same_day"]:
        assert (out / copy).read_bytes() == (out / copy.replace("_resent.csv", ".csv")).read_bytes()
    for copy in defects["resent_later_day"]:
        name = copy.rsplit("/", 1)[1]
        original = out / "purchases/purchases" / name.removeprefix("purchases_").removesuffix(".csv") / name
        assert (out / copy).read_bytes() == original.read_bytes()
    e = s["expected"]
    assert e["bronze_purchases"] == s["rows"]["purchases"] - s["malformed_rows"]
    assert e["silver_purchases"] + e["quarantine_purchases"] == e["bronze_purchases"]
    assert e["customers"] == len(e["summary"]) and e["purchases"] <= e["silver_purchases"]
    currencies = {
        r[7].strip().upper()
        for key in on_disk
        if "/purchases/" in key
        for r in rows(out / key)[1]
        if len(r) == 8
    }
    assert {"AUD", "USD", "EUR", "GBP", "NZD", "JPY"} <= currencies


def test_clean_history_for_the_bench(tmp_path):
    s = generate(tmp_path, START, 3, seed=1, scale=0.1, customers=50, defects=False)
    assert sum(s["bad_rows"].values()) == 0 and s["duplicates"] == 0 and s["malformed_rows"] == 0
    assert s["expected"]["quarantine_purchases"] == 0 and s["expected"]["customers"] <= 50


def test_registered_with_the_cli():
    assert GENERATORS["purchases"] == "platform_assets.purchases.generator:generate"
