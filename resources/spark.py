"""Spark engines: where an omnilake Spark job runs. One small resource per kind; the definitions pick one
from `OMNILAKE_SPARK` (`engine_from_env`), the transforms never know which.

In process (every step of a run shares the process's one session; the code location uses the in-process
executor):
- `SailEngine` (`sail`, the default): the embedded Sail Spark Connect server on 127.0.0.1;
- `LocalSparkEngine` (`local`): classic Spark in the JVM, the parity reference;
- `ConnectEngine` (`connect`): any Spark Connect server (`OMNILAKE_SPARK_REMOTE`, `sc://host:15002`).
Out of process, through Dagster Pipes, with classic Spark and the generic entrypoint:
- `SubprocessEngine` (`subprocess`): spark-submit on this machine, exactly the path Glue and EMR take;
- `GlueEngine`, `EmrServerlessEngine`, `EmrEngine` (`glue`, `emr-serverless`, `emr`): the entrypoint,
  packaged by `omnilake aws package`, on AWS with Pipes context and messages over S3
  (resources/aws/runners.py, docs/aws.md).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Optional

import dagster as dg
from pydantic import Field

from platform_assets import settings
from platform_assets.core.execution import JobResult, JobSpec, Verdict

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

Result = dg.MaterializeResult | dg.AssetCheckResult


class SparkEngine(dg.ConfigurableResource):
    """Runs a `JobSpec` and returns what it materialized, checked and decided, the same way on every engine."""

    mode: ClassVar[str]
    spark_conf: dict[str, str] = Field(default_factory=dict, description="extra Spark settings")

    def run(self, context: dg.AssetExecutionContext, spec: JobSpec) -> "EngineRun":
        raise NotImplementedError


class InProcessEngine(SparkEngine):
    """An engine whose session lives in the Dagster process: the job runs here, on `session()`."""

    def session(self) -> "SparkSession":
        raise NotImplementedError

    def run(self, context: dg.AssetExecutionContext, spec: JobSpec) -> "EngineRun":
        from platform_assets.core.execution import execute

        return EngineRun.of_job(execute(self.session(), spec, log=context.log.info), spec.lake)


class SailEngine(InProcessEngine):
    """The embedded engine: Sail (a Rust Spark Connect server) started once per process on 127.0.0.1."""

    mode: ClassVar[str] = "sail"

    def session(self) -> "SparkSession":
        from platform_assets.core.spark import sail_session

        return sail_session(self.spark_conf)


class LocalSparkEngine(InProcessEngine):
    """Classic Spark in this process's JVM (Spark 3.5, as Glue and EMR run it): the parity reference."""

    mode: ClassVar[str] = "local"
    master: str = Field(default="local[2]", description="Spark master")

    def session(self) -> "SparkSession":
        from platform_assets.core.spark import local_session

        return local_session(self.master, self.spark_conf)


class ConnectEngine(InProcessEngine):
    """Any Spark Connect server that reads Delta tables (a Sail cluster, Spark Connect on EMR/Kubernetes
    with Delta enabled): scale out without packaging jobs."""

    mode: ClassVar[str] = "connect"
    remote: str = Field(description="Spark Connect URL, e.g. sc://host:15002 (OMNILAKE_SPARK_REMOTE)")

    def session(self) -> "SparkSession":
        from platform_assets.core.spark import connect_session

        return connect_session(self.remote, self.spark_conf)


class SubprocessEngine(SparkEngine):
    """spark-submit of the generic entrypoint through `PipesSubprocessClient` (classic Spark)."""

    mode: ClassVar[str] = "subprocess"
    master: str = Field(default="local[2]", description="Spark master")

    def run(self, context: dg.AssetExecutionContext, spec: JobSpec) -> "EngineRun":
        from platform_assets.core.entrypoint import SPEC_EXTRA
        from platform_assets.core.spark import CONNECT_MODE_ENV, submit_conf_args

        command = [
            # A Connect session in this process (Sail) marks the environment as Connect mode; the child
            # would inherit that and refuse to start classic Spark.
            "env",
            "-u",
            CONNECT_MODE_ENV,
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
        invocation = client.run(
            context=context, command=command, extras={SPEC_EXTRA: spec.to_dict()}, env=env
        )
        return EngineRun.of_pipes(invocation)


class AwsEngine(SparkEngine):
    """What the AWS engines share: where the job package and the Pipes objects live (docs/aws.md)."""

    region: Optional[str] = Field(default=None, description="AWS region of the Glue/EMR/S3 clients")
    endpoint_url: Optional[str] = Field(default=None, description="custom AWS endpoint (tests: moto)")
    artifacts_uri: Optional[str] = Field(
        default=None, description="s3:// folder of the job package printed by `omnilake aws package`"
    )
    pipes_s3_uri: Optional[str] = Field(
        default=None, description="s3://bucket/prefix for Pipes context/messages"
    )
    sse_kms_key_id: Optional[str] = Field(default=None, description="KMS key for the Pipes objects on S3")
    role_arn: Optional[str] = Field(
        default=None, description="IAM role the jobs run as (EMR Serverless execution role)"
    )
    emr_log_uri: Optional[str] = Field(default=None, description="s3:// URI for EMR / EMR Serverless logs")
    poll_interval: float = Field(default=15.0, description="seconds between job status polls")
    message_interval: float = Field(default=10.0, description="seconds between Pipes message downloads")

    def run(self, context: dg.AssetExecutionContext, spec: JobSpec) -> "EngineRun":
        from resources.aws.runners import run_on_aws

        return run_on_aws(self, context, spec)


class GlueEngine(AwsEngine):
    """An AWS Glue job (Glue 5.1: Spark 3.5.6, Python 3.11) running the packaged entrypoint."""

    mode: ClassVar[str] = "glue"
    glue_job_name: Optional[str] = Field(default=None, description="Glue job running the entrypoint")


class EmrServerlessEngine(AwsEngine):
    """An EMR Serverless job run (release 7.x: Spark 3.5) on an existing application."""

    mode: ClassVar[str] = "emr-serverless"
    emr_serverless_application_id: Optional[str] = Field(
        default=None, description="EMR Serverless application"
    )


class EmrEngine(AwsEngine):
    """A step on a running EMR cluster, or a transient cluster per step (release 7.x: Spark 3.5)."""

    mode: ClassVar[str] = "emr"
    emr_cluster_id: Optional[str] = Field(
        default=None, description="running EMR cluster to add steps to; unset: a transient cluster per step"
    )
    emr_release_label: str = Field(default="emr-7.10.0", description="release of transient EMR clusters")
    emr_instance_type: str = Field(default="m5.xlarge", description="instance type of transient EMR clusters")
    emr_instance_profile: str = Field(
        default="EMR_EC2_DefaultRole", description="EC2 instance profile of EMR"
    )
    emr_service_role: str = Field(
        default="EMR_DefaultRole",
        description="service role of transient EMR clusters (RunJobFlow ServiceRole)",
    )


ENGINES: dict[str, type[SparkEngine]] = {
    e.mode: e
    for e in (
        SailEngine,
        LocalSparkEngine,
        ConnectEngine,
        SubprocessEngine,
        GlueEngine,
        EmrServerlessEngine,
        EmrEngine,
    )
}


def spark_engine(mode: str, **fields) -> SparkEngine:
    """The engine resource of `mode` (a key of `ENGINES`) with the given fields."""
    if mode not in ENGINES:
        raise ValueError(f"unknown Spark engine {mode!r}: expected one of {', '.join(ENGINES)}")
    return ENGINES[mode](**fields)


def engine_from_env() -> SparkEngine:
    """The engine `OMNILAKE_SPARK` names, configured from the environment (platform.md, Configuration)."""
    mode = settings.spark_mode()
    engine = ENGINES[mode]
    if mode == "connect":
        remote = settings.spark_remote()
        if remote is None:
            raise ValueError("OMNILAKE_SPARK=connect needs OMNILAKE_SPARK_REMOTE (sc://host:15002)")
        return ConnectEngine(remote=remote)
    if issubclass(engine, AwsEngine):
        fields = {k: v for k, v in settings.spark_engine_aws().items() if k in engine.model_fields}
        return engine(**fields)
    return engine()


@dataclass
class EngineRun:
    """What every engine returns for a job: its check results and materializations as Dagster results,
    and the job's `Verdict` (what blocked, which days were held, what was committed) as the job decided it
    (None: a Pipes job that never sent one)."""

    results: list[Result]
    verdict: Optional[Verdict]

    @classmethod
    def of_job(cls, result: JobResult, lake_root: str) -> "EngineRun":
        """A job that ran in this process: its outcome in the Pipes wire format, decoded by Dagster's own
        Pipes decoder, so the metadata is identical on every engine."""
        from dagster._core.definitions.metadata import metadata_map_from_external

        from platform_assets.core.metadata import check_metadata, outputs_metadata

        results: list[Result] = [
            dg.AssetCheckResult(
                asset_key=dg.AssetKey.from_user_string(outcome.table),
                check_name=outcome.name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity(outcome.severity),
                metadata=metadata_map_from_external(check_metadata(outcome)),
            )
            for outcome in result.checks
        ]
        results += [
            dg.MaterializeResult(
                asset_key=dg.AssetKey.from_user_string(table), metadata=metadata_map_from_external(metadata)
            )
            for table, metadata in outputs_metadata(result, lake_root).items()
        ]
        return cls(results, result.verdict)

    @classmethod
    def of_pipes(cls, invocation: dg.PipesClientCompletedInvocation) -> "EngineRun":
        """A job that reported through Dagster Pipes (spark-submit, Glue, EMR)."""
        return cls(
            list(invocation.get_results()), Verdict.from_messages(list(invocation.get_custom_messages()))
        )


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
