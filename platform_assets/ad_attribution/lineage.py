"""Column lineage of the ad_attribution gold tables (Dagster `dagster/column_lineage`), declared beside
the transforms (`transforms.py`) and checked against the contracts by tests/test_column_lineage.py.

Each dict maps an output column to the `(input, upstream column)` pairs its value is computed from (the
input is a key of the asset's `reads`), by the rule in `platform_assets.medallion.Write`.

The touch of an order lists the event's own columns, not the user_id / event_ts / event_type that chose it.
campaign_roas also reads silver orders, for its `revenue_reconciles` check only: no column comes from it.
"""

ORDER_ATTRIBUTION = {
    "order_id": [("orders", "order_id")],
    "user_id": [("orders", "user_id")],
    "order_ts": [("orders", "order_ts")],
    "amount": [("orders", "amount")],
    "campaign_id": [("ad_events", "campaign_id")],
    "channel": [("ad_events", "channel")],
    "touch_event_id": [("ad_events", "event_id")],
    "touch_type": [("ad_events", "event_type")],  # click -> click, impression -> view
    "touch_lag_seconds": [("orders", "order_ts"), ("ad_events", "event_ts")],
    "dt": [("orders", "dt")],
}

CAMPAIGN_ROAS = {
    # Full outer join of the events' and the credited orders' aggregates (null on the unattributed row).
    "campaign_id": [("ad_events", "campaign_id"), ("attribution", "campaign_id")],
    "channel": [("ad_events", "channel"), ("attribution", "channel")],
    "impressions": [("ad_events", "event_type")],  # count of event_type = 'impression'
    "clicks": [("ad_events", "event_type")],
    "spend": [("ad_events", "cost")],
    "attributed_orders": [("attribution", "order_id")],  # count(*) of attribution rows
    "attributed_revenue": [("attribution", "amount")],
    "roas": [("attribution", "amount"), ("ad_events", "cost")],
    "cpa": [("ad_events", "cost"), ("attribution", "order_id")],
    "dt": [("ad_events", "dt"), ("attribution", "dt")],
}
