"""Overview: headline restaurant KPIs and which marts and reports have data yet."""

import pandas as pd
import streamlit as st

from platform_assets.dashboards import data, ui

st.title("omnilake dashboards")
st.caption("Restaurants marts from the warehouse; ad ROAS and channel reports from the gold lake tables.")

trends = data.read_mart("mart_sales_trends")
if trends.empty:
    st.info(f"No restaurant sales to summarise yet. {trends.reason}")
else:
    frame = trends.frame
    first, last = frame["date"].min().date(), frame["date"].max().date()
    st.subheader(f"Restaurants, {first} to {last}")
    orders, revenue = frame["orders"].sum(), frame["net_revenue"].sum()
    ui.metrics(
        [
            ("Net revenue", ui.money(revenue)),
            ("Orders", ui.count(orders)),
            ("Avg order value", ui.money(ui.safe_div(revenue, orders))),
            ("Discounts", ui.money(frame["discount_amount"].sum())),
        ]
    )

st.subheader("Data available")
rows = []
for mart in data.MARTS:
    loaded = data.read_mart(mart)
    rows.append(
        {
            "table": data.warehouse_table_name(mart),
            "source": "warehouse",
            "rows": None if loaded.frame is None else len(loaded.frame),
            "status": loaded.reason or "ok",
        }
    )
for table in data.LAKE_TABLES:
    loaded = data.read_lake(table)
    rows.append(
        {
            "table": table,
            "source": "lake",
            "rows": None if loaded.frame is None else len(loaded.frame),
            "status": loaded.reason or "ok",
        }
    )
st.dataframe(pd.DataFrame(rows), hide_index=True)
