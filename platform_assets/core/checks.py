"""Checks any domain can attach to a Spark job's outputs: `fn(outputs, inputs, ctx, **params)`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from platform_assets.core.spark import count_rows

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from platform_assets.core.execution import TransformContext


def unique_key(
    outputs: dict[str, "DataFrame"],
    inputs: dict,
    ctx: "TransformContext",
    *,
    output: str,
    columns: Sequence[str],
):
    """The key columns identify one row of the output (no duplicates reach silver or gold)."""
    from pyspark.sql import functions as F

    dupes = outputs[output].groupBy(*columns).count().where(F.col("count") > 1)
    n = count_rows(dupes)
    sample = [r.asDict() for r in dupes.orderBy(*columns).limit(5).collect()]
    return n == 0, {
        "duplicate_keys": n,
        "key": list(columns),
        "sample": [{k: str(v) for k, v in s.items()} for s in sample],
    }
