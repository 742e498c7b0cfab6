"""Ad ROAS (gold/ad_attribution/campaign_roas): spend, attributed revenue and ROAS per campaign and day."""

import streamlit as st

from platform_assets.dashboards import data, ui

st.title("Ad ROAS")
frame = ui.load_lake(data.CAMPAIGN_ROAS, "campaign ROAS")
if frame is None:
    st.stop()

start, end = ui.date_range(frame, "dt", key="roas_dates")
frame = ui.in_dates(frame, "dt", start, end)
# The row with no campaign carries the day's unattributed orders; it is reported apart from ROAS.
unattributed = frame[frame["campaign_id"].isna()]
campaigns = frame[frame["campaign_id"].notna()]
channels = ui.choose("Channels", campaigns["channel"].dropna().unique(), key="roas_channels")
campaigns = campaigns[campaigns["channel"].isin(channels)]

spend, revenue = campaigns["spend"].sum(), campaigns["attributed_revenue"].sum()
orders = campaigns["attributed_orders"].sum()
ui.metrics(
    [
        ("Spend", ui.money(spend)),
        ("Attributed revenue", ui.money(revenue)),
        ("ROAS", ui.ratio(ui.safe_div(revenue, spend))),
        ("Attributed orders", ui.count(orders)),
        ("CPA", ui.money(ui.safe_div(spend, orders))),
    ]
)
st.caption(
    f"Unattributed in these dates: {ui.count(unattributed['attributed_orders'].sum())} orders, "
    f"{ui.money(unattributed['attributed_revenue'].sum())} revenue."
)
if campaigns.empty:
    st.info("No campaign activity in the chosen dates and channels.")
    st.stop()
daily = campaigns.groupby("dt")[["spend", "attributed_revenue"]].sum()
st.subheader("Spend and attributed revenue per day")
st.line_chart(daily)
per_campaign = (
    campaigns.groupby(["campaign_id", "channel"])[
        ["impressions", "clicks", "spend", "attributed_orders", "attributed_revenue"]
    ]
    .sum()
    .reset_index()
)
per_campaign["roas"] = per_campaign["attributed_revenue"] / per_campaign["spend"].where(
    per_campaign["spend"] > 0
)
st.subheader("ROAS per campaign")
st.bar_chart(per_campaign.set_index("campaign_id")["roas"])
st.dataframe(per_campaign.sort_values("attributed_revenue", ascending=False), hide_index=True)
