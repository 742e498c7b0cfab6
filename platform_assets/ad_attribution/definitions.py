"""Dagster definitions of the ad_attribution domain: assets, jobs, landing sensors, late-event automation.

A file landing in `<landing>/ad_attribution/<source>/<D>/` is picked up by that source's landing sensor,
whose run ingests day D and refreshes everything downstream of it for D (so campaign_roas[D] reflects the
file after one sensor tick and one run). An ad event also counts for the orders of the 7 days after its
own: the automation sensor below refreshes order_attribution and campaign_roas for those days (see
`assets.py` for why this is declarative automation rather than a wider landing run).
"""

from __future__ import annotations

import dagster as dg

from platform_assets.ad_attribution.assets import assets, bronze_assets
from platform_assets.ad_attribution.sources import DOMAIN, SOURCES
from sensors.landing import build_landing_sensor

TAGS = {"omnilake/domain": DOMAIN}

# Everything of the domain for a range of days, in one run (what `omnilake run` launches).
domain_job = dg.define_asset_job(
    name=f"{DOMAIN}_job",
    selection=dg.AssetSelection.groups(DOMAIN),
    tags=TAGS,
    description="Every ad_attribution asset for the selected days (a range is one run).",
)


def _landing_job(source_name: str, bronze: dg.AssetsDefinition) -> dg.UnresolvedAssetJobDefinition:
    # A file refreshes its bronze partitions and everything downstream of them (same days).
    return dg.define_asset_job(
        name=f"{DOMAIN}_{source_name}_landing_job",
        selection=dg.AssetSelection.assets(*bronze.keys).downstream(),
        tags=TAGS,
        description=f"Ingest new {source_name} files and refresh what depends on them.",
    )


landing_jobs = [_landing_job(s.name, b) for s, b in zip(SOURCES, bronze_assets)]
landing_sensors = [build_landing_sensor(s, j) for s, j in zip(SOURCES, landing_jobs)]

# Evaluates the gold assets' `late_upstream` condition: after a late ad event for D has been ingested, it
# requests order_attribution and campaign_roas for D+1..D+7 (D itself was in the landing run). Running by
# default: it only reacts to upstream updates, so it requests nothing until data changes, and without it
# late events would reach day D only. It needs the Dagster daemon (`make dev` starts one).
automation_sensor = dg.AutomationConditionSensorDefinition(
    f"{DOMAIN}_late_events",
    target=dg.AssetSelection.groups(DOMAIN),
    run_tags=TAGS,
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
