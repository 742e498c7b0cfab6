"""Landing files: key layout, partitions fed, and reading CSV / JSON lines / xlsx into string rows."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from platform_assets.core import landing
from platform_assets.core.landing import (
    LandingFile,
    LayoutError,
    ParsedFile,
    cell_text,
    parse_landing_key,
    partitions_of,
    read_landing_file,
)
from platform_assets.core.sources import Source
from platform_assets.core.storage import LocalObjectStore, ObjectInfo, ObjectStore, S3ObjectStore
from platform_assets.ecommerce.sources import ORDERS
from platform_assets.restaurants import generator
from platform_assets.restaurants.sources import SOURCES as RESTAURANT_SOURCES

REAL_WORKBOOK = (
    Path(__file__).resolve().parents[2]
    / "shared/data/external/ecommerce-lakehouse-apr2025/orders_apr_2025.xlsx"
)
DELIVERED = datetime(2025, 4, 16, 6, 30, 0, tzinfo=timezone.utc)

SHOP = Source(
    domain="shop",
    name="orders",
    columns=("order_id", "user_id", "amount", "note"),
    aliases={"customer": "user_id"},
    required=("order_id", "user_id"),
    defaults={"note": "n/a"},
)


class CountingStore(LocalObjectStore):
    """A real local store that counts reads (to see what is memoised)."""

    reads = 0

    def read_bytes(self, key: str) -> bytes:
        self.reads += 1
        return super().read_bytes(key)


@pytest.fixture
def store(tmp_path) -> CountingStore:
    return CountingStore(tmp_path / "landing")


def land(store: ObjectStore, key: str, data: bytes | str) -> LandingFile:
    raw = data.encode() if isinstance(data, str) else data
    store.write_bytes(key, raw, modified=DELIVERED)
    return parse_landing_key(store.info(key))


def read(store: ObjectStore, key: str, data: bytes | str, source: Source = SHOP) -> ParsedFile:
    return read_landing_file(store, land(store, key, data), source)


def rows(parsed: ParsedFile, *cols: str) -> list[tuple]:
    table = parsed.table
    return list(zip(*(table[c].to_pylist() for c in cols)))


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells in sheets.items():
        sheet = book.create_sheet(name)
        for row in cells:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- keys -------------------------------------------------------------------------------------------------


def test_parse_valid_key() -> None:
    info = ObjectInfo("ecommerce/orders/2025-04-01/Orders 1.CSV", 10, DELIVERED, "e1")
    f = parse_landing_key(info)
    assert (f.domain, f.source, f.folder_date, f.name, f.ext) == (
        "ecommerce",
        "orders",
        "2025-04-01",
        "Orders 1.CSV",
        ".csv",
    )
    assert (f.key, f.size, f.modified, f.etag) == (info.key, 10, DELIVERED, "e1")
    for ext in (".json", ".jsonl", ".xlsx"):
        assert parse_landing_key(ObjectInfo(f"d/s/2024-02-29/x{ext}", 1, DELIVERED, "e")).ext == ext


@pytest.mark.parametrize(
    "key, reason",
    [
        ("ecommerce/orders/2025-13-01/a.csv", "not a calendar date"),
        ("ecommerce/orders/2025-02-29/a.csv", "not a calendar date"),
        ("ecommerce/orders/20250401/a.csv", "not a calendar date"),
        ("ecommerce/orders/2025-04-01/deep/a.csv", "4 segments"),
        ("ecommerce/orders/a.csv", "4 segments"),
        ("ecommerce/orders/2025-04-01/.a.csv", "hidden file"),
        ("ecommerce/orders/2025-04-01/~$a.xlsx", "lock file"),
        ("ecommerce/orders/2025-04-01/a.exe", "does not end with"),
        ("ecommerce/orders/2025-04-01/csv", "does not end with"),
        ("ecommerce/orders/2025-04-01/../a.csv", "invalid key"),
        ("ecommerce/../2025-04-01/a.csv", "invalid key"),
        ("Ecommerce/orders/2025-04-01/a.csv", "domain"),
    ],
)
def test_parse_bad_keys(key: str, reason: str) -> None:
    with pytest.raises(LayoutError, match=reason):
        parse_landing_key(ObjectInfo(key, 1, DELIVERED, "e"))


# --- CSV --------------------------------------------------------------------------------------------------


def test_csv_bom_crlf_quotes_aliases_and_lineage(store: CountingStore) -> None:
    data = (
        "\ufeffOrder_ID , Customer,AMOUNT,Note,Extra\r\n"
        '1,u1,229.5,"hello, world",x\r\n'
        '2,u2,,"multi\r\nline",y\r\n'
        "\r\n"
        "3,  u3 ,0.10,plain,z\r\n"
    ).encode("utf-8")
    key = "shop/orders/2025-04-01/orders.csv"
    parsed = read(store, key, data)
    assert parsed.rejects == []
    assert parsed.extra_columns == ["Extra"]
    assert parsed.table.column_names == [
        "order_id",
        "user_id",
        "amount",
        "note",
        "_rescued_data",
        "_source_file",
        "_row",
        "_ingested_at",
        "dt",
    ]
    assert rows(parsed, "order_id", "user_id", "amount", "note", "_row") == [
        ("1", "u1", "229.5", "hello, world", 2),
        ("2", "u2", "", "multi\r\nline", 3),
        ("3", "  u3 ", "0.10", "plain", 6),
    ]
    # The undeclared column is kept, per row, under its delivered header.
    assert [json.loads(v) for v in parsed.table["_rescued_data"].to_pylist()] == [
        {"Extra": "x"},
        {"Extra": "y"},
        {"Extra": "z"},
    ]
    assert set(parsed.table["_source_file"].to_pylist()) == {key}
    assert set(parsed.table["dt"].to_pylist()) == {"2025-04-01"}
    assert set(parsed.table["_ingested_at"].to_pylist()) == {DELIVERED}
    assert str(parsed.table.schema.field("_ingested_at").type) == "timestamp[us, tz=UTC]"


def test_csv_optional_columns_take_defaults(store: CountingStore) -> None:
    parsed = read(store, "shop/orders/2025-04-01/a.csv", "customer,order_id\nu1,1\n")
    assert rows(parsed, "order_id", "user_id", "amount", "note") == [("1", "u1", None, "n/a")]


def test_csv_row_with_wrong_field_count_is_rejected_others_load(store: CountingStore) -> None:
    parsed = read(store, "shop/orders/2025-04-02/a.csv", "order_id,user_id\n1,a\n2,b,extra\n3,c\n")
    assert rows(parsed, "order_id", "_row") == [("1", 2), ("3", 4)]
    [reject] = parsed.rejects
    assert (reject.file, reject.row, reject.raw, reject.dt) == (
        "shop/orders/2025-04-02/a.csv",
        3,
        "2,b,extra",
        "2025-04-02",
    )
    assert reject.reason == "row has 3 fields, header has 2"


def test_csv_stray_quote_rejects_that_row_only(store: CountingStore) -> None:
    parsed = read(store, "shop/orders/2025-04-02/a.csv", 'order_id,user_id\n1,a\n2,"b"x\n3,c\n4,"d\n')
    assert rows(parsed, "order_id") == [("1",), ("3",)]
    assert [(r.row, r.reason.split(":")[0]) for r in parsed.rejects] == [
        (3, "unparseable CSV row"),
        (5, "unparseable CSV row"),
    ]


@pytest.mark.parametrize("data", [b"", b"  \r\n\n\t", b"\xef\xbb\xbf\n"])
@pytest.mark.parametrize("ext", [".csv", ".jsonl"])
def test_empty_file_is_rejected(store: CountingStore, data: bytes, ext: str) -> None:
    parsed = read(store, f"shop/orders/2025-04-03/a{ext}", data)
    assert parsed.table.num_rows == 0
    assert [(r.row, r.reason, r.dt) for r in parsed.rejects] == [(None, "empty file", "2025-04-03")]


def test_header_only_file_has_no_rows_and_no_rejects(store: CountingStore) -> None:
    parsed = read(store, "shop/orders/2025-04-03/a.csv", "order_id,user_id,amount\r\n")
    assert parsed.table.num_rows == 0 and parsed.rejects == []
    assert parsed.table.column_names[:4] == list(SHOP.columns)


@pytest.mark.parametrize("ext", [".csv", ".json"])
def test_binary_garbage_is_unparseable(store: CountingStore, ext: str) -> None:
    garbage = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00"
    parsed = read(store, f"shop/orders/2025-04-03/a{ext}", garbage)
    [reject] = parsed.rejects
    assert reject.row is None and reject.reason.startswith("unparseable: not valid UTF-8")
    assert parsed.table.num_rows == 0


def test_missing_required_column_rejects_the_whole_file(store: CountingStore) -> None:
    parsed = read(store, "shop/orders/2025-04-03/a.csv", "order_id,amount\n1,2\n3,4\n")
    assert parsed.table.num_rows == 0
    [reject] = parsed.rejects
    assert (reject.row, reject.reason, reject.raw) == (
        None,
        "missing required columns: user_id",
        "order_id,amount",
    )
    both = read(store, "shop/orders/2025-04-03/b.csv", "amount\n1\n")
    assert both.rejects[0].reason == "missing required columns: order_id, user_id"


def test_duplicate_column_rejects_the_whole_file(store: CountingStore) -> None:
    parsed = read(store, "shop/orders/2025-04-03/a.csv", "order_id,user_id,Customer\n1,a,b\n")
    assert parsed.table.num_rows == 0
    assert parsed.rejects[0].reason.startswith("duplicate column: user_id")


# --- JSON lines -------------------------------------------------------------------------------------------


def test_jsonl_with_bad_lines(store: CountingStore) -> None:
    lines = [
        '{"order_id": 1, "Customer": "u1", "amount": 229.50, "note": null, "tags": ["a"]}',
        '{"order_id": 2, ',
        "[1, 2]",
        "",
        '{"order_id": "3", "user_id": "u3", "amount": 1e3, "note": {"k": true}, "flag": false}',
        '{"user_id": "u4"}',
        '{"order_id": 5, "user_id": true}',
    ]
    parsed = read(store, "shop/orders/2025-04-04/a.jsonl", "\r\n".join(lines) + "\r\n")
    assert rows(parsed, "order_id", "user_id", "amount", "note", "_row") == [
        ("1", "u1", "229.50", None, 1),
        ("3", "u3", "1e3", '{"k": true}', 5),
        ("5", "true", None, "n/a", 7),
    ]
    assert [(r.row, r.reason.split(":")[0], r.raw) for r in parsed.rejects] == [
        (2, "invalid JSON", '{"order_id": 2, '),
        (3, "not a JSON object", "[1, 2]"),
        (6, "missing required columns", '{"user_id": "u4"}'),
    ]
    assert parsed.extra_columns == ["tags", "flag"]
    assert set(parsed.table["dt"].to_pylist()) == {"2025-04-04"}


def test_csv_and_json_outside_dts_are_not_read(store: CountingStore) -> None:
    f = land(store, "shop/orders/2025-04-04/a.jsonl", '{"order_id": 1, "user_id": 2}\n')
    reads = store.reads
    assert read_landing_file(store, f, SHOP, dts={"2025-04-05"}).table.num_rows == 0
    assert store.reads == reads
    assert read_landing_file(store, f, SHOP, dts={"2025-04-04"}).table.num_rows == 1


def test_long_raw_text_is_truncated(store: CountingStore) -> None:
    parsed = read(store, "shop/orders/2025-04-04/a.jsonl", '{"order_id": "' + "x" * 5000 + "\n")
    assert len(parsed.rejects[0].raw) == 2000


# --- xlsx -------------------------------------------------------------------------------------------------


def test_cell_text() -> None:
    assert [cell_text(v) for v in (None, "a ", 7, 300.0, 229.5, 20.03, True, False)] == [
        None,
        "a ",
        "7",
        "300",
        "229.5",
        "20.03",
        "true",
        "false",
    ]
    assert cell_text(datetime(2025, 4, 1, 11, 27)) == "2025-04-01T11:27:00"
    assert cell_text(datetime(2025, 4, 1, 11, 27, 0, 500)) == "2025-04-01T11:27:00.000500"
    assert cell_text(date(2025, 4, 1)) == "2025-04-01"


def test_workbook_with_date_sheets_feeds_each_sheet_date(store: CountingStore) -> None:
    header = ["order_id", "CUSTOMER", "amount", "note"]
    data = workbook(
        {
            "Notes": [["this sheet is not data"]],
            "2025-04-02": [header, [10, "u10", 300.0, datetime(2025, 4, 2, 8, 5)], [11, "u11", 20.03, True]],
            "2025-04-01": [
                header,
                [1, "u1", 229.5, "x"],
                [None, None, None, None],
                [2, "u2", 7, None],
                header,
            ],
        }
    )
    f = land(store, "shop/orders/2025-04-15/orders.xlsx", data)
    assert partitions_of(store, f) == ["2025-04-01", "2025-04-02"]
    reads = store.reads
    assert partitions_of(store, f) == ["2025-04-01", "2025-04-02"]
    assert store.reads == reads  # memoised by (root, key, etag)

    parsed = read_landing_file(store, f, SHOP)
    assert parsed.rejects == []
    assert rows(parsed, "order_id", "user_id", "amount", "note", "dt", "_row") == [
        ("1", "u1", "229.5", "x", "2025-04-01", 2),
        ("2", "u2", "7", None, "2025-04-01", 4),
        ("order_id", "CUSTOMER", "amount", "note", "2025-04-01", 5),  # a repeated header is just a row
        ("10", "u10", "300", "2025-04-02T08:05:00", "2025-04-02", 2),
        ("11", "u11", "20.03", "true", "2025-04-02", 3),
    ]
    assert parsed.table["_source_file"].to_pylist()[0] == "shop/orders/2025-04-15/orders.xlsx#2025-04-01"
    assert parsed.table["_source_file"].to_pylist()[-1] == "shop/orders/2025-04-15/orders.xlsx#2025-04-02"

    only = read_landing_file(store, f, SHOP, dts={"2025-04-02"})
    assert set(only.table["dt"].to_pylist()) == {"2025-04-02"} and only.table.num_rows == 2


def test_workbook_changed_in_place_is_reread(store: CountingStore) -> None:
    key = "shop/orders/2025-04-15/orders.xlsx"
    header = [["order_id", "user_id"]]
    first = land(store, key, workbook({"2025-04-01": header}))
    assert partitions_of(store, first) == ["2025-04-01"]
    store.write_bytes(key, workbook({"2025-04-01": header, "2025-04-03": header}))
    second = parse_landing_key(store.info(key))
    assert second.etag != first.etag
    assert partitions_of(store, second) == ["2025-04-01", "2025-04-03"]


def test_workbook_without_date_sheets_feeds_the_folder_date(store: CountingStore) -> None:
    data = workbook(
        {
            "Sheet1": [[None], ["order_id", "user_id"], [1, "a"]],
            "Sheet2": [["user_id", "order_id", "extra"], ["b", 2, 1.5], ["c", 3, None, "beyond"]],
            "Empty": [],
        }
    )
    f = land(store, "shop/orders/2025-04-09/x.xlsx", data)
    assert partitions_of(store, f) == ["2025-04-09"]
    parsed = read_landing_file(store, f, SHOP)
    assert rows(parsed, "order_id", "user_id", "_source_file", "_row", "dt") == [
        ("1", "a", "shop/orders/2025-04-09/x.xlsx#Sheet1", 3, "2025-04-09"),
        ("2", "b", "shop/orders/2025-04-09/x.xlsx#Sheet2", 2, "2025-04-09"),
    ]
    assert parsed.extra_columns == ["extra"]
    assert [(r.file, r.row, r.reason) for r in parsed.rejects] == [
        ("shop/orders/2025-04-09/x.xlsx#Sheet2", 3, "row has values beyond the header's 3 columns"),
        ("shop/orders/2025-04-09/x.xlsx#Empty", None, "empty sheet"),
    ]


def test_sheet_missing_required_column_is_rejected(store: CountingStore) -> None:
    data = workbook({"2025-04-01": [["order_id"], [1]], "2025-04-02": [["order_id", "user_id"], [2, "b"]]})
    parsed = read(store, "shop/orders/2025-04-15/x.xlsx", data)
    assert rows(parsed, "order_id", "dt") == [("2", "2025-04-02")]
    [reject] = parsed.rejects
    assert (reject.file, reject.row, reject.reason, reject.dt) == (
        "shop/orders/2025-04-15/x.xlsx#2025-04-01",
        None,
        "missing required columns: user_id",
        "2025-04-01",
    )


@pytest.mark.parametrize("data", [b"PK\x03\x04 this is not a zip at all", b"plain text"])
def test_corrupt_workbook_is_rejected(store: CountingStore, data: bytes) -> None:
    f = land(store, "shop/orders/2025-04-10/bad.xlsx", data)
    assert partitions_of(store, f) == ["2025-04-10"]
    parsed = read_landing_file(store, f, SHOP)
    assert parsed.table.num_rows == 0
    [reject] = parsed.rejects
    assert (reject.file, reject.row, reject.dt) == ("shop/orders/2025-04-10/bad.xlsx", None, "2025-04-10")
    assert reject.reason.startswith("unparseable: not a readable .xlsx workbook")
    empty = read(store, "shop/orders/2025-04-10/empty.xlsx", b"")
    assert [r.reason for r in empty.rejects] == ["empty file"]


def test_workbook_read_from_s3(s3_endpoint: str, s3_bucket: str) -> None:
    store = S3ObjectStore(f"s3://{s3_bucket}/landing", endpoint_url=s3_endpoint)
    header = ["order_id", "user_id"]
    data = workbook({"2025-04-01": [header, [1, "a"]], "2025-04-03": [header, [3, "c"]]})
    store.write_bytes("shop/orders/2025-04-15/x.xlsx", data)
    f = parse_landing_key(store.info("shop/orders/2025-04-15/x.xlsx"))
    assert partitions_of(store, f) == ["2025-04-01", "2025-04-03"]
    parsed = read_landing_file(store, f, SHOP)
    assert rows(parsed, "order_id", "dt") == [("1", "2025-04-01"), ("3", "2025-04-03")]
    assert set(parsed.table["_ingested_at"].to_pylist()) == {f.modified}


def test_real_orders_workbook(tmp_path) -> None:
    if not REAL_WORKBOOK.is_file():
        pytest.skip(f"shared sample workbook not present: {REAL_WORKBOOK}")
    store = LocalObjectStore(tmp_path)
    f = land(store, "ecommerce/orders/2025-04-15/orders_apr_2025.xlsx", REAL_WORKBOOK.read_bytes())
    dates = partitions_of(store, f)
    assert dates == [f"2025-04-{d:02d}" for d in range(1, 16)]
    parsed = read_landing_file(store, f, ORDERS)
    assert parsed.rejects == [] and parsed.extra_columns == []
    table = parsed.table
    assert table.num_rows == 7500
    per_day = table.group_by("dt").aggregate([("order_id", "count")]).to_pydict()
    assert sorted(per_day["dt"]) == dates and set(per_day["order_id_count"]) == {500}
    first = table.slice(0, 1).to_pylist()[0]
    assert {k: first[k] for k in ORDERS.columns} == {
        "order_num": "90",
        "order_id": "10000",
        "user_id": "1990",
        "order_timestamp": "2025-04-01T11:27:00",
        "total_amount": "229.53",
        "date": "2025-04-01",
    }
    # The date column always equals the sheet the row came from.
    assert table["date"].to_pylist() == table["dt"].to_pylist()


# --- encodings and schema drift ---------------------------------------------------------------------------


def test_a_latin1_file_loads_when_its_source_declares_the_encoding(store: CountingStore) -> None:
    data = "order_id,user_id,note\n1,u1,Crème brûlée\n".encode("latin-1")
    [reject] = read(store, "shop/orders/2025-04-01/a.csv", data).rejects
    # Undeclared: the whole file is recorded, and the reason says how to declare the encoding.
    assert reject.row is None and "not valid UTF-8" in reject.reason and 'encoding="latin-1"' in reject.reason
    latin = Source(**{**SHOP.__dict__, "encoding": "latin-1"})
    parsed = read(store, "shop/orders/2025-04-01/b.csv", data, latin)
    assert parsed.rejects == []
    assert rows(parsed, "order_id", "note") == [("1", "Crème brûlée")]


def test_an_unknown_encoding_is_refused_when_the_source_is_declared() -> None:
    with pytest.raises(ValueError, match="unknown encoding 'latin-99'"):
        Source(domain="shop", name="orders", columns=("order_id",), encoding="latin-99")


def test_columns_beyond_the_source_are_rescued_from_json_and_workbooks(store: CountingStore) -> None:
    lines = '{"order_id": "1", "user_id": "u1", "coupon": "SAVE10", "tags": [1, 2]}\n{"order_id": "2", "user_id": "u2"}\n'
    parsed = read(store, "shop/orders/2025-04-01/a.jsonl", lines)
    assert parsed.extra_columns == ["coupon", "tags"]
    assert parsed.table["_rescued_data"].to_pylist() == ['{"coupon": "SAVE10", "tags": "[1, 2]"}', None]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2025-04-02"
    sheet.append(["order_id", "user_id", "coupon", None])
    sheet.append([3, "u3", "FREESHIP", None])
    sheet.append([4, "u4", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = read(store, "shop/orders/2025-04-02/b.xlsx", buffer.getvalue())
    assert parsed.rejects == []
    # A named extra column is kept on every row (even empty); an unnamed empty one is not drift.
    assert [json.loads(v) for v in parsed.table["_rescued_data"].to_pylist()] == [
        {"coupon": "FREESHIP"},
        {"coupon": None},
    ]


def test_undeclared_columns_with_one_name_or_none_are_all_kept(store: CountingStore) -> None:
    data = "order_id,user_id,note,note,\n1,u1,a,b,loose\n2,u2,c,d,\n"
    parsed = read(
        store,
        "shop/orders/2025-04-01/dupes.csv",
        data,
        Source(domain="shop", name="orders", columns=("order_id", "user_id")),
    )
    assert [json.loads(v) for v in parsed.table["_rescued_data"].to_pylist()] == [
        {"note": "a", "note_c3": "b", "_c4": "loose"},
        {"note": "c", "note_c3": "d"},
    ]
    assert parsed.extra_columns == ["note", "_c4"]  # the unnamed column holds a value: it is drift too


# --- the Arrow fast path of CSV files ------------------------------------------------------------------------
# `core/landing._read_csv_arrow` must read exactly what the row parser reads: the same strings, row numbers,
# lineage and rejects, on well-formed files (where it is taken) and on the others (where it steps aside).

HEADER = "order_id,customer,amount,note\n"

# Files the fast path reads: quotes around whole fields (commas and doubled quotes inside), CRLF, a BOM,
# no final newline, a header in another order or without an optional column, empty values.
WELL_FORMED = {
    "plain": HEADER + "1,u1,2.50,hello\n2,u2,3,world\n",
    "quoted": HEADER + '1,u1,2.50,"hello, world"\n2,"u2",,""\n3,u3,1,"x"""\n',
    "doubled quotes inside a quoted field": HEADER + '1,u1,2,"say ""hi"", now"\n',
    "quote inside an unquoted field": HEADER + '1,u1,2,5" pizza\n',
    "space before a quote": HEADER + '1,u1,2, "a"\n',
    "crlf": HEADER.replace("\n", "\r\n") + '1,u1,2.50,"a, b"\r\n2,u2,3,c\r\n',
    "no final newline": HEADER + "1,u1,2.50,x\n2,u2,3,y",
    "header only": HEADER,
    "optional column missing": "customer,order_id\nu1,1\nu2,2\n",
    "spaces kept": HEADER + " 1 , u1 ,  2.5 , x \n",
    "unicode": HEADER + "1,ü1,2,“curly” — ok\n",
}

# Files the row parser judges (the fast path declines them): malformed ones, so that rejects and row
# numbers stay exactly as before (a truncated upload that ends inside quotes is rejected, not loaded).
ROW_BY_ROW = {
    "text after a closing quote that follows a quoted comma": HEADER + '1,u1,2,"a,"b\n2,u2,3,c\n',
    "a quoted comma then a stray quote": HEADER + '1,u1,2,"p,"q"\n',
    "a quote left open on the last line": HEADER + '1,u1,2,"hello, world"\n2,u2,3,"trunc',
    "a quote left open before the final newline": HEADER + '1,u1,2,"abc\n',
    "a quote left open before a final CRLF": HEADER.replace("\n", "\r\n") + '1,u1,2,"abc\r\n',
    "a lone quote at the end": HEADER + '1,u1,2,"',
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
    "field beyond the csv limit": HEADER + "1,u1,2," + "x" * 140_000 + "\n",
}


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
    by_name = {s.name: s for s in RESTAURANT_SOURCES}
    taken = 0
    for info in store.list("restaurants/"):
        f = parse_landing_key(info)
        if f.ext != ".csv":
            continue
        fast, read, by_rows = both(store, f, by_name[f.source])
        taken += fast
        same(read, by_rows)
    assert taken >= 8, "the well-formed generated files should take the fast path"
