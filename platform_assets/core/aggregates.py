"""Aggregates whose result does not depend on the order rows arrive in.

A floating-point sum depends on the order of its additions, and a multi-threaded engine adds in a
different order on every run: re-runs and engines then disagree in the last digits. Summing as a wide
decimal is exact, so every run and every engine gives the same double.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column

# 18 integer and 20 fractional digits: credits (fractions of 1) and money keep every digit a double has.
EXACT = "decimal(38,20)"


def exact_sum(column: "Column | str") -> "Column":
    """sum(column) of doubles, computed exactly (as `EXACT`) and returned as a double."""
    from pyspark.sql import functions as F

    value = F.col(column) if isinstance(column, str) else column
    return F.sum(value.cast(EXACT)).cast("double")
