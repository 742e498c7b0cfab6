"""Customer segments (restaurants_mart_customer_segments): RFM scores and segments."""

import streamlit as st

from platform_assets.dashboards import ui

st.title("Customer segments (RFM)")
frame = ui.load_mart("mart_customer_segments", "customer segments")
if frame is None:
    st.stop()
ui.as_of(frame)

segments = ui.choose("Segments", frame["segment"].dropna().unique(), key="rfm_segments")
frame = frame[frame["segment"].isin(segments)]

ui.metrics(
    [
        ("Customers", ui.count(len(frame))),
        ("Net revenue", ui.money(frame["monetary"].sum())),
        ("Avg recency (days)", ui.ratio(frame["recency_days"].mean(), 1)),
        ("Avg orders", ui.ratio(frame["frequency"].mean(), 2)),
    ]
)
summary = (
    frame.groupby("segment")
    .agg(
        customers=("user_id", "count"),
        net_revenue=("monetary", "sum"),
        avg_recency_days=("recency_days", "mean"),
    )
    .sort_values("net_revenue", ascending=False)
)
left, right = st.columns(2)
left.subheader("Customers per segment")
left.bar_chart(summary["customers"])
right.subheader("Net revenue per segment")
right.bar_chart(summary["net_revenue"])
st.dataframe(summary.reset_index(), hide_index=True)
