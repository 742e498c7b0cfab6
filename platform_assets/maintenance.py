"""Lake maintenance: compaction, Z-order and vacuum of every Delta table, weekly."""

import os
import shutil
import time

import dagster as dg

from platform_assets.core.conventions import DOMAIN_TAG
from resources.lake import LakeResource

# Tables clustered by a column that readers filter on.
Z_ORDER = {"gold/ecommerce/product_performance": ["product_id"]}


class MaintenanceConfig(dg.Config):
    retention_hours: int = 168
    """Files removed from a table's current version more than this long ago are deleted (time travel window)."""
    staging_max_age_hours: int = 24
    """Staging folders of crashed writes older than this are deleted."""


@dg.op(tags={DOMAIN_TAG: "platform"})
def optimize_and_vacuum(
    context: dg.OpExecutionContext, config: MaintenanceConfig, lake: LakeResource
) -> dg.Output:
    """Compact small files (Z-order where declared), vacuum files past retention, clear stale staging."""
    the_lake = lake.lake()
    report = {}
    for ref in the_lake.list_tables():
        dt = the_lake.delta(ref)
        if ref.path in Z_ORDER:
            metrics = dt.optimize.z_order(Z_ORDER[ref.path])
        else:
            metrics = dt.optimize.compact()
        removed = dt.vacuum(
            retention_hours=config.retention_hours, dry_run=False, enforce_retention_duration=False
        )
        stale = _clear_staging(the_lake.uri(ref), config.staging_max_age_hours) if the_lake.is_local else 0
        report[ref.path] = {
            "files_added": metrics.get("numFilesAdded", 0),
            "files_removed": metrics.get("numFilesRemoved", 0),
            "vacuumed": len(removed),
            "stale_staging": stale,
            "version": dt.version(),
        }
        context.log.info(f"{ref.path}: {report[ref.path]}")
    return dg.Output(None, metadata={"tables": dg.MetadataValue.json(report), "table_count": len(report)})


def _clear_staging(table_uri: str, max_age_hours: int) -> int:
    staging = os.path.join(table_uri, "_staging")
    if not os.path.isdir(staging):
        return 0
    cutoff = time.time() - max_age_hours * 3600
    cleared = 0
    for name in os.listdir(staging):
        path = os.path.join(staging, name)
        if os.path.getmtime(path) < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            cleared += 1
    return cleared


@dg.job(tags={DOMAIN_TAG: "platform"}, description="Optimize, Z-order and vacuum every lake table.")
def lake_maintenance_job():
    optimize_and_vacuum()


weekly_maintenance = dg.ScheduleDefinition(
    job=lake_maintenance_job,
    cron_schedule="0 3 * * 0",
    execution_timezone="UTC",
    description="Sundays 03:00 UTC: compaction, Z-order and vacuum with retention.",
)

defs = dg.Definitions(jobs=[lake_maintenance_job], schedules=[weekly_maintenance])
