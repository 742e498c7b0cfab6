"""Loyalty impact (restaurants_mart_loyalty_impact): loyalty members against other customers."""

import streamlit as st

from platform_assets.dashboards import ui

st.title("Loyalty impact")
frame = ui.load_mart("mart_loyalty_impact", "loyalty comparison")
if frame is None:
    st.stop()

frame = frame.assign(group=frame["is_loyalty_member"].map(lambda m: "members" if bool(m) else "non-members"))
groups = frame.set_index("group")


def value(group: str, column: str):
    return groups[column].get(group)


total_revenue = frame["net_revenue"].sum()
member_aov, other_aov = value("members", "avg_order_value"), value("non-members", "avg_order_value")
ui.metrics(
    [
        ("Loyalty members", ui.count(value("members", "customers"))),
        ("Member revenue share", ui.percent(ui.safe_div(value("members", "net_revenue"), total_revenue))),
        ("Member AOV", ui.money(member_aov)),
        ("Non-member AOV", ui.money(other_aov)),
        ("Member repeat rate", ui.percent(value("members", "repeat_customer_rate"))),
    ],
    delta={
        "Member AOV": None
        if member_aov is None or other_aov is None
        else f"{ui.money(member_aov - other_aov)} vs non-members"
    },
)
choice = st.sidebar.selectbox(
    "Compare",
    ["revenue_per_customer", "orders_per_customer", "avg_order_value", "repeat_customer_rate"],
    key="loyalty_metric",
)
st.subheader(choice.replace("_", " ").capitalize())
st.bar_chart(groups[choice])
st.dataframe(frame.drop(columns=["group"]), hide_index=True)
