"""The Streamlit dashboards: every page with no data (an explanation, no exception) and with small
hand-made marts in a real SQLite warehouse and gold Delta tables in a real lake (KPIs checked against the
data); once in a real headless Chromium against `omnilake dashboards`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from platform_assets.dashboards import APP

PAGES = APP.parent / "pages"
ALL_PAGES = sorted(p.name for p in PAGES.glob("*.py") if p.name != "__init__.py")


@pytest.fixture
def dashboards_env(omnilake_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OMNILAKE_WAREHOUSE_URL", raising=False)
    return omnilake_home


def run_page(name: str, *, setup=None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGES / name), default_timeout=60)
    at.run()
    if setup is not None:
        setup(at)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def kpis(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def infos(at) -> str:
    return " ".join(i.value for i in at.info)


# ---------------------------------------------------------------------------------------------------------
# No data yet
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_explains_when_there_is_no_data(dashboards_env: Path, page: str):
    at = run_page(page)
    text = infos(at)
    assert "yet" in text, text
    if page in ("ad_roas.py", "channel_reporting.py", "data_quality.py"):
        assert "has not been materialized yet" in text
    else:
        assert "has not been created yet" in text and "omnilake demo" in text
    # Reading must not create an empty warehouse as a side effect.
    assert not (dashboards_env / "warehouse.db").exists()


def test_missing_and_empty_tables_are_explained(dashboards_env: Path):
    from resources.warehouse import WarehouseResource

    warehouse = WarehouseResource(url=f"sqlite:///{dashboards_env}/warehouse.db")
    warehouse.replace_table(
        "restaurants_mart_churn_indicators", pa.table({"user_id": pa.array([], pa.string())})
    )
    assert "is not in the warehouse" in infos(run_page("customer_ltv.py"))
    assert "has no rows" in infos(run_page("churn_indicators.py"))


def test_unreachable_warehouse_is_explained_without_its_password(dashboards_env, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(
        "OMNILAKE_WAREHOUSE_URL", f"postgresql+psycopg://omni:s3cret-pw@127.0.0.1:{port}/wh?connect_timeout=2"
    )
    pytest.importorskip("psycopg")
    at = run_page("loyalty_impact.py")
    text = infos(at)
    assert "could not be read: OperationalError" in text
    assert "s3cret-pw" not in text and "***" in text


# ---------------------------------------------------------------------------------------------------------
# Small hand-made marts
# ---------------------------------------------------------------------------------------------------------
D = date.fromisoformat

MARTS = {
    "mart_sales_trends": pa.table(
        {
            "date": pa.array(
                [D("2025-01-01"), D("2025-01-02"), D("2025-01-03"), D("2025-01-04")], pa.date32()
            ),
            "orders": [10, 5, 0, 4],
            "items": [20, 9, 0, 6],
            "net_revenue": [100.5, 50.25, 0.0, 40.0],
            "discount_amount": [5.0, 0.0, 0.0, 2.0],
            "avg_order_value": [10.05, 10.05, None, 10.0],
            "customers": [8, 4, 0, 3],
            "revenue_7d_avg": [14.357, 21.536, 21.536, 27.25],
            "revenue_wow_pct": pa.array([None, None, None, None], pa.float64()),
            "is_weekend": [False, False, False, True],
            "is_holiday": [True, False, False, False],
            "holiday_name": ["New Year's Day", None, None, None],
        }
    ),
    "mart_customer_ltv": pa.table(
        {
            "user_id": ["u1", "u2", "u3"],
            "first_order_date": pa.array([D("2025-01-01"), D("2025-01-02"), D("2025-01-04")], pa.date32()),
            "last_order_date": pa.array([D("2025-01-04"), D("2025-01-02"), D("2025-01-04")], pa.date32()),
            "orders": [3, 1, 1],
            "net_revenue": [100.0, 50.0, 25.0],
            "avg_order_value": [33.33, 50.0, 25.0],
            "tenure_days": [3, 2, 0],
            "historical_clv": [100.0, 50.0, 25.0],
            "p_alive": [0.9, 0.5, 0.1],
            "expected_orders_365d": [6.0, 1.5, 0.5],
            "predicted_clv_365d": [200.0, 20.0, None],
            "as_of_date": pa.array([D("2025-01-04")] * 3, pa.date32()),
        }
    ),
    "mart_customer_segments": pa.table(
        {
            "user_id": ["u1", "u2", "u3", "u4"],
            "recency_days": [1, 3, 60, 2],
            "frequency": [9, 7, 1, 1],
            "monetary": [300.0, 200.0, 10.0, 15.5],
            "r_score": [5, 5, 1, 5],
            "f_score": [5, 4, 1, 1],
            "m_score": [5, 4, 1, 2],
            "segment": ["champions", "champions", "hibernating", "new_customers"],
        }
    ),
    "mart_churn_indicators": pa.table(
        {
            "user_id": ["u1", "u2", "u3", "u4"],
            "last_order_date": pa.array(
                [D("2025-06-01"), D("2025-04-20"), D("2025-01-01"), D("2025-02-01")], pa.date32()
            ),
            "days_since_last_order": [0, 42, 151, 120],
            "orders": [9, 3, 1, 2],
            "avg_days_between_orders": [10.0, 12.0, None, 20.0],
            "spend_last_90d": [120.0, 30.0, 0.0, 0.0],
            "spend_prev_90d": [80.0, 10.0, 5.0, 5.0],
            "churn_status": ["active", "at_risk", "high_risk", "high_risk"],
        }
    ),
    "mart_loyalty_impact": pa.table(
        {
            "is_loyalty_member": [True, False],
            "customers": [3, 7],
            "orders": [12, 9],
            "net_revenue": [300.0, 100.0],
            "avg_order_value": [25.0, 11.11],
            "orders_per_customer": [4.0, 1.29],
            "revenue_per_customer": [100.0, 14.29],
            "repeat_customer_rate": [0.6667, 0.2857],
        }
    ),
    "mart_location_performance": pa.table(
        {
            "restaurant_id": ["r-2", "r-1", "r-3"],
            "orders": [10, 20, 5],
            "items": [15, 30, 5],
            "customers": [8, 12, 5],
            "net_revenue": [150.0, 300.0, 50.0],
            "avg_order_value": [15.0, 15.0, 10.0],
            "discount_rate": [0.05, 0.02, 0.0],
            "revenue_share": [0.3, 0.6, 0.1],
            "revenue_rank": [2, 1, 3],
        }
    ),
    "mart_discount_effectiveness": pa.table(
        {
            "is_discounted": [True, False],
            "orders": [5, 15],
            "gross_revenue": [110.0, 290.0],
            "discount_amount": [10.0, 0.0],
            "net_revenue": [100.0, 290.0],
            "avg_order_value": [20.0, 19.33],
            "avg_items_per_order": [2.0, 1.5],
            "revenue_share": [0.2564, 0.7436],
        }
    ),
    "mart_discount_by_category": pa.table(
        {
            "item_category": ["Burgers", "Drinks"],
            "discounted_lines": [4, 1],
            "lines": [20, 10],
            "discount_amount": [8.0, 2.0],
            "net_revenue": [200.0, 50.0],
        }
    ),
}


def _money(values, scale):
    return pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(18, scale))


CAMPAIGN_ROAS = pa.table(
    {
        "campaign_id": ["c1", "c2", None, "c1", None],
        "channel": ["google", "meta", None, "google", None],
        "impressions": [100, 50, 0, 80, 0],
        "clicks": [10, 5, 0, 8, 0],
        "spend": _money(["10.000000", "5.000000", "0", "20.000000", "0"], 6),
        "attributed_orders": [3, 1, 4, 2, 1],
        "attributed_revenue": _money(["40.00", "7.50", "33.00", "30.00", "9.00"], 2),
        "roas": [4.0, 1.5, None, 1.5, None],
        "cpa": _money(["3.333333", "5.000000", None, "10.000000", None], 6),
        "dt": ["2025-01-01", "2025-01-01", "2025-01-01", "2025-01-02", "2025-01-02"],
    }
)
CHANNEL_REPORTING = pa.table(
    {
        "channel_name": ["Email", "SEA", "Email", "SEA"],
        "date": ["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-02"],  # a string, as journeys writes it
        "cost": [10.0, 40.0, 10.0, 40.0],
        "ihc": [2.5, 1.5, 0.5, 3.5],
        "ihc_revenue": [100.0, 60.0, 20.0, 140.0],
        "cpo": [4.0, 26.67, 20.0, 11.43],
        "roas": [10.0, 1.5, 2.0, 3.5],
    }
)


@pytest.fixture
def populated(dashboards_env: Path) -> Path:
    from platform_assets import settings
    from platform_assets.core.lake import Lake
    from resources.warehouse import WarehouseResource

    warehouse = WarehouseResource(url=settings.warehouse_url())
    for mart, table in MARTS.items():
        warehouse.replace_table(f"restaurants_{mart}", table)
    lake = Lake(settings.lake_root())
    lake.write_arrow(CAMPAIGN_ROAS, "gold/ad_attribution/campaign_roas", None, partitioned=True)
    lake.write_arrow(CHANNEL_REPORTING, "gold/journeys/channel_reporting", None, partitioned=False)
    return dashboards_env


def test_sales_trends(populated):
    at = run_page("sales_trends.py")
    assert kpis(at) == {
        "Net revenue": "190.75",
        "Orders": "19",
        "Avg order value": "10.04",  # 190.75 / 19
        "Discounts": "7.00",
        "Days": "4",
    }
    assert "New Year's Day" in at.dataframe[0].value["holiday_name"].tolist()

    def later_dates(at):
        at.date_input(key="sales_dates").set_value((D("2025-01-02"), D("2025-01-04")))

    at = run_page("sales_trends.py", setup=later_dates)
    assert kpis(at)["Net revenue"] == "90.25" and kpis(at)["Orders"] == "9" and kpis(at)["Days"] == "3"

    at = run_page("sales_trends.py", setup=lambda at: at.radio(key="sales_days").set_value("Weekends"))
    assert kpis(at)["Net revenue"] == "40.00" and kpis(at)["Days"] == "1"


def test_customer_ltv(populated):
    at = run_page("customer_ltv.py")
    assert kpis(at) == {
        "Customers": "3",
        "Historical CLV": "175.00",
        "Predicted CLV (365d)": "220.00",
        "Avg P(alive)": "50.0%",
        "Expected orders (365d)": "8.0",
    }
    assert at.caption[0].value.startswith("As of 2025-01-04")
    at = run_page("customer_ltv.py", setup=lambda at: at.slider(key="ltv_min_alive").set_value(0.4))
    assert kpis(at)["Customers"] == "2" and kpis(at)["Historical CLV"] == "150.00"


@pytest.mark.parametrize(
    "nulled, warning",
    [
        (["predicted_clv_365d"], "The spend model (Gamma-Gamma) could not be fitted"),
        (["p_alive", "expected_orders_365d", "predicted_clv_365d"], "The CLV models could not be fitted"),
    ],
)
def test_customer_ltv_without_a_model_fit(dashboards_env, nulled, warning):
    from platform_assets import settings
    from resources.warehouse import WarehouseResource

    table = MARTS["mart_customer_ltv"]
    for column in nulled:
        table = table.set_column(
            table.schema.get_field_index(column), column, pa.array([None] * 3, pa.float64())
        )
    WarehouseResource(url=settings.warehouse_url()).replace_table("restaurants_mart_customer_ltv", table)
    at = run_page("customer_ltv.py")
    assert kpis(at)["Predicted CLV (365d)"] == "-" and kpis(at)["Historical CLV"] == "175.00"
    assert len(at.warning) == 1 and warning in at.warning[0].value


def test_customer_segments(populated):
    at = run_page("customer_segments.py")
    assert kpis(at) == {
        "Customers": "4",
        "Net revenue": "525.50",
        "Avg recency (days)": "16.5",
        "Avg orders": "4.50",
    }
    at = run_page(
        "customer_segments.py", setup=lambda at: at.multiselect(key="rfm_segments").set_value(["champions"])
    )
    assert kpis(at)["Customers"] == "2" and kpis(at)["Net revenue"] == "500.00"


def test_churn_indicators(populated):
    at = run_page("churn_indicators.py")
    assert kpis(at) == {
        "Customers": "4",
        "High risk": "50.0%",
        "At risk": "25.0%",
        "Spend last 90d": "150.00",
        "Spend previous 90d": "100.00",
    }
    spend = next(m for m in at.metric if m.label == "Spend last 90d")
    assert spend.delta == "50.0%"


def test_loyalty_impact(populated):
    at = run_page("loyalty_impact.py")
    assert kpis(at) == {
        "Loyalty members": "3",
        "Member revenue share": "75.0%",
        "Member AOV": "25.00",
        "Non-member AOV": "11.11",
        "Member repeat rate": "66.7%",
    }


def test_location_performance(populated):
    at = run_page("location_performance.py")
    assert kpis(at) == {
        "Restaurants": "3",
        "Net revenue": "500.00",
        "Orders": "35",
        "Avg order value": "14.29",
        "Top restaurant": "r-1",
    }
    at = run_page(
        "location_performance.py",
        setup=lambda at: at.multiselect(key="location_ids").set_value(["r-2", "r-3"]),
    )
    assert kpis(at)["Top restaurant"] == "r-2" and kpis(at)["Net revenue"] == "200.00"


def test_discount_effectiveness(populated):
    at = run_page("discount_effectiveness.py")
    assert kpis(at) == {
        "Discounted orders": "25.0%",
        "Discount amount": "10.00",
        "Discount rate": "2.5%",
        "AOV discounted": "20.00",
        "AOV full price": "19.33",
    }
    categories = at.dataframe[1].value
    assert categories["item_category"].tolist() == ["Burgers", "Drinks"]
    assert categories["discounted_share"].tolist() == [0.2, 0.1]


def test_ad_roas_from_the_lake(populated):
    at = run_page("ad_roas.py")
    # Campaign rows only: spend 35, revenue 77.50 over 6 orders; the unattributed 5 orders are apart.
    assert kpis(at) == {
        "Spend": "35.00",
        "Attributed revenue": "77.50",
        "ROAS": "2.21",
        "Attributed orders": "6",
        "CPA": "5.83",
    }
    assert "5 orders, 42.00 revenue" in at.caption[0].value
    at = run_page("ad_roas.py", setup=lambda at: at.multiselect(key="roas_channels").set_value(["meta"]))
    assert kpis(at)["Spend"] == "5.00" and kpis(at)["ROAS"] == "1.50"
    at = run_page(
        "ad_roas.py",
        setup=lambda at: at.date_input(key="roas_dates").set_value((D("2025-01-02"), D("2025-01-02"))),
    )
    assert kpis(at)["Spend"] == "20.00" and kpis(at)["Attributed revenue"] == "30.00"


def test_channel_reporting_from_the_lake(populated):
    at = run_page("channel_reporting.py")
    assert kpis(at) == {
        "Cost": "100.00",
        "IHC conversions": "8.0",
        "IHC revenue": "320.00",
        "CPO": "12.50",
        "ROAS": "3.20",
    }
    at = run_page(
        "channel_reporting.py", setup=lambda at: at.multiselect(key="channel_names").set_value(["Email"])
    )
    assert kpis(at)["Cost"] == "20.00" and kpis(at)["ROAS"] == "6.00"


def test_overview_through_the_app_navigation(populated):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert kpis(at) == {
        "Net revenue": "190.75",
        "Orders": "19",
        "Avg order value": "10.04",
        "Discounts": "7.00",
    }
    status = at.dataframe[0].value
    assert status["rows"].tolist() == [3, 4, 4, 4, 2, 3, 2, 2, 5, 4]
    assert set(status["status"]) == {"ok"}
    at.switch_page(str(PAGES / "location_performance.py")).run()
    assert not at.exception and kpis(at)["Top restaurant"] == "r-1"


# ---------------------------------------------------------------------------------------------------------
# `omnilake dashboards` serves the app (checked over HTTP, without a browser)
# ---------------------------------------------------------------------------------------------------------
def _start_dashboards(port: int, log_path: Path) -> subprocess.Popen:
    omnilake = Path(sys.executable).with_name("omnilake")
    command = [str(omnilake)] if omnilake.exists() else [sys.executable, "-m", "platform_assets.cli"]
    with log_path.open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [*command, "dashboards", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )


def _wait_healthy(server: subprocess.Popen, port: int, log_path: Path, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, log_path.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not become healthy on port {port}: {log_path.read_text()}")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()  # the CLI exec'd into Streamlit: this stops the server itself
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def test_omnilake_dashboards_serves_the_app(dashboards_env, tmp_path):
    import urllib.request

    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    server = _start_dashboards(port, log_path)
    try:
        _wait_healthy(server, port, log_path)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
    finally:
        _stop(server)
    assert server.returncode is not None
    assert f"omnilake dashboards on http://127.0.0.1:{port}/" in log_path.read_text()


# ---------------------------------------------------------------------------------------------------------
# Once in a real browser: `omnilake dashboards` served on 127.0.0.1, loaded by headless Chromium.
# ---------------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dashboards_in_a_headless_browser(populated, tmp_path):
    from conftest import headless_chrome
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    server = _start_dashboards(port, log_path)
    try:
        _wait_healthy(server, port, log_path)
        with headless_chrome() as chrome:
            chrome.get(f"http://127.0.0.1:{port}/")
            metric = '[data-testid="stMetricValue"]'
            WebDriverWait(chrome, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, metric)) >= 4)
            labels = [e.text for e in chrome.find_elements(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]')]
            values = [e.text for e in chrome.find_elements(By.CSS_SELECTOR, metric)]
            assert dict(zip(labels, values))["Net revenue"] == "190.75"
            # A second page through its URL: the restaurants page renders its KPI too.
            chrome.get(f"http://127.0.0.1:{port}/location_performance")
            WebDriverWait(chrome, 60).until(
                lambda d: "r-1" in [e.text for e in d.find_elements(By.CSS_SELECTOR, metric)]
            )
            assert not chrome.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    finally:
        _stop(server)
