"""Card numbers of restaurants order items are tokenised at bronze ingestion (`core/pii.py`): the raw number
never reaches the lake, a log or metadata. The key comes from `OMNILAKE_PII_KEY` in the process that
ingests (the Spark driver: locally the Dagster process, on AWS the job's environment); `resources/pii.py`
is the Dagster face. No Dagster or Spark import here."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

from platform_assets.core.landing import RESCUED_COLUMN
from platform_assets.core.pii import card_last4, card_token, hmac_token, per_distinct, tokenise  # noqa: F401 (re-exported)

WITHHELD = "raw text withheld: the source carries card numbers"


def _protect_rescued(rescued: str | None, key: str) -> str | None:
    """Rescued values of this source (columns nobody declared, beside card numbers) are kept as their HMAC
    token, never as delivered: a card number written another way ('4111.1111...', 'card 4111...') must not
    reach the lake. The column names stay, and equal values stay joinable."""
    if rescued is None:
        return None
    values = json.loads(rescued)
    return json.dumps(
        {
            name: None if value is None else f"token:{hmac_token(str(value), key)}"
            for name, value in values.items()
        },
        ensure_ascii=False,
    )


def tokenise_bronze(rows: "pa.Table", unparsed: "pa.Table") -> tuple["pa.Table", "pa.Table"]:
    """Bronze transform of order_items: `printed_card_number` -> `card_token`, `card_last4` in its place;
    every rescued value becomes a token; rows that could not be parsed keep file, row and
    reason but not their raw text (it may hold a number)."""
    import pyarrow as pa

    from platform_assets import settings

    key = settings.pii_key()
    column = "printed_card_number"
    at = rows.schema.get_field_index(column)
    tokens, last4 = tokenise(rows.column(column), key)
    rows = rows.remove_column(at)
    rows = rows.add_column(at, pa.field("card_token", pa.string()), tokens)
    rows = rows.add_column(at + 1, pa.field("card_last4", pa.string()), last4)
    rescued = rows.schema.get_field_index(RESCUED_COLUMN)
    if rescued >= 0:
        (protected,) = per_distinct(rows.column(rescued), lambda v: _protect_rescued(v, key))
        rows = rows.set_column(rescued, rows.schema.field(rescued), protected)
    raw = unparsed.schema.get_field_index("raw")
    withheld = pa.array(
        [None if r is None else WITHHELD for r in unparsed.column("raw").to_pylist()], pa.string()
    )
    unparsed = unparsed.set_column(raw, unparsed.schema.field("raw"), withheld)
    return rows, unparsed
