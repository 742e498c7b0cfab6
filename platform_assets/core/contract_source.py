"""A contract's columns and source text, read from its module's source without importing it.

The Dagster definitions describe every table's columns (name, type, description) from its pandera model,
and version every asset from its contract's source. Importing the models means importing pandera, which
imports pandas and pyspark.pandas: most of a second of every code-location load. The models are plain
declarations (`name: T.StringType() = Field(..., description="...")`), so their columns are read from
the syntax tree instead; tests/test_column_descriptions.py checks that this reading equals pandera's own.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from functools import lru_cache

_OURS = ("platform_assets.", "resources.", "sensors.")
# pyspark.sql.types constructors -> Spark SQL type names (what the lake schema shows).
_SPARK_TYPES = {
    "StringType": "string",
    "LongType": "bigint",
    "IntegerType": "int",
    "DoubleType": "double",
    "DateType": "date",
    "TimestampType": "timestamp",
    "BooleanType": "boolean",
}


def _module(name: str) -> tuple[ast.Module, tuple[str, ...]]:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ValueError(f"no source for module {name!r}")
    stat = os.stat(spec.origin)
    return _parse(spec.origin, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _parse(origin: str, mtime_ns: int, size: int) -> tuple[ast.Module, tuple[str, ...]]:
    """The module's tree and lines, read once per version of the file (an edited file is read again)."""
    with open(origin, encoding="utf-8") as fh:
        text = fh.read()
    return ast.parse(text), tuple(text.splitlines(keepends=True))


def _definition(module: str, name: str) -> tuple[str, ast.AST] | None:
    """(module, node) of a module-level class or assignment `name`, following `from x import name`."""
    tree, _ = _module(module)
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            return module, node
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    return module, node.value
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts):
                        if isinstance(t, ast.Name) and t.id == name:
                            return module, v
        # Only this project's modules are read (finding another package's source would import it).
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(_OURS):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _definition(node.module, alias.name)
    return None


def _value(module: str, node: ast.AST):
    """A constant expression (numbers, strings, names bound to them)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        found = _definition(module, node.id)
        if found is not None:
            return _value(*found)
    raise ValueError(f"{module}: not a constant: {ast.unparse(node)}")


def _spark_type(module: str, node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        found = _definition(module, node.id)
        if found is None:
            raise ValueError(f"{module}: unknown type {node.id}")
        return _spark_type(*found)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        kind = node.func.attr
        if kind in _SPARK_TYPES:
            return _SPARK_TYPES[kind]
        if kind == "DecimalType":
            precision, scale = (_value(module, a) for a in node.args)
            return f"decimal({precision},{scale})"
    raise ValueError(f"{module}: unsupported column type {ast.unparse(node)}")


def _class(path: str) -> tuple[str, ast.ClassDef]:
    module, _, name = path.partition(":")
    found = _definition(module, name)
    if found is None or not isinstance(found[1], ast.ClassDef):
        raise ValueError(f"{path}: no class {name} in {module}")
    return found  # type: ignore[return-value]


def contract_columns(path: str) -> list[tuple[str, str, str | None]]:
    """(name, Spark SQL type, description) of every column of the model at `module:Class`, the columns of
    its base models first (pandera's order)."""
    module, cls = _class(path)
    columns: list[tuple[str, str, str | None]] = []
    for base in cls.bases:
        if isinstance(base, ast.Name) and _definition(module, base.id) is not None:
            base_module, base_node = _definition(module, base.id)
            if isinstance(base_node, ast.ClassDef):
                columns += contract_columns(f"{base_module}:{base_node.name}")
    for node in cls.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(node.value, ast.Call)
        ):
            keywords = {k.arg: k.value for k in node.value.keywords if k.arg}
            name = _value(module, keywords["alias"]) if "alias" in keywords else node.target.id
            description = _value(module, keywords["description"]) if "description" in keywords else None
            columns.append((name, _spark_type(module, node.annotation), description))
    return columns


def source_text(path: str) -> str:
    """The source lines of the class or function at `module:name` (sliced from the cached module: this
    runs for every asset while the definitions load)."""
    module, _, name = path.partition(":")
    found = _definition(module, name)
    if found is None:
        raise ValueError(f"{path}: not found")
    node = found[1]
    return "".join(_module(found[0])[1][node.lineno - 1 : node.end_lineno])
