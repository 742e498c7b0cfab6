"""Dagster definitions of the ecommerce domain: assets, jobs, landing sensors."""

from __future__ import annotations

import dagster as dg

from platform_assets.ecommerce.assets import assets, bronze_assets
from platform_assets.ecommerce.sources import DOMAIN, SOURCES
from sensors.landing import build_landing_sensor

# Everything of the domain for a range of days, in one run (what `omnilake run` launches).
domain_job = dg.define_asset_job(
    name=f"{DOMAIN}_job",
    selection=dg.AssetSelection.groups(DOMAIN),
    tags={"omnilake/domain": DOMAIN},
    description="Every ecommerce asset for the selected days (a range is one run).",
)


def _landing_job(source_name: str, bronze: dg.AssetsDefinition) -> dg.UnresolvedAssetJobDefinition:
    # A file refreshes its bronze partitions and everything downstream of them.
    return dg.define_asset_job(
        name=f"{DOMAIN}_{source_name}_landing_job",
        selection=dg.AssetSelection.assets(*bronze.keys).downstream(),
        tags={"omnilake/domain": DOMAIN},
        description=f"Ingest new {source_name} files and refresh what depends on them.",
    )


landing_jobs = [_landing_job(s.name, b) for s, b in zip(SOURCES, bronze_assets)]
landing_sensors = [build_landing_sensor(s, j) for s, j in zip(SOURCES, landing_jobs)]

defs = dg.Definitions(assets=assets, jobs=[domain_job, *landing_jobs], sensors=landing_sensors)
