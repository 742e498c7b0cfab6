"""Dagster definitions of the journeys domain: its assets and `journeys_job`.

No landing sensor: the source is a database. `omnilake run --domain journeys` (or a schedule of the
deployment's choosing) runs the job over the dates the source holds (`platform_assets.journeys.
partition_dates`); a range of days is one run.
"""

import dagster as dg

from platform_assets import jobs
from platform_assets.journeys.assets import assets
from platform_assets.journeys.sources import DOMAIN

domain_job = jobs.domain_job(
    DOMAIN, "Extract, build journeys, attribute, report, export and write back, for the selected days."
)

defs = dg.Definitions(assets=assets, jobs=[domain_job])
