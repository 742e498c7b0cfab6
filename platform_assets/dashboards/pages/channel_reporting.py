"""Channel report (gold/journeys/channel_reporting): cost, IHC conversions and revenue, CPO and ROAS per channel."""

import streamlit as st

from platform_assets.dashboards import data, ui

st.title("Channel report")
frame = ui.load_lake(data.CHANNEL_REPORTING, "channel report (journeys domain)")
if frame is None:
    st.stop()

start, end = ui.date_range(frame, "date", key="channel_dates")
frame = ui.in_dates(frame, "date", start, end)
channels = ui.choose("Channels", frame["channel_name"].dropna().unique(), key="channel_names")
frame = frame[frame["channel_name"].isin(channels)]

cost, ihc, revenue = frame["cost"].sum(), frame["ihc"].sum(), frame["ihc_revenue"].sum()
ui.metrics(
    [
        ("Cost", ui.money(cost)),
        ("IHC conversions", ui.ratio(ihc, 1)),
        ("IHC revenue", ui.money(revenue)),
        ("CPO", ui.money(ui.safe_div(cost, ihc))),
        ("ROAS", ui.ratio(ui.safe_div(revenue, cost))),
    ]
)
if frame.empty:
    st.info("No channel activity in the chosen dates and channels.")
    st.stop()
per_channel = frame.groupby("channel_name")[["cost", "ihc", "ihc_revenue"]].sum()
per_channel["cpo"] = per_channel["cost"] / per_channel["ihc"].where(per_channel["ihc"] > 0)
per_channel["roas"] = per_channel["ihc_revenue"] / per_channel["cost"].where(per_channel["cost"] > 0)
st.subheader("IHC revenue per day and channel")
st.line_chart(frame.pivot_table(index="date", columns="channel_name", values="ihc_revenue", aggfunc="sum"))
st.subheader("Per channel")
st.dataframe(per_channel.reset_index().sort_values("ihc_revenue", ascending=False), hide_index=True)
