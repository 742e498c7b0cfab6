"""Serving: the customer summary published to the warehouse (SQLite by default, PostgreSQL/RDS).

No Dagster and no Spark here: the gold table is read with delta-rs and upserted with SQLAlchemy, through a
staging table, in one transaction (`WarehouseResource.upsert_table`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resources.warehouse import WarehouseResource

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

SUMMARY_TABLE = "customer_purchase_summary"
TOP_CUSTOMERS_VIEW = "top_customers"
TOP_N = 5
KEY = ("customer_id",)


def top_customers_sql(table: str = SUMMARY_TABLE, n: int = TOP_N) -> str:
    """The view: the n customers with the highest total_spent_aud (ties: lower customer_id first)."""
    return (
        "SELECT customer_rank, customer_id, full_name, email, purchases, total_spent_aud, last_purchase_date "
        "FROM (SELECT ROW_NUMBER() OVER (ORDER BY total_spent_aud DESC, customer_id) AS customer_rank, "
        f"customer_id, full_name, email, purchases, total_spent_aud, last_purchase_date FROM {table}) ranked "
        f"WHERE customer_rank <= {int(n)}"
    )


def publish_summary(warehouse: WarehouseResource, summary: pa.Table) -> dict[str, int]:
    """Make the served table equal the gold summary: upsert every row (unchanged rows keep their
    updated_at), delete customers no longer in gold, and (re)create the top-customers view, atomically."""
    return warehouse.upsert_table(
        SUMMARY_TABLE,
        summary,
        KEY,
        delete_missing=True,
        views={TOP_CUSTOMERS_VIEW: top_customers_sql()},
    )
