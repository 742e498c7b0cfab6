"""Card tokenisation (platform_assets/restaurants/pii.py) and the PII vault resource, in plain Python."""

from __future__ import annotations

import hashlib
import hmac

import dagster as dg
import pyarrow as pa

from platform_assets.restaurants import pii
from platform_assets.restaurants.sources import BRONZE_ORDER_ITEMS, ORDER_ITEMS
from resources.pii import PiiVault

KEY = "unit-test-key"


def hexmac(text: str, key: str = KEY) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def test_tokens_are_keyed_hmacs_of_the_digits_and_sentinels_have_none():
    assert (
        pii.card_token("4111 1111-1111 1111", KEY)
        == pii.card_token("4111111111111111", KEY)
        == hexmac("4111111111111111")
    )
    assert pii.card_token("4111111111111111", "another key") != hexmac("4111111111111111")
    assert pii.card_last4(" 4111111111111111 ") == "1111"
    for sentinel in (None, "", "  ", "NONE", "none", "NULL"):
        assert pii.card_token(sentinel, KEY) is None and pii.card_last4(sentinel) is None
    assert (
        pii.card_token("6.78037E+11", KEY) == hexmac("6.78037E+11") and pii.card_last4("6.78037E+11") is None
    )
    assert pii.card_last4("12345") is None  # too short to be a card number


def test_the_bronze_transform_puts_token_and_last4_where_the_number_was_and_withholds_raw_lines(monkeypatch):
    monkeypatch.setenv("OMNILAKE_PII_KEY", KEY)
    n = len(ORDER_ITEMS.columns)
    values = {c: ["x", "y"] for c in ORDER_ITEMS.columns}
    values["printed_card_number"] = ["4111111111111111", "NONE"]
    rows = pa.table(values)
    unparsed = pa.table({"file": ["f"], "row": [3], "reason": ["bad"], "raw": ["a,4111111111111111,b"]})
    out, rejected = pii.tokenise_bronze(rows, unparsed)
    assert tuple(out.column_names) == BRONZE_ORDER_ITEMS and out.num_columns == n + 1
    assert out.column("card_token").to_pylist() == [hexmac("4111111111111111"), None]
    assert out.column("card_last4").to_pylist() == ["1111", None]
    assert rejected.column("raw").to_pylist() == [pii.WITHHELD]
    assert "4111111111111111" not in str(out.to_pylist()) + str(rejected.to_pylist())


def test_the_vault_reads_its_key_from_the_environment_and_agrees_with_bronze(monkeypatch):
    monkeypatch.setenv("OMNILAKE_PII_KEY", KEY)

    @dg.asset
    def lookup(pii: PiiVault) -> str:
        return pii.card_token("4111111111111111")

    result = dg.materialize([lookup], resources={"pii": PiiVault(key=dg.EnvVar("OMNILAKE_PII_KEY"))})
    assert result.output_for_node("lookup") == hexmac("4111111111111111")
    assert KEY not in str(result.all_events)


def test_rescued_columns_of_the_card_source_are_kept_as_tokens_only():
    import json

    import pyarrow as pa

    rows = pa.table(
        {
            "printed_card_number": ["4111111111111111", None],
            "_rescued_data": ['{"card_2": "4111.1111.1111.1111", "note": "card 4111111111111111"}', None],
        }
    )
    unparsed = pa.table({"raw": pa.array([], pa.string())})
    out, _ = pii.tokenise_bronze(rows, unparsed)
    rescued = json.loads(out.column("_rescued_data")[0].as_py())
    assert set(rescued) == {"card_2", "note"}  # the columns are kept ...
    assert all(v.startswith("token:") and "4111" not in v for v in rescued.values())  # ... never the numbers
    assert out.column("_rescued_data")[1].as_py() is None
