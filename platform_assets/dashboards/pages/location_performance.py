"""Location performance (restaurants_mart_location_performance): revenue, orders and discounts per restaurant."""

import streamlit as st

from platform_assets.dashboards import ui

st.title("Location performance")
frame = ui.load_mart("mart_location_performance", "restaurant performance")
if frame is None:
    st.stop()

frame = frame.assign(restaurant_id=frame["restaurant_id"].astype(str))
restaurants = ui.choose("Restaurants", frame["restaurant_id"].unique(), key="location_ids")
frame = frame[frame["restaurant_id"].isin(restaurants)].sort_values("revenue_rank")
top = frame.iloc[0]
orders, revenue = frame["orders"].sum(), frame["net_revenue"].sum()
ui.metrics(
    [
        ("Restaurants", ui.count(len(frame))),
        ("Net revenue", ui.money(revenue)),
        ("Orders", ui.count(orders)),
        ("Avg order value", ui.money(ui.safe_div(revenue, orders))),
        ("Top restaurant", str(top["restaurant_id"])),
    ]
)
st.subheader("Net revenue per restaurant")
st.bar_chart(frame.set_index("restaurant_id")["net_revenue"])
st.subheader("Discount rate per restaurant")
st.bar_chart(frame.set_index("restaurant_id")["discount_rate"])
st.dataframe(frame, hide_index=True)
