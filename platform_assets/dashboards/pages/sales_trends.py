"""Sales trends (restaurants_mart_sales_trends): daily revenue, orders and the 7-day average."""

import streamlit as st

from platform_assets.dashboards import data, ui

st.title("Sales trends")
bounds = data.date_bounds("mart_sales_trends", "date")
if bounds is None:
    ui.explain(data.read_mart("mart_sales_trends"), "daily sales")
    st.stop()

lo, hi = bounds
start, end = ui.pick_dates(lo, hi, key="sales_dates")
# The date range is applied in the warehouse query (bound parameters), not after loading everything.
loaded = data.read_mart("mart_sales_trends", date_column="date", start=start, end=end)
if ui.explain(loaded, "daily sales in the chosen dates"):
    st.stop()
frame = loaded.frame
weekends = st.sidebar.radio("Days", ["All days", "Weekdays", "Weekends"], key="sales_days")
if weekends != "All days":
    frame = frame[frame["is_weekend"].eq(True) == (weekends == "Weekends")]
    if frame.empty:
        st.info(f"No {weekends.lower()} in the chosen dates.")
        st.stop()

orders, revenue = frame["orders"].sum(), frame["net_revenue"].sum()
ui.metrics(
    [
        ("Net revenue", ui.money(revenue)),
        ("Orders", ui.count(orders)),
        ("Avg order value", ui.money(ui.safe_div(revenue, orders))),
        ("Discounts", ui.money(frame["discount_amount"].sum())),
        ("Days", ui.count(len(frame))),
    ]
)
st.subheader("Net revenue and its 7-day average")
st.line_chart(frame, x="date", y=["net_revenue", "revenue_7d_avg"])
st.subheader("Orders per day")
st.bar_chart(frame, x="date", y="orders")
holidays = frame[frame["is_holiday"].eq(True)]
if not holidays.empty:
    st.subheader("Holidays")
    st.dataframe(
        holidays[["date", "holiday_name", "orders", "net_revenue", "revenue_wow_pct"]], hide_index=True
    )
with st.expander("Daily rows"):
    st.dataframe(frame, hide_index=True)
