"""Card numbers are tokenised at bronze ingestion: the raw number never reaches the lake, a log or metadata.

`card_token` = HMAC-SHA256 (hex) of the delivered value, digits only when it is a plain number (so
'4111 1111-1111 1111' and '4111111111111111' agree); `card_last4` = its last four digits when the value is
a real card number (12-19 digits). Sentinels (`NONE`, `NULL`, blank) have neither. Spreadsheet-mangled
values (`6.78037E+11`) lost their digits: they are tokenised as delivered (equal mangled values stay
joinable) and have no last4. The key comes from `OMNILAKE_PII_KEY` in the process that ingests (the Spark
driver: locally the Dagster process, on AWS the job's environment); `resources/pii.py` is the Dagster face.
No Dagster or Spark import here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

from platform_assets.core.landing import RESCUED_COLUMN

SENTINELS = frozenset({"", "NONE", "NULL", "N/A", "NA", "NAN"})
_SEPARATORS = re.compile(r"[\s-]")
_DIGITS = re.compile(r"\d{12,19}")
WITHHELD = "raw text withheld: the source carries card numbers"


def normalise(value: str | None) -> str | None:
    """The value that is tokenised, or None for a sentinel or blank."""
    if value is None:
        return None
    text = value.strip()
    if text.upper() in SENTINELS:
        return None
    compact = _SEPARATORS.sub("", text)
    return compact if compact.isdigit() else text


def card_token(value: str | None, key: str) -> str | None:
    text = normalise(value)
    if text is None:
        return None
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def card_last4(value: str | None) -> str | None:
    text = normalise(value)
    return text[-4:] if text is not None and _DIGITS.fullmatch(text) else None


def tokenise(values: Iterable[str | None], key: str) -> tuple[list[str | None], list[str | None]]:
    memo: dict[str | None, tuple[str | None, str | None]] = {}
    tokens, last4 = [], []
    for v in values:
        if v not in memo:
            memo[v] = (card_token(v, key), card_last4(v))
        tokens.append(memo[v][0])
        last4.append(memo[v][1])
    return tokens, last4


def _protect_rescued(rescued: str | None, key: str) -> str | None:
    """Rescued values (columns nobody declared) that look like card numbers become their token."""
    if rescued is None:
        return None
    values = json.loads(rescued)
    for name, value in values.items():
        text = normalise(value) if isinstance(value, str) else None
        if text is not None and _DIGITS.fullmatch(text):
            values[name] = f"card_token:{card_token(value, key)}"
    return json.dumps(values, ensure_ascii=False)


def tokenise_bronze(rows: "pa.Table", unparsed: "pa.Table") -> tuple["pa.Table", "pa.Table"]:
    """Bronze transform of order_items: `printed_card_number` -> `card_token`, `card_last4` in its place;
    card numbers in rescued columns become tokens too; rows that could not be parsed keep file, row and
    reason but not their raw text (it may hold a number)."""
    import pyarrow as pa

    from platform_assets import settings

    key = settings.pii_key()
    column = "printed_card_number"
    at = rows.schema.get_field_index(column)
    tokens, last4 = tokenise(rows.column(column).to_pylist(), key)
    rows = rows.remove_column(at)
    rows = rows.add_column(at, pa.field("card_token", pa.string()), pa.array(tokens, pa.string()))
    rows = rows.add_column(at + 1, pa.field("card_last4", pa.string()), pa.array(last4, pa.string()))
    rescued = rows.schema.get_field_index(RESCUED_COLUMN)
    if rescued >= 0:
        protected = pa.array([_protect_rescued(v, key) for v in rows.column(rescued).to_pylist()], pa.string())
        rows = rows.set_column(rescued, rows.schema.field(rescued), protected)
    raw = unparsed.schema.get_field_index("raw")
    withheld = pa.array([None if r is None else WITHHELD for r in unparsed.column("raw").to_pylist()], pa.string())
    unparsed = unparsed.set_column(raw, unparsed.schema.field("raw"), withheld)
    return rows, unparsed
