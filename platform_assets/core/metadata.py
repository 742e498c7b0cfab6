"""Materialization and check metadata in the Dagster Pipes wire format ({"raw_value", "type"}).

The Pipes entrypoint sends these dicts as they are; the in-process runner turns them into Dagster metadata
values with the same function the UI sees through Pipes, so both paths show identical metadata.
"""

from __future__ import annotations

from typing import Any

from platform_assets.core.execution import CheckOutcome, JobResult
from platform_assets.core.lake import WriteResult


def _v(value: Any, kind: str) -> dict[str, Any]:
    return {"raw_value": value, "type": kind}


def write_metadata(result: WriteResult, uri: str, facts: dict[str, Any] | None = None) -> dict[str, dict]:
    md = {
        "dagster/row_count": _v(result.rows, "int"),
        "dagster/column_schema": _v(
            {"columns": [{"name": n, "type": t} for n, t in result.schema]}, "table_schema"
        ),
        "delta_version": _v(result.version, "int"),
        "files_written": _v(result.files, "int"),
        "table_uri": _v(uri, "path"),
    }
    if result.replaced is not None:
        md["partitions_replaced"] = _v(len(result.replaced), "int")
        md["rows_by_dt"] = _v(result.rows_by_dt, "json")
    if result.merge is not None:
        for key, value in result.merge.items():
            md[key] = _v(value, "int")
    for key, value in (facts or {}).items():
        md[key] = _v(value, "json" if isinstance(value, (dict, list)) else "__infer__")
    return md


def check_metadata(outcome: CheckOutcome) -> dict[str, dict]:
    md = {}
    for key, value in outcome.metadata.items():
        if isinstance(value, bool) or value is None:
            md[key] = _v(value, "__infer__")
        elif isinstance(value, (int, float)):
            md[key] = _v(value, "int" if isinstance(value, int) else "float")
        elif isinstance(value, str):
            md[key] = _v(value, "text")
        else:
            md[key] = _v(value, "json")
    return md


def outputs_metadata(result: JobResult, lake_root: str) -> dict[str, dict[str, dict]]:
    """Per committed output table path: its materialization metadata."""
    out = {}
    for name, write in result.outputs.items():
        out[write.table] = write_metadata(
            write, f"{lake_root.rstrip('/')}/{write.table}", result.facts.get(name)
        )
    return out
