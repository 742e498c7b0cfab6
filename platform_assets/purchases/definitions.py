"""Dagster definitions of the purchases domain: assets, jobs, landing sensors."""

from __future__ import annotations

import dagster as dg

from platform_assets.purchases.assets import assets, bronze_fx_rates, bronze_purchases, silver_fx_rates
from platform_assets.purchases.sources import DOMAIN, FX_RATES, PURCHASES
from sensors.landing import build_landing_sensor

# Everything of the domain for a range of days, in one run (what `omnilake run` launches).
domain_job = dg.define_asset_job(
    name=f"{DOMAIN}_job",
    selection=dg.AssetSelection.groups(DOMAIN),
    tags={"omnilake/domain": DOMAIN},
    description="Every purchases asset for the selected ingestion dates (a range is one run).",
)

# A purchases file: its ingestion date through silver, the summary and the warehouse. The fx files of the
# same dates are (re)ingested in the same run, so the order in which rate and purchase files arrive does
# not matter within a day.
purchases_landing_job = dg.define_asset_job(
    name=f"{DOMAIN}_{PURCHASES.name}_landing_job",
    selection=dg.AssetSelection.assets(*bronze_purchases.keys, *bronze_fx_rates.keys, *silver_fx_rates.keys).downstream(),
    tags={"omnilake/domain": DOMAIN},
    description="Ingest new purchases files and refresh silver, the customer summary and the warehouse.",
)

# A rates file refreshes the rates only: purchases already in silver keep the rate they were converted
# with until their ingestion date is re-run (`omnilake run --domain purchases --from D --to D`).
fx_rates_landing_job = dg.define_asset_job(
    name=f"{DOMAIN}_{FX_RATES.name}_landing_job",
    selection=dg.AssetSelection.assets(*bronze_fx_rates.keys, *silver_fx_rates.keys),
    tags={"omnilake/domain": DOMAIN},
    description="Ingest new fx_rates files into bronze and silver fx_rates.",
)

landing_sensors = [
    build_landing_sensor(PURCHASES, purchases_landing_job),
    build_landing_sensor(FX_RATES, fx_rates_landing_job),
]

defs = dg.Definitions(
    assets=assets, jobs=[domain_job, purchases_landing_job, fx_rates_landing_job], sensors=landing_sensors
)
