"""Dagster definitions of the restaurants domain: assets, jobs, landing sensors and the daily schedule."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from platform_assets import jobs
from platform_assets.restaurants.assets import (
    assets,
    bronze_date_dim,
    bronze_order_item_options,
    bronze_order_items,
)
from platform_assets.restaurants.sources import DATE_DIM, DOMAIN, ORDER_ITEM_OPTIONS, ORDER_ITEMS

domain_job = jobs.domain_job(
    DOMAIN, "Every restaurants asset for the selected days (a range is one run), marts and warehouse."
)
landing_jobs, landing_sensors = jobs.landing_jobs_and_sensors(
    (ORDER_ITEMS, ORDER_ITEM_OPTIONS, DATE_DIM),
    (bronze_order_items, bronze_order_item_options, bronze_date_dim),
)


@dg.schedule(
    name=f"{DOMAIN}_daily_schedule",
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    job=domain_job,
    description="Every day at 02:00 UTC: the previous day's partition through silver, the marts and the warehouse.",
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return dg.RunRequest(run_key=f"{DOMAIN}-{day}", partition_key=day, tags=jobs.tags(DOMAIN))


defs = dg.Definitions(
    assets=assets, jobs=[domain_job, *landing_jobs], sensors=landing_sensors, schedules=[daily_schedule]
)
