"""Dagster definitions of the ad_attribution domain: assets, jobs, landing sensors, late-event automation.

A file landing in `<landing>/ad_attribution/<source>/<D>/` is picked up by that source's landing sensor,
whose run ingests day D and refreshes everything downstream of it for D (so campaign_roas[D] reflects the
file after one sensor tick and one run). An ad event also counts for the orders of the 7 days after its
own: the automation sensor below refreshes order_attribution and campaign_roas for those days (see
`assets.py` for why this is declarative automation rather than a wider landing run).
"""

from __future__ import annotations

import dagster as dg

from platform_assets import jobs
from platform_assets.ad_attribution.assets import assets, bronze_assets
from platform_assets.ad_attribution.sources import DOMAIN, SOURCES

domain_job = jobs.domain_job(DOMAIN, "Every ad_attribution asset for the selected days (a range is one run).")
landing_jobs, landing_sensors = jobs.landing_jobs_and_sensors(SOURCES, bronze_assets)

# Evaluates the gold assets' `late_upstream` condition: after a late ad event for D has been ingested, it
# requests order_attribution and campaign_roas for D+1..D+7 (D itself was in the landing run). Running by
# default: it only reacts to upstream updates, so it requests nothing until data changes, and without it
# late events would reach day D only. It needs the Dagster daemon (`make dev` starts one).
automation_sensor = dg.AutomationConditionSensorDefinition(
    f"{DOMAIN}_late_events",
    target=dg.AssetSelection.groups(DOMAIN),
    run_tags=jobs.tags(DOMAIN),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Refreshes order_attribution and campaign_roas for the days an updated upstream partition can "
        "touch (a late ad event for D: D..D+7), as their `late_upstream` automation condition says."
    ),
)

defs = dg.Definitions(
    assets=assets, jobs=[domain_job, *landing_jobs], sensors=[*landing_sensors, automation_sensor]
)
