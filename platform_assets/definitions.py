"""The Dagster code location of omnilake: every domain, the platform jobs and the resources.

Loading this module starts no Spark and reads no data: resources are configured from the environment
(platform.md, Configuration) and Spark starts inside the first step that needs it.
"""

from __future__ import annotations

import importlib

import dagster as dg

from platform_assets import maintenance, settings
from platform_assets.domains import DOMAINS
from platform_assets.progress import LOGGER, progress_logger
from resources.ihc import ihc_from_env
from resources.lake import LakeResource
from resources.notifier import notifier_from_env
from resources.object_store import ObjectStoreResource
from resources.pii import PiiVault
from resources.secrets import secret_from_env
from resources.spark import engine_from_env
from resources.warehouse import WarehouseResource
from sensors.reload import build_reload_sensor


def resources_from_env() -> dict:
    endpoint = settings.s3_endpoint_url()
    return {
        "spark": engine_from_env(),
        "lake": LakeResource(
            root=settings.lake_root(),
            endpoint_url=endpoint,
            sse_kms_key_id=settings.sse_kms_key_id(),
        ),
        "landing": ObjectStoreResource(
            root=settings.landing_root(), endpoint_url=endpoint, sse_kms_key_id=settings.sse_kms_key_id()
        ),
        "warehouse": WarehouseResource(
            url=secret_from_env("OMNILAKE_WAREHOUSE_URL", settings.warehouse_url())
        ),
        "journeys_db": WarehouseResource(
            url=secret_from_env("OMNILAKE_JOURNEYS_DB_URL", settings.journeys_db_url())
        ),
        "ihc": ihc_from_env(),
        # Without OMNILAKE_PII_KEY the development key tokenises (ingestion warns about it).
        "pii": PiiVault(key=secret_from_env("OMNILAKE_PII_KEY", settings.DEV_PII_KEY)),
        **_glue_catalog_resources(),
        # Where persistent failures are reported: log, SNS topic or Slack webhook (sensors/reload.py).
        "notifier": notifier_from_env(),
    }


def _glue_catalog_resources() -> dict:
    """The Glue Data Catalog resource, only when OMNILAKE_GLUE_CATALOG=1 (docs/aws.md)."""
    if not settings.glue_catalog_enabled():
        return {}
    from resources.glue_catalog import GlueCatalogResource

    return {
        "glue_catalog": GlueCatalogResource(
            region=settings.aws_region(),
            endpoint_url=settings.aws_endpoint_url(),
            database_prefix=settings.glue_database_prefix(),
        )
    }


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    # One SparkSession per run: every step of a run executes in the run's process.
    domains = [importlib.import_module(f"platform_assets.{d}.definitions").defs for d in DOMAINS]
    if settings.glue_catalog_enabled():
        # Gold tables of every domain registered in the Glue Data Catalog (one asset per domain).
        from platform_assets.aws.catalog import catalog_definitions

        domains.append(catalog_definitions(dict(zip(DOMAINS, domains))))
    return dg.Definitions.merge(
        *domains,
        maintenance.defs,
        # A failed run's partition range is reloaded (bounded attempts, backoff), then notified.
        dg.Definitions(sensors=[build_reload_sensor([job for d in domains for job in (d.jobs or [])])]),
        # Resources not given explicitly come from the environment (callers override only what they point
        # elsewhere, e.g. tests that pass spark/lake/landing and never publish to the warehouse).
        dg.Definitions(
            resources={**resources_from_env(), **(resources or {})},
            executor=dg.in_process_executor,
            # The CLI's quiet console (platform_assets/progress.py); the UI keeps Dagster's own.
            loggers={LOGGER: progress_logger, "console": dg.colored_console_logger},
        ),
    )


defs = build_definitions()
