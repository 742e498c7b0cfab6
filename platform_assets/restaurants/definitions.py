"""Dagster definitions of the restaurants domain: assets, jobs, landing sensors and the daily schedule."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from platform_assets.restaurants.assets import (
    assets,
    bronze_date_dim,
    bronze_order_item_options,
    bronze_order_items,
)
from platform_assets.restaurants.sources import DATE_DIM, DOMAIN, ORDER_ITEM_OPTIONS, ORDER_ITEMS
from sensors.landing import build_landing_sensor

# Everything of the domain for a range of days, in one run (what `omnilake run` and the schedule launch).
domain_job = dg.define_asset_job(
    name=f"{DOMAIN}_job",
    selection=dg.AssetSelection.groups(DOMAIN),
    tags={"omnilake/domain": DOMAIN},
    description="Every restaurants asset for the selected days (a range is one run), marts and warehouse.",
)


def _landing_job(source_name: str, bronze: dg.AssetsDefinition) -> dg.UnresolvedAssetJobDefinition:
    # A file refreshes its bronze partitions and everything downstream of them (silver, marts, warehouse).
    return dg.define_asset_job(
        name=f"{DOMAIN}_{source_name}_landing_job",
        selection=dg.AssetSelection.assets(*bronze.keys).downstream(),
        tags={"omnilake/domain": DOMAIN},
        description=f"Ingest new {source_name} files and refresh what depends on them.",
    )


landing_jobs = [
    _landing_job(s.name, b)
    for s, b in ((ORDER_ITEMS, bronze_order_items), (ORDER_ITEM_OPTIONS, bronze_order_item_options), (DATE_DIM, bronze_date_dim))
]
landing_sensors = [
    build_landing_sensor(s, j) for s, j in zip((ORDER_ITEMS, ORDER_ITEM_OPTIONS, DATE_DIM), landing_jobs)
]


@dg.schedule(
    name=f"{DOMAIN}_daily_schedule",
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    job=domain_job,
    description="Every day at 02:00 UTC: the previous day's partition through silver, the marts and the warehouse.",
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return dg.RunRequest(run_key=f"{DOMAIN}-{day}", partition_key=day, tags={"omnilake/domain": DOMAIN})


defs = dg.Definitions(assets=assets, jobs=[domain_job, *landing_jobs], sensors=landing_sensors, schedules=[daily_schedule])
