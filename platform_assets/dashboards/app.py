"""Entry point of the omnilake dashboards (`omnilake dashboards`, or `streamlit run` on this file)."""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="omnilake dashboards", layout="wide")

navigation = st.navigation(
    {
        "omnilake": [st.Page(PAGES / "overview.py", title="Overview", default=True)],
        "Restaurants": [
            st.Page(PAGES / "sales_trends.py", title="Sales trends"),
            st.Page(PAGES / "customer_ltv.py", title="Customer lifetime value"),
            st.Page(PAGES / "customer_segments.py", title="Customer segments (RFM)"),
            st.Page(PAGES / "churn_indicators.py", title="Churn indicators"),
            st.Page(PAGES / "loyalty_impact.py", title="Loyalty impact"),
            st.Page(PAGES / "location_performance.py", title="Location performance"),
            st.Page(PAGES / "discount_effectiveness.py", title="Discount effectiveness"),
        ],
        "Marketing": [
            st.Page(PAGES / "ad_roas.py", title="Ad ROAS"),
            st.Page(PAGES / "channel_reporting.py", title="Channel report (journeys)"),
        ],
        "Platform": [st.Page(PAGES / "data_quality.py", title="Data quality")],
    }
)
navigation.run()
