"""The one generic Spark entrypoint, run by spark-submit locally and by Glue / EMR on AWS.

It receives a `JobSpec` as the Dagster Pipes extra `omnilake_job`, runs it with the session that launched
it, and reports one materialization per committed table and one result per check back through Pipes.
It imports `dagster_pipes` only (no Dagster), so a job package needs just this project and its Spark deps.

The Pipes bootstrap arrives as CLI arguments (Glue job arguments, EMR steps) or environment variables
(spark-submit locally, EMR Serverless driver env, EMR cluster configurations); context and messages go
through files/stdio locally and through S3 on AWS (`PipesS3ContextLoader` / `PipesS3MessageWriter`, chosen
when the bootstrap names a bucket), so no CloudWatch is needed.
"""

from __future__ import annotations

import os
import sys

from dagster_pipes import PipesContext, PipesParamsLoader, open_dagster_pipes

from platform_assets import settings
from platform_assets.core.execution import JobSpec, execute
from platform_assets.core.metadata import check_metadata, outputs_metadata

SPEC_EXTRA = "omnilake_job"
# Set by the orchestrator in the Pipes message params when objects written to S3 must use SSE-KMS.
SSE_KMS_PARAM = "omnilake_sse_kms_key_id"
# Seconds between message chunk uploads to S3 (the last chunk is flushed when the job closes).
S3_MESSAGE_INTERVAL = 5.0


def params_loader() -> PipesParamsLoader:
    """CLI arguments when the job was started with `--dagster-pipes-context`, else environment variables."""
    from dagster_pipes import PipesCliArgsParamsLoader, PipesEnvVarParamsLoader

    cli = PipesCliArgsParamsLoader()
    return cli if cli.is_dagster_pipes_process() else PipesEnvVarParamsLoader()


def open_pipes() -> PipesContext:
    """Open Dagster Pipes with the loader/writer the bootstrap asks for (local files, or S3 on AWS)."""
    from dagster_pipes import PipesS3ContextLoader, PipesS3MessageWriter

    loader = params_loader()
    if not loader.is_dagster_pipes_process():
        return open_dagster_pipes(params_loader=loader)
    context_params = loader.load_context_params()
    message_params = loader.load_messages_params()
    context_loader = message_writer = None
    if "bucket" in context_params or "bucket" in message_params:
        import boto3

        from platform_assets.core.storage import enforce_sse_kms

        # OMNILAKE_S3_ENDPOINT_URL points at a custom endpoint (tests); unset on AWS.
        s3 = boto3.client("s3", endpoint_url=settings.s3_endpoint_url())
        enforce_sse_kms(s3, message_params.get(SSE_KMS_PARAM))
        if "bucket" in context_params:
            context_loader = PipesS3ContextLoader(s3)
        if "bucket" in message_params:
            message_writer = PipesS3MessageWriter(s3, interval=S3_MESSAGE_INTERVAL)
    return open_dagster_pipes(
        params_loader=loader, context_loader=context_loader, message_writer=message_writer
    )


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
            asset_key=outcome.table,
        )
    for table, metadata in outputs_metadata(result, spec.lake).items():
        pipes.report_asset_materialization(asset_key=table, metadata=metadata)
    # What blocked and what was committed, as decided here: Dagster does not decide it again.
    pipes.report_custom_message(result.verdict.to_message())


def main() -> int:
    # Launched from a process that held a Spark Connect session (Sail), the environment may still say
    # Connect mode; this job is classic Spark.
    from platform_assets.core.spark import CONNECT_MODE_ENV

    os.environ.pop(CONNECT_MODE_ENV, None)
    with open_pipes() as pipes:
        run(pipes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
