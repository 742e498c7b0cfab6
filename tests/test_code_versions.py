"""Each Spark asset's code version comes from the source of its transform and contracts, so a changed
transform marks exactly its assets (and nothing else) as changed in the UI; every asset has an owner."""

from __future__ import annotations

import importlib
import sys
import textwrap

import dagster as dg

from platform_assets.definitions import build_definitions
from platform_assets.medallion import code_version

MODULE = '''
def transform_a(inputs, ctx):
    """A."""
    return {"gold": inputs["x"]}


def transform_b(inputs, ctx):
    """B."""
    return {"gold": inputs["x"]}


class Contract:
    columns = ("x",)
'''


def test_changing_a_transform_changes_exactly_its_code_version(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    module = tmp_path / "versioned_transforms.py"
    module.write_text(textwrap.dedent(MODULE))
    mod = importlib.import_module("versioned_transforms")
    try:
        before = {
            "a": code_version("versioned_transforms:transform_a", ["versioned_transforms:Contract"]),
            "b": code_version("versioned_transforms:transform_b", []),
        }
        assert before["a"] != before["b"]
        # Same source, same version (it is not a timestamp or a random id).
        assert code_version("versioned_transforms:transform_b", []) == before["b"]
        module.write_text(
            textwrap.dedent(MODULE).replace(
                'return {"gold": inputs["x"]}\n\n\ndef transform_b',
                'return {"gold": inputs["x"].distinct()}\n\n\ndef transform_b',
            )
        )
        importlib.reload(mod)
        after = {
            "a": code_version("versioned_transforms:transform_a", ["versioned_transforms:Contract"]),
            "b": code_version("versioned_transforms:transform_b", []),
        }
        assert after["a"] != before["a"] and after["b"] == before["b"]
        # A changed contract changes the version of the asset it guards.
        module.write_text(textwrap.dedent(MODULE).replace('columns = ("x",)', 'columns = ("x", "y")'))
        importlib.reload(mod)
        assert (
            code_version("versioned_transforms:transform_a", ["versioned_transforms:Contract"]) != before["a"]
        )
        assert code_version("versioned_transforms:transform_b", []) == before["b"]
    finally:
        sys.modules.pop("versioned_transforms", None)


def test_every_spark_asset_has_a_code_version_an_owner_and_domain_tags():
    graph = build_definitions({}).resolve_asset_graph()
    spark_assets = [
        graph.get(k) for k in graph.get_all_asset_keys() if "spark" in (graph.get(k).kinds or set())
    ]
    assert len(spark_assets) > 40
    for node in spark_assets:
        assert node.code_version, node.key
        assert node.owners and node.owners[0].startswith("team:"), node.key
        assert node.tags.get("domain") == node.group_name and node.tags.get("layer") == node.key.path[0], (
            node.key
        )
    # Tables computed by the same transform share its version; different transforms differ.
    versions = {tuple(n.key.path): n.code_version for n in spark_assets}
    assert versions[("silver", "ecommerce", "orders")] == versions[("quarantine", "ecommerce", "orders")]
    assert versions[("silver", "ecommerce", "orders")] != versions[("gold", "ecommerce", "daily_sales")]
    assert isinstance(graph.get(dg.AssetKey(["gold", "ecommerce", "daily_sales"])).code_version, str)
