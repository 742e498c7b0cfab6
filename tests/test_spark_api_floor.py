"""Spark 3.5 is the API floor (Glue 5.1 runs 3.5.6, EMR 7 3.5.x): the installed PySpark is that Spark, and
every `pyspark.sql.functions` name the platform calls exists in it, including on code paths no other test
happens to run."""

from __future__ import annotations

import ast
from pathlib import Path

import pyspark
from conftest import REPO
from pyspark.sql import functions

CODE = [REPO / "platform_assets", REPO / "resources", REPO / "sensors"]


def test_the_classic_engine_under_test_is_glue_5_1s_spark():
    assert pyspark.__version__ == "3.5.6", (
        f"pyspark {pyspark.__version__} is installed: the pin (pyproject.toml, constraints.txt) keeps the classic "
        "engine under test identical to AWS Glue 5.1's Spark 3.5.6"
    )


def functions_called(path: Path) -> set[tuple[str, int]]:
    """(name, line) of every attribute read on a name bound to `pyspark.sql.functions` in the module."""
    tree = ast.parse(path.read_text(), str(path))
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "pyspark.sql":
            aliases |= {a.asname or a.name for a in node.names if a.name == "functions"}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.name == "pyspark.sql.functions" and a.asname}
    return {
        (node.attr, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
    }


def test_every_spark_function_the_platform_calls_exists_in_spark_3_5():
    files = [p for root in CODE for p in root.rglob("*.py")]
    used = {(p.relative_to(REPO), name, line) for p in files for name, line in functions_called(p)}
    assert len(used) > 100, "the scan found the platform's Spark function calls"
    missing = sorted(f"{path}:{line}: F.{name}" for path, name, line in used if not hasattr(functions, name))
    assert missing == [], f"not in PySpark {pyspark.__version__} (Spark 4 only?): {missing}"


def test_no_spark_4_only_column_or_dataframe_methods():
    # Methods Spark 4 added that the 3.5 Connect client would only reject when the line runs.
    spark4 = ("try_cast", "toArrow", "transpose", "asTable", "metadataColumn", "lateralJoin")
    offenders = []
    for root in CODE:
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in spark4
                ):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: .{node.func.attr}(...)")
    assert offenders == [], offenders
