"""The sample-data generator (`omnilake generate`): deterministic, shaped like the landing contract and the
real lab data, and its summary reconciles with what is actually in the files (recounted here with csv and
openpyxl, independently of the generator's own bookkeeping)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from platform_assets.core.samplefiles import write_bytes, write_csv, write_jsonl, write_xlsx
from platform_assets.ecommerce.sources import ORDER_ITEMS, ORDERS, PRODUCTS
from platform_assets.generate import GENERATORS, generate

START = date(2025, 1, 1)
DAYS = 10
SOURCES = {s.name: s for s in (PRODUCTS, ORDERS, ORDER_ITEMS)}


# ------------------------------------------------------------------ independent readers


def _cell(v) -> str:
    """A delivered value as text, whatever the container (CSV text or typed xlsx cell)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_tables(path: Path) -> list[tuple[str, list[str], list[list[str]]]]:
    """[(part, header, rows)] of one landing file: one part for a CSV, one per sheet for an xlsx."""
    if path.stat().st_size == 0:
        return []
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        parts = []
        for ws in wb.worksheets:
            values = [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
            parts.append((ws.title, values[0], values[1:]))
        wb.close()
        return parts
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [(path.name, rows[0], rows[1:])]


def landing_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def key_of(root: Path, p: Path) -> str:
    return p.relative_to(root).as_posix()


def snapshot(root: Path) -> list[tuple[str, bytes, int]]:
    return [(key_of(root, p), p.read_bytes(), p.stat().st_mtime_ns) for p in landing_files(root)]


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    summaries = generate(root, START, DAYS, seed=7, domains=["ecommerce"])
    return root, summaries["ecommerce"]


@pytest.fixture(scope="module")
def recount(landing):
    """Everything the summary claims, recounted from the files."""
    root, _ = landing
    by_source: dict[str, list[tuple[Path, str, list[str]]]] = {
        "products": [],
        "orders": [],
        "order_items": [],
    }
    c = Counter()
    for p in landing_files(root):
        _, source, folder, _ = key_of(root, p).split("/")
        if p.stat().st_size == 0:
            c["empty_files"] += 1
            continue
        mtime = datetime.fromtimestamp(p.stat().st_mtime, tz=timezone.utc)
        if mtime >= datetime.combine(
            date.fromisoformat(folder), datetime.min.time(), timezone.utc
        ) + timedelta(days=2):
            c["late_files"] += 1
        for part, header, rows in read_tables(p):
            well = [r for r in rows if len(r) == len(header)]
            c["malformed_rows"] += len(rows) - len(well)
            c["duplicates"] += len(well) - len(set(map(tuple, well)))
            c[f"rows_{source}"] += len(rows)
            by_source[source].extend((p, part, r) for r in well)

    product_ids = {r[0] for _, _, r in by_source["products"]}
    order_ids = {r[1] for _, _, r in by_source["orders"] if r[1] != ""}
    bad = Counter()
    for _, _, r in by_source["orders"]:
        if r[1] == "":
            bad["order_id_not_null"] += 1
        elif float(r[4]) < 0:
            bad["total_amount_non_negative"] += 1
    for _, _, r in by_source["order_items"]:
        if r[0] == "":
            bad["id_not_null"] += 1
        elif r[6] not in ("0", "1"):
            bad["reordered_in_0_1"] += 1
        elif int(r[5]) < 1:
            bad["add_to_cart_order_positive"] += 1
        elif r[4] not in product_ids:
            bad["product_exists"] += 1
        elif r[1] not in order_ids:
            c["orphan_items"] += 1
        if r[3] == "":
            c["blank_days_since_prior_order"] += 1

    # Re-deliveries: an order repeated in a later file of the same orders folder, with another amount.
    folders: dict[Path, list[Path]] = {}
    for p, _, _ in by_source["orders"]:
        if p.suffix == ".csv" and p not in folders.setdefault(p.parent, []):
            folders[p.parent].append(p)
    changed = 0
    for files in folders.values():
        files.sort(key=lambda f: f.stat().st_mtime)
        seen: dict[str, str] = {}
        for f in files:
            for r in read_tables(f)[0][2]:
                if r[1] in seen and files.index(f) > 0:
                    c["redeliveries"] += 1
                    changed += float(seen[r[1]]) != float(r[4])
                seen.setdefault(r[1], r[4])
    c["redelivered_with_new_amount"] = changed
    return c, bad, by_source


# ------------------------------------------------------------------ determinism


def test_same_seed_same_bytes_and_mtimes(tmp_path):
    a, b, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    sa = generate(a, START, 7, seed=11)
    sb = generate(b, START, 7, seed=11)
    assert sa == sb
    snap_a, snap_b = snapshot(a), snapshot(b)
    assert [k for k, _, _ in snap_a] == [k for k, _, _ in snap_b]
    assert any(k.endswith(".xlsx") for k, _, _ in snap_a)
    for (ka, da, ma), (kb, db, mb) in zip(snap_a, snap_b):
        assert da == db, ka
        assert ma == mb, ka
    generate(other, START, 7, seed=12)
    snap_c = dict((k, d) for k, d, _ in snapshot(other))
    assert (
        snap_c["ecommerce/orders/2025-01-01/orders.csv"]
        != dict((k, d) for k, d, _ in snap_a)["ecommerce/orders/2025-01-01/orders.csv"]
    )
    assert (
        snap_c["ecommerce/orders/2025-01-07/orders.xlsx"]
        != dict((k, d) for k, d, _ in snap_a)["ecommerce/orders/2025-01-07/orders.xlsx"]
    )


def test_xlsx_writer_pins_timestamps(tmp_path):
    modified = datetime(2025, 1, 2, 1, 0, 5, tzinfo=timezone.utc)
    p = write_xlsx(
        tmp_path,
        "d/s/2025-01-01/w.xlsx",
        {"2025-01-01": (["a", "b"], [[1, "x"], [2.5, None]])},
        modified=modified,
    )
    z = zipfile.ZipFile(p)
    assert z.namelist()[0] == "[Content_Types].xml"
    assert {i.date_time for i in z.infolist()} == {(2025, 1, 2, 1, 0, 4)}  # zip times have 2 s resolution
    core = z.read("docProps/core.xml").decode()
    assert core.count("2025-01-02T01:00:05Z") == 2
    assert p.stat().st_mtime == modified.timestamp()
    first = p.read_bytes()
    p2 = write_xlsx(
        tmp_path,
        "d/s/2025-01-01/w2.xlsx",
        {"2025-01-01": (["a", "b"], [[1, "x"], [2.5, None]])},
        modified=modified,
    )
    assert p2.read_bytes() == first


def test_simple_writers(tmp_path):
    m = datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc)
    p = write_csv(
        tmp_path, "x/y/2025-03-01/a.csv", ["a", "b"], [[1, None], ["q,r", 2]], modified=m, bom=True, crlf=True
    )
    assert p.read_bytes() == b'\xef\xbb\xbfa,b\r\n1,\r\n"q,r",2\r\n'
    assert p.stat().st_mtime == m.timestamp()
    p = write_jsonl(tmp_path, "x/y/2025-03-01/a.jsonl", [{"a": 1, "d": date(2025, 3, 1)}], modified=m)
    assert p.read_text() == '{"a":1,"d":"2025-03-01"}\n'
    p = write_bytes(tmp_path, "x/y/2025-03-01/e.csv", b"", modified=m)
    assert p.stat().st_size == 0 and p.stat().st_mtime == m.timestamp()
    with pytest.raises(ValueError):
        write_bytes(tmp_path, "../escape.csv", b"", modified=m)


# ------------------------------------------------------------------ layout and shapes


def test_layout_and_headers(landing):
    root, summary = landing
    files = landing_files(root)
    assert summary["files"] == [key_of(root, p) for p in files]
    assert summary["files_written"] == len(files)
    for p in files:
        parts = key_of(root, p).split("/")
        assert len(parts) == 4, parts
        domain, source, folder, name = parts
        assert domain == "ecommerce" and source in SOURCES
        assert date.fromisoformat(folder).isoformat() == folder
        assert p.suffix in (".csv", ".xlsx")
        for part, header, rows in read_tables(p):
            assert [h.lstrip("\ufeff") for h in header] == list(SOURCES[source].columns), (p, part)
            assert rows


def test_xlsx_sheets_are_the_last_three_days(landing):
    root, _ = landing
    last3 = [(START + timedelta(days=i)).isoformat() for i in range(DAYS - 3, DAYS)]
    for source in ("orders", "order_items"):
        books = list(root.glob(f"ecommerce/{source}/*/*.xlsx"))
        assert [b.parent.name for b in books] == [last3[-1]]
        wb = openpyxl.load_workbook(books[0])
        assert wb.sheetnames == last3
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            assert list(rows[0]) == list(SOURCES[source].columns)
            assert len(rows) > 100
            assert {r[-1] for r in rows[1:]} == {ws.title}
            ts = [r[list(SOURCES[source].columns).index("order_timestamp")] for r in rows[1:]]
            assert all(isinstance(t, str) and t.startswith(ws.title + "T") and t.endswith(":00") for t in ts)
        # no CSV for those days
        for d in last3:
            assert not list(root.glob(f"ecommerce/{source}/{d}/*.csv"))


def test_values_look_like_the_lab_data(landing, recount):
    root, summary = landing
    _, _, by_source = recount
    products = [r for _, _, r in by_source["products"]]
    assert {r[2] for r in products} == {"Books", "Clothing", "Electronics", "Home", "Sports", "Toys"}
    assert all(r[3].startswith(f"Product_{r[0]}_") for r in products)
    pairs = {(r[1], r[2]) for r in products}
    assert len(pairs) > 6  # department_id disagrees with the name
    snapshots = sorted(root.glob("ecommerce/products/*/products.csv"))
    assert len(snapshots) == 2
    first, second = (read_tables(p)[0][2] for p in snapshots)
    assert len(second) > len(first)
    changed = {tuple(r) for r in second} - {tuple(r) for r in first}
    assert len(changed) > len(second) - len(first)  # renamed / moved products too

    orders = [r for _, _, r in by_source["orders"] if r[1]]
    assert all(1 <= int(r[0]) <= 100 for r in orders)
    assert Counter(r[0] for r in orders).most_common(1)[0][1] > 1  # order_num is not a key
    assert all(len(r[3]) == 19 and r[3][10] == "T" and r[3].endswith(":00") for r in orders)
    assert all(r[3][:10] == r[5] for r in orders)
    amounts = [r[4] for r in orders]
    assert any("." in a and len(a.split(".")[1]) == 1 or "." not in a for a in amounts)  # Excel-style
    assert all("." not in a or len(a.split(".")[1]) <= 2 for a in amounts)
    users = Counter(r[2] for r in orders)
    assert users.most_common(1)[0][1] >= 4 and len(users) > 300  # repeat customers, a heavy minority

    by_order = {r[1]: r for r in orders}
    items = [r for _, _, r in by_source["order_items"] if r[0] and r[1] in by_order]
    for r in items:
        o = by_order[r[1]]
        assert (r[2], r[7], r[8]) == (o[2], o[3], o[5])
        assert r[3] == "" or 0 <= int(r[3]) <= 30
    per_order = Counter(r[1] for r in items)
    assert 3.5 < sum(per_order.values()) / len(per_order) < 6.5
    reorder = Counter(r[6] for r in items)
    assert 0.2 < reorder["1"] / (reorder["0"] + reorder["1"]) < 0.7
    # order_id is unique once exact duplicates inside a file and the re-delivered repeats are set aside
    distinct_rows = {(p, part, tuple(r)) for p, part, r in by_source["orders"] if r[1]}
    ids = [r[1] for _, _, r in distinct_rows]
    assert len(set(ids)) == len(ids) - summary["redeliveries"]
    assert sorted(map(int, set(ids)))[0] == 10000


# ------------------------------------------------------------------ reconciliation


def test_summary_matches_the_files(landing, recount):
    _, summary = landing
    c, bad, _ = recount
    assert summary["rows"] == {
        "products": c["rows_products"],
        "orders": c["rows_orders"],
        "order_items": c["rows_order_items"],
    }
    assert summary["bad_rows"] == {rule: bad[rule] for rule in summary["bad_rows"]}
    assert set(summary["bad_rows"]) == {
        "order_id_not_null",
        "id_not_null",
        "total_amount_non_negative",
        "reordered_in_0_1",
        "add_to_cart_order_positive",
        "product_exists",
    }
    for name in (
        "duplicates",
        "redeliveries",
        "orphan_items",
        "malformed_rows",
        "empty_files",
        "late_files",
        "blank_days_since_prior_order",
    ):
        assert summary[name] == c[name], name
    assert c["redelivered_with_new_amount"] == summary["redeliveries"]


def test_every_defect_occurs_and_stays_small(landing):
    _, summary = landing
    for rule, n in summary["bad_rows"].items():
        assert n >= 1, rule
    for name in (
        "duplicates",
        "redeliveries",
        "orphan_items",
        "malformed_rows",
        "empty_files",
        "late_files",
        "bom_crlf_files",
    ):
        assert summary[name] >= 1, name
    defects = (
        sum(summary["bad_rows"].values())
        + summary["duplicates"]
        + summary["redeliveries"]
        + summary["orphan_items"]
        + summary["malformed_rows"]
    )
    assert defects / (summary["rows"]["orders"] + summary["rows"]["order_items"]) < 0.02


def test_delivery_files(landing):
    root, summary = landing
    files = summary["defect_files"]
    (redelivery,) = files["redeliveries"]
    original = root / Path(redelivery).parent / "orders.csv"
    assert (root / redelivery).stat().st_mtime > original.stat().st_mtime
    for k in files["bom_crlf_files"]:
        data = (root / k).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    plain = [
        p for p in root.rglob("*.csv") if key_of(root, p) not in files["bom_crlf_files"] and p.stat().st_size
    ]
    assert plain and all(
        not p.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" not in p.read_bytes() for p in plain
    )
    # a day's files are delivered the next day from 01:00 UTC (products from 00:30)
    for p in landing_files(root):
        if key_of(root, p) in files["late_files"] or key_of(root, p) in files["redeliveries"]:
            continue
        day = date.fromisoformat(p.parent.name)
        mtime = datetime.fromtimestamp(p.stat().st_mtime, tz=timezone.utc)
        lo = datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc)
        assert lo <= mtime < lo + timedelta(hours=2), p


def test_expected_silver_reconciles(landing, recount):
    _, summary = landing
    _, _, by_source = recount
    latest: dict[str, tuple[float, str]] = {}
    for p, _, r in sorted(by_source["orders"], key=lambda t: t[0].stat().st_mtime):
        if r[1] and float(r[4]) >= 0:
            latest[r[1]] = (float(r[4]), r[5])
    exp = summary["expected_silver"]
    assert exp["orders"] == len(latest)
    revenue = Counter()
    for amount, d in latest.values():
        revenue[d] += amount
    assert {d: v["revenue"] for d, v in exp["daily"].items()} == pytest.approx(dict(revenue))
    products = {r[0] for _, _, r in by_source["products"]}
    assert exp["products"] == len(products)
    valid_items = {
        r[0]
        for _, _, r in by_source["order_items"]
        if r[0] and r[6] in ("0", "1") and int(r[5]) >= 1 and r[4] in products
    }
    assert exp["order_items"] == len(valid_items)


def test_scale_doubles_orders(tmp_path):
    one = generate(tmp_path / "x1", START, 7, seed=3, scale=1.0, domains=["ecommerce"])["ecommerce"]
    two = generate(tmp_path / "x2", START, 7, seed=3, scale=2.0, domains=["ecommerce"])["ecommerce"]
    ratio = two["expected_silver"]["orders"] / one["expected_silver"]["orders"]
    assert 1.8 < ratio < 2.2
    # recount from the files as well
    counts = []
    for root in (tmp_path / "x1", tmp_path / "x2"):
        ids = {
            r[1]
            for p in root.glob("ecommerce/orders/*/*")
            for _, _, rows in read_tables(p)
            for r in rows
            if r[1]
        }
        counts.append(len(ids))
    assert 1.8 < counts[1] / counts[0] < 2.2
    assert 150 * 7 <= one["expected_silver"]["orders"] <= 250 * 7


def test_registry():
    from platform_assets.domains import DOMAINS

    assert GENERATORS["ecommerce"] == "platform_assets.ecommerce.generator:generate"
    assert GENERATORS == {d: f"platform_assets.{d}.generator:generate" for d in DOMAINS}
    with pytest.raises(ValueError, match="ecommerce"):
        generate(Path("/nonexistent"), START, 1, domains=["nope"])
