"""Dagster definitions of the ecommerce domain: assets, jobs, landing sensors."""

from __future__ import annotations

import dagster as dg

from platform_assets import jobs
from platform_assets.ecommerce.assets import assets, bronze_assets
from platform_assets.ecommerce.sources import DOMAIN, SOURCES

domain_job = jobs.domain_job(DOMAIN, "Every ecommerce asset for the selected days (a range is one run).")
landing_jobs, landing_sensors = jobs.landing_jobs_and_sensors(SOURCES, bronze_assets)

defs = dg.Definitions(assets=assets, jobs=[domain_job, *landing_jobs], sensors=landing_sensors)
