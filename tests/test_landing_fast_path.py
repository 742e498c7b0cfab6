"""The Arrow fast path of landing CSV files (`core/landing._read_csv_arrow`) reads exactly what the row
parser reads: the same strings, row numbers, lineage and rejects, on well-formed files (where it is taken)
and on malformed ones (where it must step aside and leave the file to the row parser)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from platform_assets.core import landing
from platform_assets.core.landing import LandingFile, ParsedFile, parse_landing_key
from platform_assets.core.sources import Source
from platform_assets.core.storage import LocalObjectStore
from platform_assets.restaurants import generator
from platform_assets.restaurants.sources import SOURCES

DELIVERED = datetime(2025, 4, 16, 6, 30, 0, tzinfo=timezone.utc)
SHOP = Source(
    domain="shop",
    name="orders",
    columns=("order_id", "user_id", "amount", "note"),
    aliases={"customer": "user_id"},
    required=("order_id", "user_id"),
    defaults={"note": "n/a"},
)
HEADER = "order_id,customer,amount,note\n"

# Files the fast path reads: quotes around whole fields (commas and doubled quotes inside), CRLF, a BOM,
# no final newline, a header in another order or without an optional column, empty values.
WELL_FORMED = {
    "plain": HEADER + "1,u1,2.50,hello\n2,u2,3,world\n",
    "quoted": HEADER + '1,u1,2.50,"hello, world"\n2,"u2",,""\n3,u3,1,"x"""\n',
    "crlf": HEADER.replace("\n", "\r\n") + '1,u1,2.50,"a, b"\r\n2,u2,3,c\r\n',
    "no final newline": HEADER + "1,u1,2.50,x\n2,u2,3,y",
    "header only": HEADER,
    "optional column missing": "customer,order_id\nu1,1\nu2,2\n",
    "spaces kept": HEADER + " 1 , u1 ,  2.5 , x \n",
    "unicode": HEADER + "1,ü1,2,“curly” — ok\n",
}

# Files the row parser judges (the fast path declines them): malformed ones, so that rejects and row
# numbers stay exactly as before, and quotes the fast path does not vouch for.
ROW_BY_ROW = {
    "quote inside an unquoted field": HEADER + '1,u1,2,5" pizza\n',
    "doubled quotes inside a quoted field": HEADER + '1,u1,2,"say ""hi"" now"\n',
    "wrong width": HEADER + "1,u1,2,x\n2,u2,3\n3,u3,4,z\n",
    "text after a closing quote": HEADER + '1,u1,2,"a"b\n2,u2,3,c\n',
    "unclosed quote": HEADER + '1,u1,2,"abc\n2,u2,3,c\n',
    "line break inside quotes": HEADER + '1,u1,2,"a\nb"\n2,u2,3,c\n',
    "blank line": HEADER + "1,u1,2,x\n\n2,u2,3,y\n",
    "blank line with CRLF": HEADER.replace("\n", "\r\n") + "1,u1,2,x\r\n\r\n2,u2,3,y\r\n",
    "white space line": HEADER + "1,u1,2,x\n   \n2,u2,3,y\n",
    "bare CR": HEADER + "1,u1,2,x\r2,u2,3,y\n",
    "leading blank line": "\n" + HEADER + "1,u1,2,x\n",
    "undeclared column": "order_id,customer,extra\n1,u1,e\n",
    "missing required column": "order_id,amount\n1,2\n",
    "duplicate column": "order_id,customer,user_id\n1,u1,u2\n",
    "space before a quote": HEADER + '1,u1,2, "a"\n',
    "field beyond the csv limit": HEADER + "1,u1,2," + "x" * 140_000 + "\n",
}


def land(store: LocalObjectStore, key: str, text: str) -> LandingFile:
    store.write_bytes(key, text.encode("utf-8"), modified=DELIVERED)
    return parse_landing_key(store.info(key))


def both(store: LocalObjectStore, f: LandingFile, source: Source) -> tuple[bool, ParsedFile, ParsedFile]:
    """(fast path taken, what `read_landing_file` gives, what the row parser alone gives)."""
    text = store.read_bytes(f.key).decode("utf-8-sig").lstrip("\ufeff")
    fast = landing._read_csv_arrow(text, f, landing._Collector(source, f))
    rows = landing._Collector(source, f)
    landing._read_csv_rows(text, f, rows)
    return fast, landing.read_landing_file(store, f, source), rows.result()


def same(a: ParsedFile, b: ParsedFile) -> None:
    assert a.table.schema == b.table.schema
    assert a.table.to_pylist() == b.table.to_pylist()
    assert a.rejects == b.rejects
    assert a.extra_columns == b.extra_columns


@pytest.mark.parametrize("name", WELL_FORMED)
def test_well_formed_files_take_the_fast_path_and_read_the_same(tmp_path, name: str) -> None:
    store = LocalObjectStore(tmp_path)
    text = ("\ufeff" if name == "crlf" else "") + WELL_FORMED[name]
    f = land(store, "shop/orders/2025-04-01/a.csv", text)
    fast, read, by_rows = both(store, f, SHOP)
    assert fast, f"{name}: the fast path should read this file"
    same(read, by_rows)


@pytest.mark.parametrize("name", ROW_BY_ROW)
def test_malformed_files_are_left_to_the_row_parser(tmp_path, name: str) -> None:
    store = LocalObjectStore(tmp_path)
    f = land(store, "shop/orders/2025-04-01/a.csv", ROW_BY_ROW[name])
    fast, read, by_rows = both(store, f, SHOP)
    assert not fast, f"{name}: the row parser must judge this file"
    same(read, by_rows)


def test_generated_restaurant_files_read_the_same_both_ways(tmp_path) -> None:
    """The generator's files (quoted item names, CRLF and LF, an injected broken row) through both."""
    out = tmp_path / "landing"
    generator.generate(out, date(2025, 1, 1), 4, seed=11, scale=3)
    store = LocalObjectStore(out)
    by_name = {s.name: s for s in SOURCES}
    taken = 0
    for info in store.list("restaurants/"):
        f = parse_landing_key(info)
        if f.ext != ".csv":
            continue
        fast, read, by_rows = both(store, f, by_name[f.source])
        taken += fast
        same(read, by_rows)
    assert taken >= 8, "the well-formed generated files should take the fast path"
