"""The one generic Spark entrypoint, run by spark-submit locally and by Glue / EMR on AWS.

It receives a `JobSpec` as the Dagster Pipes extra `omnilake_job`, runs it with the session that launched
it, and reports one materialization per committed table and one result per check back through Pipes.
It imports `dagster_pipes` only (no Dagster), so a job package needs just this project and its Spark deps.
"""

from __future__ import annotations

import sys

from dagster_pipes import PipesContext, open_dagster_pipes

from platform_assets.core.execution import JobSpec, execute
from platform_assets.core.metadata import check_metadata, outputs_metadata

SPEC_EXTRA = "omnilake_job"


def run(pipes: PipesContext) -> None:
    from pyspark.sql import SparkSession

    from platform_assets.core.spark import SESSION_CONF

    spec = JobSpec.from_dict(pipes.get_extra(SPEC_EXTRA))
    spark = SparkSession.builder.appName(f"omnilake:{spec.transform}").getOrCreate()
    for key, value in SESSION_CONF.items():
        if not key.startswith("spark.hadoop."):
            spark.conf.set(key, value)
    result = execute(spark, spec, log=pipes.log.info)
    for outcome in result.checks:
        pipes.report_asset_check(
            check_name=outcome.name,
            passed=outcome.passed,
            severity=outcome.severity,
            metadata=check_metadata(outcome),
            asset_key="/".join(outcome.table.split("/")),
        )
    for table, metadata in outputs_metadata(result, spec.lake).items():
        pipes.report_asset_materialization(asset_key=table, metadata=metadata)


def main() -> int:
    with open_dagster_pipes() as pipes:
        run(pipes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
