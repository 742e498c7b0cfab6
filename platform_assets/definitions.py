"""The Dagster code location of omnilake: every domain, the platform jobs and the resources.

Loading this module starts no Spark and reads no data: resources are configured from the environment
(platform.md, Configuration) and Spark starts inside the first step that needs it.
"""

from __future__ import annotations

import importlib

import dagster as dg

from platform_assets import maintenance, settings
from platform_assets.domains import DOMAINS
from resources.lake import LakeResource
from resources.object_store import ObjectStoreResource
from resources.spark import SparkRunner
from resources.warehouse import WarehouseResource


def resources_from_env() -> dict:
    endpoint = settings.s3_endpoint_url()
    # The warehouse URL may carry a password: when it is set it stays an EnvVar, never a plain value.
    warehouse = dg.EnvVar("OMNILAKE_WAREHOUSE_URL") if settings.warehouse_url_is_set() else settings.warehouse_url()
    return {
        "spark": SparkRunner(mode=settings.spark_mode()),
        "lake": LakeResource(root=settings.lake_root(), endpoint_url=endpoint),
        "landing": ObjectStoreResource(
            root=settings.landing_root(), endpoint_url=endpoint, sse_kms_key_id=settings.sse_kms_key_id()
        ),
        "warehouse": WarehouseResource(url=warehouse),
    }


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    # One SparkSession per run: every step of a run executes in the run's process.
    domains = [importlib.import_module(f"platform_assets.{d}.definitions").defs for d in DOMAINS]
    return dg.Definitions.merge(
        *domains,
        maintenance.defs,
        # Resources not given explicitly come from the environment (callers override only what they point
        # elsewhere, e.g. tests that pass spark/lake/landing and never publish to the warehouse).
        dg.Definitions(resources={**resources_from_env(), **(resources or {})}, executor=dg.in_process_executor),
    )


defs = build_definitions()
