"""Data quality (quality/<domain>/rule_results): per silver table and rule, the share of rows quarantined
day by day, the days held back, and the rows whose undeclared columns were rescued."""

import streamlit as st

from platform_assets.core.quality import ALL_RULES
from platform_assets.dashboards import data, ui

st.title("Data quality")
loaded = data.read_quality_history()
if ui.explain(loaded, "quality history"):
    st.stop()
frame = loaded.frame
# The latest run of each table and day is what the lake holds now; earlier runs are the trend's history.
latest = frame.sort_values("recorded_at").drop_duplicates(["table_path", "rule", "dt"], keep="last")
tables = ui.choose("Tables", sorted(latest["table_path"].unique()), key="quality_tables")
latest = latest[latest["table_path"].isin(tables)]
start, end = ui.date_range(latest, "dt", key="quality_dates")
latest = ui.in_dates(latest, "dt", start, end)
totals = latest[latest["rule"] == ALL_RULES]

rows_in, quarantined = totals["rows_in"].sum(), totals["quarantined"].sum()
ui.metrics(
    [
        ("Rows in", ui.count(rows_in)),
        ("Quarantined", ui.count(quarantined)),
        ("Share quarantined", ui.ratio(ui.safe_div(quarantined, rows_in))),
        ("Rows with rescued columns", ui.count(totals["rescued"].sum())),
        ("Days held back", ui.count(totals.loc[totals["held"], "dt"].nunique())),
    ]
)
if totals.empty:
    st.info("No rows in the chosen tables and dates.")
    st.stop()

st.subheader("Share of rows quarantined per day")
share = totals.assign(share=totals["quarantined"] / totals["rows_in"].where(totals["rows_in"] > 0))
st.line_chart(share.pivot_table(index="dt", columns="table_path", values="share", aggfunc="max"))

st.subheader("Rows quarantined per rule")
rules = latest[latest["rule"] != ALL_RULES]
if rules.empty:
    st.caption("No rule failed in the chosen tables and dates.")
else:
    st.bar_chart(rules.pivot_table(index="dt", columns="rule", values="quarantined", aggfunc="sum").fillna(0))
    st.dataframe(
        rules.groupby(["table_path", "rule"], as_index=False)["quarantined"]
        .sum()
        .sort_values("quarantined", ascending=False),
        hide_index=True,
    )
held = totals[totals["held"]]
if not held.empty:
    st.subheader("Days held back")
    st.dataframe(held[["table_path", "dt", "rows_in", "quarantined"]], hide_index=True)
