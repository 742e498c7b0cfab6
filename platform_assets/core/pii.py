"""Card-number tokenisation: HMAC-SHA256 of the delivered value, never the number itself.

`card_token` = HMAC-SHA256 (hex) of the value, digits only when it is a plain number (so
'4111 1111-1111 1111' and '4111111111111111' agree); `card_last4` = its last four digits when the value is
a real card number (12-19 digits). Sentinels (`NONE`, `NULL`, blank) have neither. Spreadsheet-mangled
values (`6.78037E+11`) lost their digits: they are tokenised as delivered (equal mangled values stay
joinable) and have no last4. The bronze transform of a source with card numbers (restaurants) and the PII
vault resource (`resources/pii.py`) both call these, so a token is the same wherever it is computed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

SENTINELS = frozenset({"", "NONE", "NULL", "N/A", "NA", "NAN"})
_SEPARATORS = re.compile(r"[\s-]")
_DIGITS = re.compile(r"\d{12,19}")


def normalise(value: str | None) -> str | None:
    """The value that is tokenised, or None for a sentinel or blank."""
    if value is None:
        return None
    text = value.strip()
    if text.upper() in SENTINELS:
        return None
    compact = _SEPARATORS.sub("", text)
    return compact if compact.isdigit() else text


def hmac_token(text: str, key: str) -> str:
    """HMAC-SHA256 (hex) of `text` under `key`."""
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def card_token(value: str | None, key: str) -> str | None:
    text = normalise(value)
    return None if text is None else hmac_token(text, key)


def card_last4(value: str | None) -> str | None:
    text = normalise(value)
    return text[-4:] if text is not None and _DIGITS.fullmatch(text) else None


def tokenise(values: "pa.ChunkedArray", key: str) -> tuple["pa.ChunkedArray", "pa.ChunkedArray"]:
    """(card_token, card_last4) of a string column; a card recurs on every line of its holder's orders,
    so each distinct value is tokenised once (`per_distinct`)."""
    return per_distinct(values, lambda v: card_token(v, key), card_last4)


def per_distinct(
    values: "pa.ChunkedArray", *fns: Callable[[str | None], str | None]
) -> tuple["pa.ChunkedArray", ...]:
    """Each of `fns` applied to every row of a string column, computed once per distinct value and taken
    back to the rows chunk by chunk (a chunk is a landing file: one string array of a large backfill's
    values could pass Arrow's 2 GiB)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct = pc.unique(values)
    # index_in matches a null to the null among the distinct values.
    at = [pc.index_in(chunk, value_set=distinct) for chunk in values.chunks]
    out = []
    for fn in fns:
        mapped = pa.array([fn(v) for v in distinct.to_pylist()], pa.string())
        out.append(pa.chunked_array([pc.take(mapped, i) for i in at], pa.string()))
    return tuple(out)
