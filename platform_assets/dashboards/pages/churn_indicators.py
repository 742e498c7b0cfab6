"""Churn indicators (restaurants_mart_churn_indicators): who is active, at risk or likely lost."""

import streamlit as st

from platform_assets.dashboards import ui

st.title("Churn indicators")
frame = ui.load_mart("mart_churn_indicators", "churn indicators")
if frame is None:
    st.stop()
ui.as_of(frame)

statuses = ui.choose("Churn status", frame["churn_status"].dropna().unique(), key="churn_status")
frame = frame[frame["churn_status"].isin(statuses)]
n = len(frame)
last_90, prev_90 = frame["spend_last_90d"].sum(), frame["spend_prev_90d"].sum()
change = ui.safe_div(last_90 - prev_90, prev_90)
ui.metrics(
    [
        ("Customers", ui.count(n)),
        ("High risk", ui.percent(ui.safe_div((frame["churn_status"] == "high_risk").sum(), n))),
        ("At risk", ui.percent(ui.safe_div((frame["churn_status"] == "at_risk").sum(), n))),
        ("Spend last 90d", ui.money(last_90)),
        ("Spend previous 90d", ui.money(prev_90)),
    ],
    delta={"Spend last 90d": None if change is None else ui.percent(change)},
)
st.subheader("Customers per churn status")
st.bar_chart(frame["churn_status"].value_counts().rename("customers"))
st.subheader("Largest spenders at risk")
risky = frame[frame["churn_status"] != "active"].sort_values("spend_prev_90d", ascending=False)
st.dataframe(risky.head(20), hide_index=True)
