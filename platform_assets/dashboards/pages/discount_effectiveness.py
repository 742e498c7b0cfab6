"""Discount effectiveness (restaurants_mart_discount_effectiveness and _by_category)."""

import streamlit as st

from platform_assets.dashboards import ui

st.title("Discount effectiveness")
frame = ui.load_mart("mart_discount_effectiveness", "discount effectiveness")
if frame is not None:
    rows = frame.set_index(frame["is_discounted"].map(lambda d: "discounted" if bool(d) else "full price"))
    orders = frame["orders"].sum()
    disc_aov, full_aov = rows["avg_order_value"].get("discounted"), rows["avg_order_value"].get("full price")
    ui.metrics(
        [
            ("Discounted orders", ui.percent(ui.safe_div(rows["orders"].get("discounted", 0), orders))),
            ("Discount amount", ui.money(frame["discount_amount"].sum())),
            (
                "Discount rate",
                ui.percent(ui.safe_div(frame["discount_amount"].sum(), frame["gross_revenue"].sum())),
            ),
            ("AOV discounted", ui.money(disc_aov)),
            ("AOV full price", ui.money(full_aov)),
        ]
    )
    st.subheader("Orders and revenue, discounted or not")
    st.bar_chart(rows[["net_revenue", "discount_amount"]])
    st.dataframe(frame, hide_index=True)

st.header("By item category")
categories = ui.load_mart("mart_discount_by_category", "discounts by item category")
if categories is not None:
    picked = ui.choose(
        "Item categories", categories["item_category"].dropna().unique(), key="discount_categories"
    )
    categories = categories[categories["item_category"].isin(picked)]
    categories = categories.assign(discounted_share=categories["discounted_lines"] / categories["lines"])
    st.bar_chart(categories.set_index("item_category")["discount_amount"])
    st.dataframe(categories.sort_values("discount_amount", ascending=False), hide_index=True)
