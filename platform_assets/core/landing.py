"""Landing files: where they lie, which daily partitions they feed, and their rows as delivered.

Layout (spec: platform.md, Landing zone): `<landing>/<domain>/<source>/<YYYY-MM-DD>/<file>` with `.csv`,
`.json`/`.jsonl` (one JSON object a line) or `.xlsx` files. Reading never raises for bad content: a file,
sheet or row that cannot be used becomes a `Reject` that names the rule it broke. pyarrow and openpyxl are
imported inside the functions that need them, so sensors that only list files stay light.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING, Any, Collection, Iterable, Iterator, Sequence

from platform_assets.core.sources import Source
from platform_assets.core.storage import InvalidKey, ObjectInfo, ObjectStore, validate_key

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "LandingFile",
    "LayoutError",
    "ParsedFile",
    "Reject",
    "cell_text",
    "is_iso_date",
    "RESCUED_COLUMN",
    "parse_landing_key",
    "partitions_of",
    "read_landing_file",
]

ACCEPTED_EXTENSIONS = (".csv", ".json", ".jsonl", ".xlsx")
RAW_MAX_CHARS = 2000
# Values of columns a delivery has beyond the source's declared ones: a JSON object per row (header ->
# value as delivered), null when the row has none. Schema drift is kept, never dropped (Auto Loader's idea).
RESCUED_COLUMN = "_rescued_data"

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME_RE = re.compile(r"[a-z0-9_][a-z0-9_-]*")


class LayoutError(ValueError):
    """A landing key that does not follow `<domain>/<source>/<YYYY-MM-DD>/<file>`."""


@dataclass(frozen=True)
class LandingFile:
    """A delivered file and where it lies in the landing zone; `ext` is lower-case, like '.csv'."""

    key: str
    domain: str
    source: str
    folder_date: str
    name: str
    ext: str
    size: int
    modified: datetime
    etag: str


@dataclass(frozen=True)
class Reject:
    """A file, sheet or row that was not loaded, and why.

    `row` is the physical row in the file or sheet (header = 1, first data row = 2), None for the whole
    file; `dt` is the partition the file or sheet feeds.
    """

    file: str
    row: int | None
    reason: str
    raw: str | None
    dt: str


@dataclass
class ParsedFile:
    """Rows of a landing file as strings, plus `_rescued_data` and lineage columns, the rejects and the
    headers beyond the source's columns (their values are in `_rescued_data`)."""

    table: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)


def is_iso_date(text: str) -> bool:
    """Whether `text` is a real calendar date written YYYY-MM-DD."""
    if not _DATE_RE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_landing_key(info: ObjectInfo) -> LandingFile:
    """The LandingFile an object is, or LayoutError naming the rule its key breaks."""
    key = info.key
    try:
        validate_key(key)
    except InvalidKey as exc:
        raise LayoutError(f"invalid key: {exc}") from None
    parts = key.split("/")
    if len(parts) != 4:
        raise LayoutError(
            f"expected <domain>/<source>/<YYYY-MM-DD>/<file> (4 segments), got {len(parts)}: {key!r}"
        )
    domain, source, folder, name = parts
    for what, value in (("domain", domain), ("source", source)):
        if not _NAME_RE.fullmatch(value):
            raise LayoutError(f"{what} {value!r} is not a lower-case name ([a-z0-9_-]): {key!r}")
    if not is_iso_date(folder):
        raise LayoutError(f"folder {folder!r} is not a calendar date YYYY-MM-DD: {key!r}")
    if name.startswith("."):
        raise LayoutError(f"hidden file {name!r}: {key!r}")
    if name.startswith("~$"):  # Office lock file of a workbook being edited
        raise LayoutError(f"temporary Office lock file {name!r}: {key!r}")
    stem, dot, suffix = name.rpartition(".")
    ext = f".{suffix.lower()}"
    if not dot or not stem or ext not in ACCEPTED_EXTENSIONS:
        raise LayoutError(f"file {name!r} does not end with one of {', '.join(ACCEPTED_EXTENSIONS)}: {key!r}")
    return LandingFile(
        key=key,
        domain=domain,
        source=source,
        folder_date=folder,
        name=name,
        ext=ext,
        size=info.size,
        modified=info.modified,
        etag=info.etag,
    )


# (store root, key, etag) -> partitions of a workbook; the etag changes whenever the file does.
_WORKBOOK_PARTITIONS: dict[tuple[str, str, str], list[str]] = {}
_MEMO_MAX = 4096


def _sheet_dates(sheet_names: Iterable[str]) -> list[str]:
    return sorted(name for name in sheet_names if is_iso_date(name))


def partitions_of(store: ObjectStore, f: LandingFile) -> list[str]:
    """The daily partitions `f` feeds: its folder date, or the ISO-date sheet names of a workbook."""
    if f.ext != ".xlsx":
        return [f.folder_date]
    memo_key = (store.root, f.key, f.etag)
    if memo_key not in _WORKBOOK_PARTITIONS:
        data = store.read_bytes(f.key)
        try:
            workbook = _open_workbook(data)
            names = list(workbook.sheetnames)
            workbook.close()
        except Exception:  # any corrupt workbook: reading it later rejects it with the reason
            names = []
        if len(_WORKBOOK_PARTITIONS) >= _MEMO_MAX:
            _WORKBOOK_PARTITIONS.clear()
        _WORKBOOK_PARTITIONS[memo_key] = _sheet_dates(names) or [f.folder_date]
    return list(_WORKBOOK_PARTITIONS[memo_key])


def _open_workbook(data: bytes) -> Any:
    import openpyxl

    # read_only streams the sheets; data_only gives cached formula results instead of formulas.
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def read_landing_file(
    store: ObjectStore, f: LandingFile, source: Source, dts: Collection[str] | None = None
) -> ParsedFile:
    """Rows of `f` as strings in `source.columns` order, with `_source_file`, `_row`, `_ingested_at`, `dt`.

    Only rows of the partitions in `dts` are returned when it is given. Bad content never raises: it
    becomes rejects (the whole file, a sheet, or a row).
    """
    out = _Collector(source, f)
    if f.ext == ".xlsx":
        _read_xlsx(store, f, out, dts)
    elif dts is None or f.folder_date in dts:
        text = _decode(store.read_bytes(f.key), f, out)
        if text is not None:
            if f.ext == ".csv":
                _read_csv(text, f, out)
            else:
                _read_jsonl(text, f, out)
    return out.result()


class _Collector:
    """Accumulates rows (column lists), rejects and ignored headers of one landing file."""

    def __init__(self, source: Source, f: LandingFile) -> None:
        self.source = source
        self.f = f
        self.values: dict[str, list[str | None]] = {c: [] for c in source.columns}
        self.files: list[str] = []
        self.rows: list[int] = []
        self.dts: list[str] = []
        self.rejects: list[Reject] = []
        self.extra: list[str] = []
        self.rescued: list[str | None] = []
        # Columns of a file read whole by Arrow (`_read_csv_arrow`), with its first row number.
        self.bulk: tuple[dict[str, "pa.Array"], int] | None = None

    def reject(self, file: str, row: int | None, reason: str, raw: str | None, dt: str) -> None:
        if raw is not None and len(raw) > RAW_MAX_CHARS:
            raw = raw[:RAW_MAX_CHARS]
        self.rejects.append(Reject(file=file, row=row, reason=reason, raw=raw, dt=dt))

    def add_extra(self, header: str) -> None:
        if header.strip() and header not in self.extra:
            self.extra.append(header)

    def missing_required(self, present: Collection[str]) -> str | None:
        missing = [c for c in self.source.required_columns if c not in present]
        return f"missing required columns: {', '.join(missing)}" if missing else None

    def add(
        self,
        record: dict[str, str | None],
        file: str,
        row: int,
        dt: str,
        rescued: dict[str, Any] | None = None,
    ) -> None:
        for col in self.source.columns:
            self.values[col].append(record[col] if col in record else self.source.defaults.get(col))
        self.rescued.append(json.dumps(rescued, ensure_ascii=False) if rescued else None)
        self.files.append(file)
        self.rows.append(row)
        self.dts.append(dt)

    def result(self) -> ParsedFile:
        import pyarrow as pa

        if self.bulk is not None:
            return self._bulk_result()
        n = len(self.rows)
        arrays = [pa.array(self.values[c], type=pa.string()) for c in self.source.columns]
        arrays += [
            pa.array(self.rescued, type=pa.string()),
            pa.array(self.files, type=pa.string()),
            pa.array(self.rows, type=pa.int64()),
            # Delivery time, not wall-clock time: re-reading the same file gives identical rows.
            pa.array([_utc(self.f.modified)] * n, type=pa.timestamp("us", tz="UTC")),
            pa.array(self.dts, type=pa.string()),
        ]
        names = [*self.source.columns, RESCUED_COLUMN, "_source_file", "_row", "_ingested_at", "dt"]
        return ParsedFile(
            table=pa.Table.from_arrays(arrays, names=names),
            rejects=self.rejects,
            extra_columns=self.extra,
        )

    def _bulk_result(self) -> ParsedFile:
        """The same table as `result` for a file read whole: one partition, no rescued values."""
        import numpy as np
        import pyarrow as pa

        columns, first_row = self.bulk
        n = len(next(iter(columns.values())))

        def same(value: Any, type_: "pa.DataType") -> "pa.Array":
            return pa.repeat(pa.scalar(value, type=type_), n)

        arrays = [
            columns[c] if c in columns else same(self.source.defaults.get(c), pa.string())
            for c in self.source.columns
        ]
        arrays += [
            pa.nulls(n, type=pa.string()),
            same(self.f.key, pa.string()),
            pa.array(np.arange(first_row, first_row + n, dtype=np.int64)),
            same(_utc(self.f.modified), pa.timestamp("us", tz="UTC")),
            same(self.f.folder_date, pa.string()),
        ]
        names = [*self.source.columns, RESCUED_COLUMN, "_source_file", "_row", "_ingested_at", "dt"]
        return ParsedFile(table=pa.Table.from_arrays(arrays, names=names), extra_columns=self.extra)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _decode(data: bytes, f: LandingFile, out: _Collector) -> str | None:
    """The text of a CSV/JSON file in its source's encoding (UTF-8 by default, BOM optional), or None after
    rejecting the whole file."""
    encoding = out.source.encoding
    try:
        text = data.decode("utf-8-sig" if out.source.is_utf8 else encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        hint = (
            f"; if {out.source.domain}/{out.source.name} is delivered in another encoding, declare it on the "
            f'source: Source(..., encoding="latin-1")'
            if out.source.is_utf8
            else ""
        )
        out.reject(
            f.key,
            None,
            f"unparseable: not valid {'UTF-8' if out.source.is_utf8 else encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start}){hint}",
            None,
            f.folder_date,
        )
        return None
    if not text.strip():
        out.reject(f.key, None, "empty file", None, f.folder_date)
        return None
    if "\x00" in text:
        out.reject(f.key, None, "unparseable: contains NUL bytes (binary file?)", None, f.folder_date)
        return None
    return text


class _LineTap:
    """Feeds lines to csv.reader and keeps those consumed since the last take(), for raw texts."""

    def __init__(self, text: str) -> None:
        # newline='' keeps '\r\n' inside quoted fields as delivered.
        self._lines = io.StringIO(text, newline="")
        self._taken: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self._taken.append(line)
            yield line

    def take(self) -> str:
        raw = "".join(self._taken)
        self._taken.clear()
        return raw.rstrip("\r\n")


def _header_columns(headers: list[str], out: _Collector) -> tuple[dict[int, str], dict[int, str], str | None]:
    """Position -> canonical column of a header row, position -> header of the columns beyond the source's
    (rescued), and a whole-file reject reason if any."""
    positions: dict[int, str] = {}
    extras: dict[int, str] = {}
    for i, header in enumerate(headers):
        col = out.source.canonical(header)
        if col is None:
            out.add_extra(header)
            name = header.strip() or f"_c{i}"
            # Two undeclared columns under one name: both kept, the second under its position.
            extras[i] = f"{name}_c{i}" if name in extras.values() else name
        elif col in positions.values():
            return positions, extras, f"duplicate column: {col} (header {header!r})"
        else:
            positions[i] = col
    return positions, extras, out.missing_required(positions.values())


def _rescued(
    values: Sequence[str | None], extras: dict[int, str], out: _Collector
) -> dict[str, str | None] | None:
    """The row's values under headers beyond the source's; an unnamed column only when it holds a value
    (a trailing delimiter is not drift, a column of values without a header is)."""
    rescued = {}
    for i, name in extras.items():
        value = values[i] if i < len(values) else None
        if name == f"_c{i}":
            if not (value or "").strip():
                continue
            out.add_extra(name)
        rescued[name] = value
    return rescued or None


def _read_csv(text: str, f: LandingFile, out: _Collector) -> None:
    if not _read_csv_arrow(text, f, out):
        _read_csv_rows(text, f, out)


def _read_csv_arrow(text: str, f: LandingFile, out: _Collector) -> bool:
    """Read a well-formed file whole with Arrow's CSV reader (C++, many times the row parser's speed);
    False, having read nothing, for a file the row parser must judge row by row.

    Well-formed: every physical line one record (no blank line, no line break inside quotes, no bare CR),
    every row as wide as the header, every header one of the source's columns, no field beyond Python's csv
    size limit, and every line holding a quote read alike by both parsers (Python's strict reader parses it
    alone, to the very fields Arrow gave that row: a stray quote, text after a closing quote or a quote left
    open at the end of the file all decline). For such a file record i is physical line i + 2: the same
    rows, numbers and lineage as `_read_csv_rows` (tests/test_landing.py compares them on well-formed and
    malformed files)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    data = text.encode("utf-8")
    if data[:1] in (b"\r", b"\n"):
        return False
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return False  # a bare CR: the row parser says what it makes of it
    try:
        header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")], strict=True))
    except csv.Error:
        return False
    if len(header) < 2:
        return False  # one column: a blank row is a value to Arrow and a blank line to the row parser
    probe = _Collector(out.source, f)
    positions, extras, problem = _header_columns(header, probe)
    if problem or extras:
        return False  # the row parser names the problem, or rescues the undeclared columns
    names = [f"_c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:
        return False  # a row of another width (or anything Arrow refuses): row by row
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if table.num_rows + 1 != lines:
        return False  # a blank line or a quoted line break: the physical line numbers would shift
    if table.num_rows and _longest_field(table) > csv.field_size_limit():
        return False
    if b'"' in data and not _quoted_lines_agree(data, table):
        return False
    out.bulk = ({col: table.column(i).combine_chunks() for i, col in positions.items()}, 2)
    return True


def _quoted_lines_agree(data: bytes, table: "pa.Table") -> bool:
    """Whether every line that holds a quote is one Python's strict csv reader parses, alone, to exactly the
    fields Arrow gave its row (line n is row n - 1: the caller checked that lines and rows correspond)."""
    expected: dict[int, list[str]] = {}
    line, line_start, at = 0, 0, data.find(b'"')
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end == -1 else end
        line += data.count(b"\n", line_start, start)
        line_start = start
        text = data[start:end].decode("utf-8").removesuffix("\r")
        try:
            expected[line] = next(csv.reader([text], strict=True))
        except csv.Error:
            return False
        at = data.find(b'"', end)
    if 0 in expected:
        del expected[0]  # the header, parsed by the caller the same way
    import pyarrow as pa

    rows = table.take(pa.array([n - 1 for n in expected], pa.int64())).to_pylist() if expected else []
    return all(list(row.values()) == fields for row, fields in zip(rows, expected.values()))


def _longest_field(table: "pa.Table") -> int:
    import pyarrow.compute as pc

    return max(pc.max(pc.utf8_length(column)).as_py() or 0 for column in table.columns)


def _read_csv_rows(text: str, f: LandingFile, out: _Collector) -> None:
    tap = _LineTap(text)
    # strict: a stray or unclosed quote is an error for that row, instead of silently swallowing the
    # following lines into one field.
    reader = csv.reader(tap, strict=True)
    header: list[str] | None = None
    positions: dict[int, str] = {}
    extras: dict[int, str] = {}
    line_end = 0
    while True:
        row = line_end + 1  # physical line where the record starts
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            stuck = reader.line_num == line_end
            line_end = reader.line_num
            out.reject(f.key, row, f"unparseable CSV row: {exc}", tap.take(), f.folder_date)
            if stuck or header is None:
                return  # nothing more can be read, or no header to read rows against
            continue
        line_end = reader.line_num
        raw = tap.take()
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line
        if header is None:
            header = fields
            positions, extras, problem = _header_columns(header, out)
            if problem:
                out.reject(f.key, None, problem, raw, f.folder_date)
                return
            continue
        if len(fields) != len(header):
            reason = f"row has {len(fields)} fields, header has {len(header)}"
            out.reject(f.key, row, reason, raw, f.folder_date)
            continue
        record = {col: fields[i] for i, col in positions.items()}
        out.add(record, f.key, row, f.folder_date, _rescued(fields, extras, out))


class _JsonNumber(float):
    """A JSON number that remembers its text, so '1.50' stays '1.50'."""

    text: str

    def __new__(cls, text: str) -> _JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number


def _json_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _JsonNumber):
        return value.text
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_jsonl(text: str, f: LandingFile, out: _Collector) -> None:
    dt = f.folder_date
    for row, line in enumerate(io.StringIO(text, newline=None), start=1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_float=_JsonNumber, parse_constant=_JsonNumber)
        except ValueError as exc:
            out.reject(f.key, row, f"invalid JSON: {exc}", line, dt)
            continue
        if not isinstance(obj, dict):
            out.reject(f.key, row, f"not a JSON object: {type(obj).__name__}", line, dt)
            continue
        record: dict[str, str | None] = {}
        rescued: dict[str, str | None] = {}
        problem = None
        for name, value in obj.items():
            col = out.source.canonical(name)
            if col is None:
                out.add_extra(name)
                rescued[name] = _json_value(value)
            elif col in record:
                problem = f"duplicate column: {col} (key {name!r})"
            else:
                record[col] = _json_value(value)
        problem = problem or out.missing_required(record)
        if problem:
            out.reject(f.key, row, problem, line, dt)
        else:
            out.add(record, f.key, row, dt, rescued or None)


def cell_text(value: Any) -> str | None:
    """A workbook cell as text: numbers in their shortest form (300.0 -> '300'), dates in ISO format."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores every number as a float: integral ones were written as integers.
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()  # omits microseconds when they are zero
    return str(value)


def _read_xlsx(store: ObjectStore, f: LandingFile, out: _Collector, dts: Collection[str] | None) -> None:
    data = store.read_bytes(f.key)
    if not data.strip():
        out.reject(f.key, None, "empty file", None, f.folder_date)
        return
    try:
        workbook = _open_workbook(data)
    except Exception as exc:  # zip, XML or openpyxl errors: the file is not a workbook we can read
        reason = f"unparseable: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        out.reject(f.key, None, reason, None, f.folder_date)
        return
    try:
        dated = _sheet_dates(workbook.sheetnames)
        # Sheets named by date feed that date; other sheets then are notes, not data.
        sheets = [(s, s) for s in dated] or [(s, f.folder_date) for s in workbook.sheetnames]
        for sheet, dt in sheets:
            if dts is not None and dt not in dts:
                continue
            file = f"{f.key}#{sheet}"
            try:
                _read_sheet(workbook[sheet], file, dt, out)
            except Exception as exc:  # a corrupt sheet part: reject the sheet, keep the others
                reason = f"unparseable: sheet {sheet!r} ({type(exc).__name__}: {exc})"
                out.reject(file, None, reason, None, dt)
    finally:
        workbook.close()


def _read_sheet(sheet: Any, file: str, dt: str, out: _Collector) -> None:
    sheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
    header: list[str] | None = None
    positions: dict[int, str] = {}
    extras: dict[int, str] = {}
    for row, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = [cell_text(v) for v in cells]
        if all(v is None for v in values):
            continue  # blank row
        raw = ",".join("" if v is None else v for v in values)
        if header is None:
            header = [v or "" for v in values]
            positions, extras, problem = _header_columns(header, out)
            if problem:
                out.reject(file, None, problem, raw, dt)
                return
            continue
        beyond = [v for v in values[len(header) :] if v is not None]
        if beyond:
            reason = f"row has values beyond the header's {len(header)} columns"
            out.reject(file, row, reason, raw, dt)
            continue
        record = {col: values[i] if i < len(values) else None for i, col in positions.items()}
        out.add(record, file, row, dt, _rescued(values, extras, out))
    if header is None:
        out.reject(file, None, "empty sheet", None, dt)
