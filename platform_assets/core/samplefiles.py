"""Deterministic writers of sample landing files (shared by every domain's generator).

Each writer puts one file at `<out>/<key>` (a landing key such as `ecommerce/orders/2025-01-03/orders.csv`),
creating parent folders, and sets the file's modification time to `modified` so that the 'delivery time'
a landing sensor sees is reproducible. Same arguments -> same bytes and the same mtime, including `.xlsx`
workbooks (openpyxl otherwise stamps the current time into the document properties and the zip entries).

No Dagster or Spark import here.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping, Sequence, TypedDict

__all__ = ["write_csv", "write_xlsx", "write_jsonl", "write_bytes", "landing_path"]

Header = Sequence[str]
Rows = Iterable[Sequence[Any]]


class Generated(TypedDict):
    """What every generator's summary starts with: the range and the randomness it was made from."""

    domain: str
    start: str
    end: str
    days: int
    seed: int
    scale: float
    files_written: int


class GeneratedFiles(Generated):
    files: list[str]  # landing keys, sorted


def check_range(days: int, scale: float) -> None:
    """What every generator accepts: at least one day, a positive scale."""
    if days < 1:
        raise ValueError("days must be >= 1")
    if not scale > 0:
        raise ValueError("scale must be > 0")


def _utc(modified: datetime) -> datetime:
    """`modified` as an aware UTC datetime (a naive value is taken to be UTC already)."""
    if not isinstance(modified, datetime):
        raise TypeError(f"modified must be a datetime, got {type(modified).__name__}")
    if modified.tzinfo is None:
        return modified.replace(tzinfo=timezone.utc)
    return modified.astimezone(timezone.utc)


def landing_path(out: Path, key: str) -> Path:
    """The local path of landing key `key` under `out` (a relative, '/'-separated key; no '..')."""
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid landing key: {key!r}")
    return Path(out).joinpath(*parts)


def _write(out: Path, key: str, data: bytes, modified: datetime) -> Path:
    path = landing_path(out, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    ts = _utc(modified).timestamp()
    os.utime(path, (ts, ts))
    return path


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def write_csv(
    out: Path,
    key: str,
    header: Header,
    rows: Rows,
    *,
    modified: datetime,
    bom: bool = False,
    crlf: bool = False,
) -> Path:
    """Write a CSV file (csv module, minimal quoting, UTF-8) and set its mtime to `modified`.

    `None` is written as an empty field; other values with `str()` (dates ISO). Rows are written as given,
    so a row of the wrong length produces a malformed line on purpose. `bom` prefixes a UTF-8 BOM, `crlf`
    ends lines with CRLF instead of LF.
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_cell_text(h) for h in header])
    for row in rows:
        writer.writerow([_cell_text(v) for v in row])
    data = buf.getvalue().encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    return _write(out, key, data, modified)


def _zip_time(modified: datetime) -> tuple[int, int, int, int, int, int]:
    m = _utc(modified)
    if m.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (m.year, m.month, m.day, m.hour, m.minute, m.second)


def _repack_zip(data: bytes, modified: datetime, replace: Mapping[str, bytes]) -> bytes:
    """Re-pack a zip with fixed entry timestamps/attributes and a stable entry order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    # [Content_Types].xml first (as Office writes it), then the rest sorted by name.
    ordered = sorted(names, key=lambda n: (n != "[Content_Types].xml", n))
    date_time = _zip_time(modified)
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in ordered:
            content = replace.get(name)
            if content is None:
                content = src.read(name)
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return target.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_xlsx(
    out: Path,
    key: str,
    sheets: Mapping[str, tuple[Header, Rows]],
    *,
    modified: datetime,
) -> Path:
    """Write an `.xlsx` workbook with one worksheet per entry of `sheets` (name -> (header, rows)), in the
    mapping's order, byte-for-byte deterministic, and set its mtime to `modified`.

    Values keep their Python type (int/float become numeric cells, str text cells, None an empty cell),
    so ISO timestamps given as strings are stored as text like the real lab workbooks. The document
    properties (created/modified) are `modified` and the zip entries carry fixed timestamps.
    """
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    if not sheets:
        raise ValueError("write_xlsx needs at least one sheet")
    stamp = _utc(modified).replace(tzinfo=None, microsecond=0)
    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(title=str(name))
        ws.append([str(h) for h in header])
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
    props = wb.properties
    props.creator = "omnilake"
    props.lastModifiedBy = None
    props.created = stamp
    props.modified = stamp
    raw = io.BytesIO()
    wb.save(raw)  # stamps the current time into docProps/core.xml: replaced below
    props.created = stamp
    props.modified = stamp
    core = tostring(props.to_tree())
    data = _repack_zip(raw.getvalue(), modified, {"docProps/core.xml": core})
    return _write(out, key, data, modified)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_jsonl(out: Path, key: str, records: Iterable[Mapping[str, Any]], *, modified: datetime) -> Path:
    """Write one JSON object a line (UTF-8, LF, keys in the record's own order) and set the mtime."""
    lines = [
        json.dumps(dict(r), ensure_ascii=False, separators=(",", ":"), default=_json_default) + "\n"
        for r in records
    ]
    return _write(out, key, "".join(lines).encode("utf-8"), modified)


def write_bytes(out: Path, key: str, data: bytes, *, modified: datetime) -> Path:
    """Write raw bytes (an empty or garbage file on purpose) and set the mtime."""
    return _write(out, key, bytes(data), modified)
