"""Column lineage of the journeys gold table built in Spark (Dagster `dagster/column_lineage`), declared
beside the transform (`transforms.py`: `channel_reporting`) and checked by tests/test_column_lineage.py.

Each dict maps an output column to the `(input, upstream column)` pairs its value is computed from (the
input is a key of the asset's `reads`), by the rule in `platform_assets.medallion.Write`.

Not declared here: gold attribution_customer_journey, scored in Python on the driver (not a Spark asset).
"""

CHANNEL_REPORTING = {
    # Full outer join of the sessions' costs and the credited sessions, by channel and date.
    "channel_name": [("sessions", "channel_name"), ("journeys", "channel_name")],
    # The session's date: bronze event_date on the cost side, the date of session_ts on the credit side.
    "date": [("sessions", "event_date"), ("journeys", "session_ts")],
    "cost": [("sessions", "cost")],  # every extracted session's cost (no cost row: 0)
    # Credits joined to their journey session on (conv_id, session_id): the join keys only match rows.
    "ihc": [("attribution", "ihc")],
    "ihc_revenue": [("attribution", "ihc"), ("journeys", "revenue")],
    "cpo": [("sessions", "cost"), ("attribution", "ihc")],
    "roas": [("attribution", "ihc"), ("journeys", "revenue"), ("sessions", "cost")],
}

# The attribution scored on the driver (`attribution.py`; input name as the silver journeys table). The credit
# of a session reads what the IHC API or the built-in models read of its journey: position, length, channel,
# timestamps and engagement flags. `model` names the scorer (a setting, not data): no upstream column.
ATTRIBUTION_CUSTOMER_JOURNEY = {
    "conv_id": [("journeys", "conv_id")],
    "session_id": [("journeys", "session_id")],
    "ihc": [
        ("journeys", "position"),
        ("journeys", "journey_length"),
        ("journeys", "channel_name"),
        ("journeys", "session_ts"),
        ("journeys", "conv_ts"),
        ("journeys", "holder_engagement"),
        ("journeys", "closer_engagement"),
        ("journeys", "impression_interaction"),
    ],
    "dt": [("journeys", "dt")],
}
