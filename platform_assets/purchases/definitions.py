"""Dagster definitions of the purchases domain: assets, jobs, landing sensors."""

from __future__ import annotations

import dagster as dg

from platform_assets import jobs
from platform_assets.purchases.assets import assets, bronze_fx_rates, bronze_purchases, silver_fx_rates
from platform_assets.purchases.sources import DOMAIN, FX_RATES, PURCHASES
from sensors.landing import build_landing_sensor

domain_job = jobs.domain_job(
    DOMAIN, "Every purchases asset for the selected ingestion dates (a range is one run)."
)

# A purchases file: its ingestion date through silver, the summary and the warehouse. The fx files of the
# same dates are (re)ingested in the same run, so the order in which rate and purchase files arrive does
# not matter within a day.
purchases_landing_job = jobs.landing_job(
    PURCHASES,
    dg.AssetSelection.assets(
        *bronze_purchases.keys, *bronze_fx_rates.keys, *silver_fx_rates.keys
    ).downstream(),
    "Ingest new purchases files and refresh silver, the customer summary and the warehouse.",
)

# A rates file refreshes the rates only: purchases already in silver keep the rate they were converted
# with until their ingestion date is re-run (`omnilake run --domain purchases --from D --to D`).
fx_rates_landing_job = jobs.landing_job(
    FX_RATES,
    dg.AssetSelection.assets(*bronze_fx_rates.keys, *silver_fx_rates.keys),
    "Ingest new fx_rates files into bronze and silver fx_rates.",
)

landing_sensors = [
    build_landing_sensor(PURCHASES, purchases_landing_job),
    build_landing_sensor(FX_RATES, fx_rates_landing_job),
]

defs = dg.Definitions(
    assets=assets, jobs=[domain_job, purchases_landing_job, fx_rates_landing_job], sensors=landing_sensors
)
