"""The jobs every domain has: the whole domain over a range of days (what `omnilake run`, schedules and
reloads launch), and per landing source a job that a file's sensor starts (its bronze and downstream)."""

from __future__ import annotations

from typing import Sequence

import dagster as dg

from platform_assets.core.conventions import DOMAIN_TAG
from platform_assets.core.sources import Source
from sensors.landing import build_landing_sensor


def tags(domain: str) -> dict[str, str]:
    # The run queue limits concurrent runs per domain by this tag (platform_assets/dagster.yaml).
    return {DOMAIN_TAG: domain}


def domain_job(domain: str, description: str) -> dg.UnresolvedAssetJobDefinition:
    """`<domain>_job`: every asset of the domain's group; a range of days is one run (single-run backfill)."""
    return dg.define_asset_job(
        name=f"{domain}_job",
        selection=dg.AssetSelection.groups(domain),
        tags=tags(domain),
        description=description,
    )


def landing_job(
    source: Source, selection: dg.AssetSelection, description: str | None = None
) -> dg.UnresolvedAssetJobDefinition:
    """`<domain>_<source>_landing_job` over `selection` (the days come from the sensor's run request)."""
    return dg.define_asset_job(
        name=f"{source.domain}_{source.name}_landing_job",
        selection=selection,
        tags=tags(source.domain),
        description=description or f"Ingest new {source.name} files and refresh what depends on them.",
    )


def landing_jobs_and_sensors(
    sources: Sequence[Source], bronze_assets: Sequence[dg.AssetsDefinition]
) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.SensorDefinition]]:
    """Per source: a file refreshes its bronze partitions and everything downstream of them (same days)."""
    jobs = [
        landing_job(s, dg.AssetSelection.assets(*b.keys).downstream()) for s, b in zip(sources, bronze_assets)
    ]
    return jobs, [build_landing_sensor(s, j) for s, j in zip(sources, jobs)]
