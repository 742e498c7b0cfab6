"""Customer lifetime value (restaurants_mart_customer_ltv): historical and BG/NBD + Gamma-Gamma predicted."""

import pandas as pd
import streamlit as st

from platform_assets.dashboards import data, ui

st.title("Customer lifetime value")
frame = ui.load_mart("mart_customer_ltv", "customer lifetime values")
if frame is None:
    st.stop()
ui.as_of(frame)

start, end = ui.date_range(frame, "first_order_date", key="ltv_cohort", label="First order between")
frame = ui.in_dates(frame, "first_order_date", start, end)
min_alive = st.sidebar.slider("Minimum P(alive)", 0.0, 1.0, 0.0, 0.05, key="ltv_min_alive")
if min_alive > 0:
    frame = frame[frame["p_alive"].fillna(0) >= min_alive]
if frame.empty:
    st.info("No customers match the filters.")
    st.stop()

predicted = frame["predicted_clv_365d"]
ui.metrics(
    [
        ("Customers", ui.count(len(frame))),
        ("Historical CLV", ui.money(frame["historical_clv"].sum())),
        ("Predicted CLV (365d)", ui.money(predicted.sum() if predicted.notna().any() else None)),
        ("Avg P(alive)", ui.percent(frame["p_alive"].mean())),
        ("Expected orders (365d)", ui.ratio(frame["expected_orders_365d"].sum(), 1)),
    ]
)
if frame["p_alive"].isna().all():
    st.warning(
        "The CLV models could not be fitted on this data (too few customers or repeat orders), so the "
        "predicted columns are empty; historical values are shown."
    )
else:
    if predicted.isna().all():
        st.warning(
            "The spend model (Gamma-Gamma) could not be fitted on this data (too few repeat customers, or no "
            "difference in spend between customers): P(alive) and expected orders are shown, predicted value is not."
        )
    st.subheader("Customers by P(alive)")
    buckets = pd.cut(frame["p_alive"], bins=[0, 0.2, 0.4, 0.6, 0.8, 1.0], include_lowest=True)
    st.bar_chart(buckets.astype(str).value_counts().sort_index().rename("customers"))
st.subheader("Calibration vs holdout")
calibration, report = data.read_clv_calibration()
if calibration.frame is None:
    st.info(calibration.reason)
else:
    st.caption(
        f"BG/NBD fitted on the order days before the last 25% of the observed days, predicting each "
        f"customer's repeat order days in them: mean absolute error {report['mae_per_customer']:.2f} per "
        f"customer; predicted {report['predicted_total']:.0f} vs actual {report['actual_total']:.0f} in total."
    )
    st.bar_chart(
        calibration.frame.set_index("calibration_frequency")[["predicted_mean", "actual_mean"]].rename(
            columns={"predicted_mean": "expected (model)", "actual_mean": "actual"}
        )
    )
st.subheader("Top customers by predicted 365-day value")
columns = ["user_id", "orders", "net_revenue", "p_alive", "expected_orders_365d", "predicted_clv_365d"]
top = frame.sort_values(["predicted_clv_365d", "net_revenue"], ascending=False)
st.dataframe(top[columns].head(20), hide_index=True)
