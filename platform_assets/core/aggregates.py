"""Aggregates whose result does not depend on the order rows arrive in.

A floating-point sum depends on the order of its additions, and a multi-threaded engine adds in a
different order on every run: re-runs and engines then disagree in the last digits. Casting to a decimal
does not cure it across engines (classic Spark converts a double through its shortest decimal text, Sail
through its exact binary value). Adding the values in sorted order does: IEEE addition of the same values
in the same order gives the same double everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column


def deterministic_sum(column: "Column | str") -> "Column":
    """sum(column) of doubles added in ascending order: identical on every run and every engine.

    Null when the group has no non-null value, as `sum`. The values of a group are collected, so use it
    for report-level groups (a channel and a day), not for groups of millions of rows."""
    from pyspark.sql import functions as F

    value = F.col(column) if isinstance(column, str) else column
    value = value.cast("double")
    ordered = F.array_sort(F.collect_list(value))
    return F.when(F.count(value) > 0, F.aggregate(ordered, F.lit(0.0), lambda total, v: total + v))
