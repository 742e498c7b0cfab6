"""The restaurants sample-data generator: deterministic, and it carries the quirks of the real samples."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from platform_assets.generate import generate as generate_all
from platform_assets.restaurants.generator import card_numbers, generate


def digest(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), int(p.stat().st_mtime))
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    sa = generate(a, date(2025, 1, 1), 5, seed=3, scale=0.3)
    sb = generate(b, date(2025, 1, 1), 5, seed=3, scale=0.3)
    generate(c, date(2025, 1, 1), 5, seed=4, scale=0.3)
    assert sa == sb and digest(a) == digest(b)
    assert digest(a) != digest(c)
    assert sa["files_written"] == len(digest(a)) == 5 * 2 + 1


def test_the_files_carry_the_quirks_of_the_real_samples(tmp_path):
    summary = generate_all(tmp_path, date(2025, 1, 1), 6, seed=7, scale=0.5, domains=["restaurants"])[
        "restaurants"
    ]
    items = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("restaurants/order_items/*/*.csv")))
    text = items.decode()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,3} UTC", text)
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,3}Z", text)
    assert b"\r\n" in items and "APP_NAME" in text and "app_name" in text  # CRLF files, header case
    assert ",GUEST,NONE," in text and ",CAD," in text
    for spelling in (",TRUE,", ",true,", ",1,", ",FALSE,"):
        assert spelling in text
    cards = card_numbers(tmp_path)
    assert any(re.fullmatch(r"\d\.\d+E\+11", c) for c in cards) and any(
        re.fullmatch(r"\d{16}", c) for c in cards
    )
    options = "".join(p.read_text() for p in tmp_path.glob("restaurants/order_item_options/*/*.csv"))
    assert re.search(r",-\d+\.\d\d,1", options)  # discounts are options with negative prices
    dim = next(tmp_path.glob("restaurants/date_dim/*/date_dim.csv")).read_bytes()
    assert dim.startswith(b"date_key,") and b"\r\n01-01-2025,2025,1," in dim and b"TRUE" in dim
    assert summary["guest_orders"] > 0 and summary["loyalty_members"] > 0 and summary["churned_customers"] > 0
    # ITEM_PRICE is the line total: unit price (the menu's) x quantity.
    import csv
    import io
    from decimal import Decimal

    from platform_assets.restaurants.generator import MENU

    unit = {name: Decimal(price) for dishes in MENU.values() for name, price in dishes}
    checked = multi = 0
    for path in tmp_path.glob("restaurants/order_items/*/*.csv"):
        for row in csv.DictReader(io.StringIO(path.read_text(), newline="")):
            row = {k.upper(): v for k, v in row.items()}
            if (
                (row.get("ITEM_QUANTITY") or "").isdigit()
                and row.get("ITEM_PRICE") not in (None, "N/A")
                and row["CURRENCY"] == "USD"
            ):
                assert Decimal(row["ITEM_PRICE"]) == unit[row["ITEM_NAME"]] * int(row["ITEM_QUANTITY"]), row
                checked += 1
                multi += int(row["ITEM_QUANTITY"]) > 1
    assert checked > 100 and multi > 10
