"""Column lineage of the gold tables and marts (`dagster/column_lineage`, declared in
`platform_assets/<domain>/lineage.py`): every contracted gold table declares it, it covers exactly the
columns of its contract, and every upstream column it names exists in an upstream the asset depends on.

Light: the Definitions and the pandera schemas are built; no Spark session is needed.
"""

from __future__ import annotations

import importlib
from functools import cache

import dagster as dg
import pytest

from platform_assets.core.execution import load_object
from platform_assets.definitions import build_definitions

LINEAGE = "dagster/column_lineage"
# Columns every bronze table adds to its landing source's ones.
BRONZE_LINEAGE_COLUMNS = ("_source_file", "_row", "_ingested_at", "dt")
# Every domain with gold tables: each must declare the lineage of at least one of them.
GOLD_DOMAINS = ("ecommerce", "ad_attribution", "purchases", "journeys", "restaurants")


@cache
def asset_graph():
    return build_definitions({}).resolve_asset_graph()


def metadata_value(key: dg.AssetKey, name: str):
    value = asset_graph().get(key).metadata.get(name)
    return getattr(value, "value", value)


def contracted_gold() -> list[dg.AssetKey]:
    graph = asset_graph()
    return sorted(
        (k for k in graph.get_all_asset_keys() if k.path[0] == "gold" and metadata_value(k, "contract")),
        key=lambda k: k.to_user_string(),
    )


def contract_columns(path: str) -> set[str]:
    return set(load_object(path).to_schema().columns)


def tables_written_from_arrow() -> dict[str, tuple[str, ...]]:
    """Uncontracted tables written from Arrow by Python assets (journeys): their schema's columns."""
    from platform_assets.journeys.attribution import ATTRIBUTION_COLUMNS
    from platform_assets.journeys.extract import sessions_schema
    from platform_assets.journeys.sources import BRONZE_SESSIONS, GOLD_ATTRIBUTION

    return {
        BRONZE_SESSIONS.path: tuple(sessions_schema().names),
        GOLD_ATTRIBUTION.path: ATTRIBUTION_COLUMNS,
    }


def upstream_columns(key: dg.AssetKey) -> set[str] | None:
    """The columns of an upstream asset: its contract's, else (bronze) its landing source's plus the
    bronze lineage columns, else those of the Arrow schema it is written with; None when unknown."""
    contract = metadata_value(key, "contract")
    if contract:
        return contract_columns(contract)
    layer, domain, name = key.path
    if layer == "bronze":
        sources = importlib.import_module(f"platform_assets.{domain}.sources")
        for source in getattr(sources, "SOURCES", ()):
            if source.name == name:
                return {*source.columns, *BRONZE_LINEAGE_COLUMNS}
    written = tables_written_from_arrow().get("/".join(key.path))
    return set(written) if written is not None else None


def declared(key: dg.AssetKey) -> dict[str, list[tuple[dg.AssetKey, str]]]:
    lineage = metadata_value(key, LINEAGE)
    return {
        column: [(dep.asset_key, dep.column_name) for dep in deps]
        for column, deps in lineage.deps_by_column.items()
    }


def test_gold_tables_are_found() -> None:
    keys = contracted_gold()
    assert keys, "no gold asset with a contract in the definitions"


@pytest.mark.parametrize("key", contracted_gold(), ids=lambda k: k.to_user_string())
def test_gold_table_declares_lineage_of_exactly_its_contract_columns(key: dg.AssetKey) -> None:
    table = key.to_user_string()
    assert metadata_value(key, LINEAGE) is not None, f"{table}: no {LINEAGE} metadata"
    expected = contract_columns(metadata_value(key, "contract"))
    got = set(declared(key))
    missing, extra = sorted(expected - got), sorted(got - expected)
    assert not missing and not extra, (
        f"{table}: lineage does not cover exactly the contract's columns; "
        f"missing: {missing or 'none'}, not in the contract: {extra or 'none'}"
    )
    empty = sorted(c for c, deps in declared(key).items() if not deps)
    assert not empty, f"{table}: columns with no upstream column: {empty}"


@pytest.mark.parametrize("key", contracted_gold(), ids=lambda k: k.to_user_string())
def test_gold_lineage_names_existing_upstream_columns(key: dg.AssetKey) -> None:
    table = key.to_user_string()
    parents = asset_graph().get(key).parent_keys
    problems = []
    for column, deps in sorted(declared(key).items()):
        for upstream, upstream_column in deps:
            where = f"{table}.{column} <- {upstream.to_user_string()}.{upstream_column}"
            if upstream not in parents:
                problems.append(f"{where}: {upstream.to_user_string()} is not an upstream of {table}")
                continue
            columns = upstream_columns(upstream)
            if columns is None:
                problems.append(f"{where}: the columns of {upstream.to_user_string()} are unknown")
            elif upstream_column not in columns:
                problems.append(f"{where}: no column {upstream_column!r} in {upstream.to_user_string()}")
    assert not problems, "\n".join(problems)


def test_every_domain_with_gold_tables_declares_lineage() -> None:
    with_lineage = {k.path[1] for k in contracted_gold() if metadata_value(k, LINEAGE) is not None}
    gold = {k.path[1] for k in contracted_gold()}
    missing = sorted((gold | set(GOLD_DOMAINS)) - with_lineage)
    assert not missing, f"domains with gold tables but no declared column lineage: {missing}"


def test_every_gold_table_carries_column_lineage_even_without_a_contract():
    from platform_assets.definitions import build_definitions

    graph = build_definitions({}).resolve_asset_graph()
    gold = [k for k in graph.get_all_asset_keys() if k.path[0] == "gold"]
    assert len(gold) >= 17
    for key in gold:
        lineage = graph.get(key).metadata.get("dagster/column_lineage")
        assert lineage is not None and lineage.deps_by_column, key.to_user_string()
        for column, deps in lineage.deps_by_column.items():
            assert all(d.asset_key in graph.get(key).parent_keys for d in deps), (key, column)
