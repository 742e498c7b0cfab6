"""The Spark runner: where an omnilake Spark job runs.

`local` runs the job in this process on one lazily created SparkSession, shared by every step of the run
(the code location uses the in-process executor). `subprocess` runs the very same job out of process with
spark-submit and the generic entrypoint, through Dagster Pipes: exactly the path Glue and EMR take.
`glue`, `emr-serverless` and `emr` launch that entrypoint, packaged by `omnilake aws package`, on AWS with
Pipes context and messages over S3 (platform_assets/aws/runners.py, docs/aws.md).
"""

from __future__ import annotations

import os
import sys
from importlib import util
from pathlib import Path
from typing import Iterator, Optional, Union

import dagster as dg
from pydantic import Field

from platform_assets.core.execution import JobSpec
from platform_assets.core.spark import submit_conf_args

Result = Union[dg.MaterializeResult, dg.AssetCheckResult]
PIPES_MODES = ("subprocess",)
AWS_MODES = ("glue", "emr-serverless", "emr")


class SparkRunner(dg.ConfigurableResource):
    """Runs a `JobSpec` and returns what it materialized and checked, the same way in every mode."""

    mode: str = Field(default="local", description="local | subprocess | glue | emr-serverless | emr")
    master: str = Field(default="local[2]", description="Spark master for local and subprocess modes")
    spark_conf: dict[str, str] = Field(default_factory=dict, description="extra Spark settings")
    # ---- AWS modes (docs/aws.md) ----
    region: Optional[str] = Field(default=None, description="AWS region of the Glue/EMR/S3 clients")
    endpoint_url: Optional[str] = Field(default=None, description="custom AWS endpoint (tests: moto)")
    artifacts_uri: Optional[str] = Field(
        default=None, description="s3:// folder of the job package printed by `omnilake aws package`"
    )
    pipes_s3_uri: Optional[str] = Field(default=None, description="s3://bucket/prefix for Pipes context/messages")
    sse_kms_key_id: Optional[str] = Field(default=None, description="KMS key for the Pipes objects on S3")
    role_arn: Optional[str] = Field(
        default=None, description="EMR Serverless execution role / EMR service role ARN"
    )
    glue_job_name: Optional[str] = Field(default=None, description="Glue job running the entrypoint")
    emr_serverless_application_id: Optional[str] = Field(default=None, description="EMR Serverless application")
    emr_cluster_id: Optional[str] = Field(
        default=None, description="running EMR cluster to add steps to; unset: a transient cluster per step"
    )
    emr_release_label: str = Field(default="emr-7.5.0", description="release of transient EMR clusters")
    emr_instance_type: str = Field(default="m5.xlarge", description="instance type of transient EMR clusters")
    emr_instance_profile: str = Field(default="EMR_EC2_DefaultRole", description="EC2 instance profile of EMR")
    emr_service_role: str = Field(
        default="EMR_DefaultRole", description="service role of transient EMR clusters (RunJobFlow ServiceRole)"
    )
    emr_log_uri: Optional[str] = Field(default=None, description="s3:// URI for EMR / EMR Serverless logs")
    poll_interval: float = Field(default=15.0, description="seconds between job status polls")
    message_interval: float = Field(default=10.0, description="seconds between Pipes message downloads")

    def run(self, context: dg.AssetExecutionContext, spec: JobSpec) -> list[Result]:
        if self.mode == "local":
            return list(self._run_local(context, spec))
        if self.mode == "subprocess":
            return self._run_subprocess(context, spec)
        if self.mode in AWS_MODES:
            from platform_assets.aws.runners import run_on_aws

            return run_on_aws(self, context, spec)
        raise dg.Failure(f"unknown Spark runner mode {self.mode!r}")

    def _run_local(self, context: dg.AssetExecutionContext, spec: JobSpec) -> Iterator[Result]:
        from platform_assets.core.execution import execute
        from platform_assets.core.metadata import check_metadata, outputs_metadata
        from platform_assets.core.spark import local_session

        spark = local_session(self.master, self.spark_conf)
        result = execute(spark, spec, log=context.log.info)
        for outcome in result.checks:
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(outcome.table.split("/")),
                check_name=outcome.name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity(outcome.severity),
                metadata=to_dagster_metadata(check_metadata(outcome)),
            )
        for table, metadata in outputs_metadata(result, spec.lake).items():
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(table.split("/")), metadata=to_dagster_metadata(metadata)
            )

    def _run_subprocess(self, context: dg.AssetExecutionContext, spec: JobSpec) -> list[Result]:
        from platform_assets.core.entrypoint import SPEC_EXTRA

        command = [
            spark_submit(),
            "--master",
            self.master,
            "--name",
            f"omnilake:{spec.transform}",
            *submit_conf_args(self.spark_conf),
            "--conf",
            f"spark.pyspark.python={sys.executable}",
            "--conf",
            f"spark.pyspark.driver.python={sys.executable}",
            entrypoint_path(),
        ]
        env = {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
        client = dg.PipesSubprocessClient()
        invocation = client.run(context=context, command=command, extras={SPEC_EXTRA: spec.to_dict()}, env=env)
        return list(invocation.get_results())


def spark_submit() -> str:
    """spark-submit of the installed pyspark (SPARK_HOME wins when set)."""
    home = os.environ.get("SPARK_HOME")
    if home:
        return str(Path(home) / "bin" / "spark-submit")
    spec = util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise dg.Failure("pyspark is not installed: spark-submit is unavailable")
    return str(Path(spec.origin).parent / "bin" / "spark-submit")


def entrypoint_path() -> str:
    spec = util.find_spec("platform_assets.core.entrypoint")
    assert spec is not None and spec.origin is not None
    return spec.origin


def to_dagster_metadata(metadata: dict[str, dict]) -> dict[str, dg.MetadataValue]:
    """Pipes-format metadata ({"raw_value", "type"}) as Dagster metadata values, as Pipes would decode it."""
    out: dict[str, dg.MetadataValue] = {}
    for key, item in metadata.items():
        value, kind = item["raw_value"], item["type"]
        if kind == "table_schema":
            out[key] = dg.MetadataValue.table_schema(
                dg.TableSchema(columns=[dg.TableColumn(c["name"], c["type"]) for c in value["columns"]])
            )
        elif kind == "json":
            out[key] = dg.MetadataValue.json(value)
        elif kind == "path":
            out[key] = dg.MetadataValue.path(value)
        elif kind == "int":
            out[key] = dg.MetadataValue.int(value)
        elif kind == "float":
            out[key] = dg.MetadataValue.float(value)
        elif kind == "text":
            out[key] = dg.MetadataValue.text(value)
        else:
            out[key] = dg.MetadataValue.json(value) if isinstance(value, (dict, list)) else value
    return out
