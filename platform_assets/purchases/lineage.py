"""Column lineage of the purchases gold table (Dagster `dagster/column_lineage`), declared beside the
transform (`transforms.py`: `summarize`) and checked against the contract by tests/test_column_lineage.py.

Each dict maps an output column to the `(input, upstream column)` pairs its value is computed from (the
input is a key of the asset's `reads`), by the rule in `platform_assets.medallion.Write`.

The incremental path (merge by customer_id) computes the same columns the same way as the full one.
"""

CUSTOMER_PURCHASE_SUMMARY = {
    "customer_id": [("purchases", "customer_id")],
    # Name and email of the latest purchase: purchase_date and the ingestion order only pick the row.
    "full_name": [("purchases", "first_name"), ("purchases", "last_name")],
    "email": [("purchases", "email")],
    "purchases": [("purchases", "purchase_id")],  # count(*) of the latest row of each purchase_id
    "total_spent_aud": [("purchases", "amount_aud")],
    "first_purchase_date": [("purchases", "purchase_date")],
    "last_purchase_date": [("purchases", "purchase_date")],
}
