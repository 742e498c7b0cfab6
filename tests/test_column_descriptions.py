"""Every column of every pandera contract model carries a human description (from the specification).

Light: the schemas are built from the model classes only; no Spark session is needed.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
from pandera.pyspark import DataFrameModel

from platform_assets.domains import DOMAINS


def contract_models(domain: str) -> list[type[DataFrameModel]]:
    """The DataFrameModel subclasses a domain's checks module defines or imports (base models included)."""
    module = importlib.import_module(f"platform_assets.{domain}.checks")
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, DataFrameModel) and obj is not DataFrameModel
    ]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_contract_column_has_a_description(domain: str) -> None:
    models = contract_models(domain)
    assert models, f"platform_assets.{domain}.checks declares no pandera DataFrameModel"
    missing = []
    for model in models:
        schema = model.to_schema()
        assert schema.columns, f"{domain}: {model.__module__}.{model.__name__} has no columns"
        for name, column in schema.columns.items():
            description = column.description
            if not (isinstance(description, str) and description.strip()):
                missing.append(f"{model.__module__}.{model.__name__}.{name}")
    assert not missing, f"{domain}: columns without a description: {', '.join(missing)}"


def test_every_silver_gold_and_warehouse_asset_describes_its_columns_in_the_catalog():
    """What the UI's Columns panel shows: every silver, gold and warehouse asset (contract or not) has a
    column schema whose every column is described."""
    from platform_assets.definitions import build_definitions

    graph = build_definitions({}).resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys() if k.path[0] in ("silver", "gold", "warehouse")]
    assert len(keys) >= 38
    for key in keys:
        schema = graph.get(key).metadata.get("dagster/column_schema")
        assert schema is not None, f"{key.to_user_string()}: no column schema"
        undescribed = [c.name for c in schema.columns if not c.description]
        assert not undescribed, f"{key.to_user_string()}: columns without a description: {undescribed}"


def test_the_catalog_reads_every_contract_as_pandera_does():
    """The definitions read contracts from their source (no pandera import at load): same columns, same
    order, same descriptions, the Spark type pandera checks."""
    from platform_assets.core.contract_source import contract_columns

    for domain in DOMAINS:
        module = importlib.import_module(f"platform_assets.{domain}.checks")
        for name, model in vars(module).items():
            if not (isinstance(model, type) and issubclass(model, DataFrameModel)) or model is DataFrameModel:
                continue
            if model.__module__ != module.__name__:
                continue
            schema = model.to_schema()
            expected = [(n, c.dtype.type.simpleString(), c.description) for n, c in schema.columns.items()]
            assert contract_columns(f"{module.__name__}:{name}") == expected, f"{domain}.{name}"
