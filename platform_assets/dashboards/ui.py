"""Building blocks shared by the dashboard pages: loading with an explanation, filters, KPI formatting."""

from __future__ import annotations

from datetime import date
from typing import Optional, Sequence

import pandas as pd
import streamlit as st

from platform_assets.dashboards import data
from platform_assets.dashboards.data import Loaded


def money(value) -> str:
    """A money KPI: two decimals with thousands separators ('-' when unknown)."""
    return "-" if value is None or pd.isna(value) else f"{float(value):,.2f}"


def count(value) -> str:
    return "-" if value is None or pd.isna(value) else f"{int(value):,}"


def ratio(value, digits: int = 2) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):,.{digits}f}"


def percent(value) -> str:
    """A share in [0, 1] as a percentage with one decimal."""
    return "-" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def safe_div(numerator, denominator):
    return (
        None if denominator is None or pd.isna(denominator) or denominator == 0 else numerator / denominator
    )


def explain(loaded: Loaded, what: str) -> bool:
    """Show why there is nothing to display (and return True), or return False when there is data."""
    if loaded.frame is None:
        st.info(f"No {what} to show yet. {loaded.reason}")
        return True
    if loaded.frame.empty:
        st.info(f"No {what} to show yet: the table is there but has no rows.")
        return True
    return False


def load_mart(mart: str, what: str) -> Optional[pd.DataFrame]:
    """The mart's rows, or None after the page has said why there are none."""
    loaded = data.read_mart(mart)
    return None if explain(loaded, what) else loaded.frame


def load_lake(table: str, what: str) -> Optional[pd.DataFrame]:
    loaded = data.read_lake(table)
    return None if explain(loaded, what) else loaded.frame


def pick_dates(lo: date, hi: date, *, key: str, label: str = "Dates") -> tuple[date, date]:
    """A sidebar date-range filter from lo to hi; returns the chosen (start, end), inclusive."""
    picked = st.sidebar.date_input(label, value=(lo, hi), min_value=lo, max_value=hi, key=key)
    # While the user is picking, the widget holds one date: filter on that day only.
    if isinstance(picked, (tuple, list)):
        return (tuple(picked) * 2)[:2] if picked else (lo, hi)
    return picked, picked


def date_range(frame: pd.DataFrame, column: str, *, key: str, label: str = "Dates") -> tuple[date, date]:
    """pick_dates over the span of a frame's date column."""
    dates = frame[column].dropna()
    return pick_dates(dates.min().date(), dates.max().date(), key=key, label=label)


def in_dates(frame: pd.DataFrame, column: str, start: date, end: date) -> pd.DataFrame:
    days = frame[column].dt.date
    return frame[(days >= start) & (days <= end)]


def choose(label: str, options: Sequence[str], *, key: str) -> list[str]:
    """A sidebar multiselect (all selected by default); an empty selection means all."""
    options = sorted(str(o) for o in options)
    picked = st.sidebar.multiselect(label, options, default=options, key=key)
    return picked or options


def metrics(values: Sequence[tuple[str, str]], delta: Optional[dict[str, str]] = None) -> None:
    """A row of st.metric KPIs: (label, formatted value) pairs."""
    delta = delta or {}
    for column, (label, value) in zip(st.columns(len(values)), values):
        column.metric(label, value, delta.get(label))


def as_of(frame: pd.DataFrame) -> None:
    """A caption with the mart's as-of date (the latest order day the marts were computed on), if it has one."""
    if "as_of_date" in frame and frame["as_of_date"].notna().any():
        st.caption(f"As of {frame['as_of_date'].max().date()} (the latest order date in the marts).")
