"""Serving: each gold mart published to the warehouse as `restaurants_<mart>`, replaced in one transaction.

No Dagster and no Spark here: the mart is read with delta-rs and written with SQLAlchemy through
`WarehouseResource.replace_table` (a staging table that takes the table's place atomically).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resources.warehouse import WarehouseResource

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

PREFIX = "restaurants_"


def warehouse_table(mart: str) -> str:
    return f"{PREFIX}{mart}"


def publish_mart(warehouse: WarehouseResource, data: pa.Table, *, mart: str) -> dict[str, int]:
    """Replace `restaurants_<mart>` with the mart's rows; readers see the old or the new table."""
    return {"written": warehouse.replace_table(warehouse_table(mart), data)}
