"""The ad_attribution sample-data generator: deterministic, shaped like the landing contract and the seed, and
its summary reconciles with the files (recounted here with csv/json and the spec's rules, independently of
the generator's bookkeeping). No Spark."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from platform_assets.ad_attribution.generator import generate

START = date(2025, 2, 1)
DAYS = 5
ALIASES = {"platform": "channel", "timestamp": "event_ts"}


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def snapshot(root: Path) -> list[tuple[str, bytes, int]]:
    return [(p.relative_to(root).as_posix(), p.read_bytes(), p.stat().st_mtime_ns) for p in files(root)]


def test_same_seed_same_bytes_and_mtimes(tmp_path):
    a = generate(tmp_path / "a", START, 3, seed=21, scale=0.1)
    b = generate(tmp_path / "b", START, 3, seed=21, scale=0.1)
    assert a == b
    snap_a, snap_b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert [k for k, _, _ in snap_a] == [k for k, _, _ in snap_b] and len(snap_a) == a["files_written"]
    for (k, da, ma), (_, db, mb) in zip(snap_a, snap_b):
        assert (da, ma) == (db, mb), k
    generate(tmp_path / "c", START, 3, seed=22, scale=0.1)
    other = {k: d for k, d, _ in snapshot(tmp_path / "c")}
    key = "ad_attribution/ad_events/2025-02-01/meta.jsonl"
    assert other[key] != dict((k, d) for k, d, _ in snap_a)[key]


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("adgen")
    return root, generate(root, START, DAYS, seed=7, scale=0.3)


def parse_ts(text: str) -> datetime:
    text = text.replace("Z", "+00:00")
    ts = datetime.fromisoformat(text)
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def read_rows(path: Path) -> list[dict]:
    """Rows of a landing file with canonical column names."""
    if path.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    else:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [{ALIASES.get(k.lower(), k.lower()): v for k, v in r.items()} for r in rows]


@pytest.fixture(scope="module")
def recount(landing):
    """Silver as the spec defines it, recomputed from the files: latest delivery per id and day wins."""
    root, _ = landing
    events: dict[tuple[str, str], tuple[float, dict]] = {}
    orders: dict[tuple[str, str], tuple[float, dict]] = {}
    bad = Counter()
    physical = Counter()
    headers = {}
    for p in files(root):
        _, source, folder, name = p.relative_to(root).as_posix().split("/")
        rows = read_rows(p)
        physical[source] += len(rows)
        headers[name] = list(rows[0]) if rows else []
        for r in rows:
            if source == "ad_events":
                r.setdefault("event_type", "impression")
                r["cost"] = r.get("cost") or "0"
                if r["event_type"] not in ("impression", "click"):
                    bad["event_type_valid"] += 1
                elif parse_ts(r["event_ts"]).date().isoformat() != folder:
                    bad["event_date_matches_partition"] += 1
                else:
                    events[(r["event_id"], folder)] = max(
                        events.get((r["event_id"], folder), (0, {})),
                        (p.stat().st_mtime, r),
                        key=lambda t: t[0],
                    )
            else:
                if not (r["sku"] or "").strip():
                    bad["sku_not_null"] += 1
                elif r["currency"].strip().upper() != "USD":
                    bad["currency_usd"] += 1
                else:
                    orders[(r["order_id"], folder)] = (p.stat().st_mtime, r)
    return events, orders, bad, physical, headers


def test_summary_matches_the_files(landing, recount):
    root, summary = landing
    events, orders, bad, physical, _ = recount
    assert summary["files"] == [p.relative_to(root).as_posix() for p in files(root)]
    assert summary["rows"] == {"ad_events": physical["ad_events"], "orders": physical["orders"]}
    assert summary["bad_rows"] == dict(bad)
    expected = summary["expected_silver"]
    assert (expected["ad_events"], expected["orders"]) == (len(events), len(orders))
    for day, want in expected["daily"].items():
        day_events = [r for (_, d), (_, r) in events.items() if d == day]
        day_orders = [r for (_, d), (_, r) in orders.items() if d == day]
        assert want["events"] == len(day_events)
        assert want["clicks"] == sum(r["event_type"] == "click" for r in day_events)
        assert Decimal(want["spend"]) == sum(Decimal(r["cost"]) for r in day_events)
        assert (want["orders"], Decimal(want["revenue"])) == (
            len(day_orders),
            sum(Decimal(r["amount"]) for r in day_orders),
        )


def test_realistic_shapes_and_every_defect(landing, recount):
    root, summary = landing
    events, orders, bad, physical, headers = recount
    # each channel in its own export shape; the seed's aliases and missing columns appear
    assert headers["meta.jsonl"] == [
        "event_id",
        "user_id",
        "campaign_id",
        "channel",
        "event_type",
        "event_ts",
        "cost",
    ]
    assert (
        "event_type" not in headers["tiktok_impressions.csv"]
        and "region" in headers["tiktok_impressions.csv"]
    )
    assert "cost" not in headers["tiktok_clicks.jsonl"]
    rows = [r for _, r in events.values()]
    clicks = [r for r in rows if r["event_type"] == "click"]
    assert 0.004 < len(clicks) / len(rows) < 0.04  # click-through rates of the channels
    by_channel = Counter(r["channel"].lower() for r in rows)
    assert set(by_channel) == {"meta", "google", "tiktok"}
    cpm = [
        Decimal(r["cost"]) * 1000 for r in rows if r["event_type"] == "impression" and r["channel"] == "meta"
    ]
    assert Decimal(4) < sum(cpm) / len(cpm) < Decimal(17)  # meta CPMs in USD
    assert all(Decimal(r["cost"]) > 0 for r in clicks if r["channel"] == "google")  # CPC
    assert len({r["campaign_id"] for r in rows}) == len(summary["campaigns"]) == 12
    # every defect occurs, and stays small
    for rule in ("sku_not_null", "currency_usd", "event_type_valid", "event_date_matches_partition"):
        assert bad[rule] >= 1, rule
    for name in ("late_events", "redelivered_events", "duplicate_lines", "redelivered_orders"):
        assert summary[name] >= 1, name
    assert sum(bad.values()) / (physical["ad_events"] + physical["orders"]) < 0.01
    # the late file is delivered two days after its folder's date, after that folder's first files
    (late,) = summary["defect_files"]["late"]
    folder = date.fromisoformat(late.split("/")[2])
    mtime = datetime.fromtimestamp((root / late).stat().st_mtime, tz=timezone.utc)
    assert mtime >= datetime.combine(folder + timedelta(days=2), datetime.min.time(), timezone.utc)
    # orders come from both clicks/views and organic traffic; users repeat
    users = Counter(r["user_id"] for _, r in orders.values())
    assert users.most_common(1)[0][1] >= 2
